"""The staff web console under /staff/: an adapter like bot/telegram, over the same handlers."""

from bot.staff_console.app import PREFIX, Console

__all__ = ["PREFIX", "Console"]

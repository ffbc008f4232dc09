"""E-mail to departments whose contact point is an address: any SMTP server (YIBANG_SMTP_URL)."""

from bot.email.sender import EmailSender

__all__ = ["EmailSender"]

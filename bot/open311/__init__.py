"""Open311 GeoReport v2 under /open311/v2/ of the web app: parse, call the handlers (handlers/open311/),
render JSON or XML. See handlers/open311/ for what is filed and what is shown."""

from bot.open311.channel import Open311Channel

__all__ = ["Open311Channel"]

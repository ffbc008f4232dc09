"""Channel-neutral logic: takes an Incoming, returns Replies. Never imports telegram or wechatpy."""

from handlers.messages import Choice, Incoming, Outcome, Reply

__all__ = ["Choice", "Incoming", "Outcome", "Reply"]

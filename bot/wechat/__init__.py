"""The WeChat official-account channel: callback (/wechat), customer-service and template pushes."""

from bot.wechat.channel import WeChatChannel

__all__ = ["WeChatChannel"]

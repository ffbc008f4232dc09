"""The WeCom (企业微信) group robot: staff cards for staff who work on WeChat."""

from bot.wecom.channel import WeComChannel

__all__ = ["WeComChannel"]

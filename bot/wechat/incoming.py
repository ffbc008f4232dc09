"""A wechatpy message as the handlers' neutral Incoming.

The citizen is the sender's openid (FromUserName), which is also where replies go. Messages dedupe on
MsgId; events carry none, so WeChat's own advice is followed: FromUserName + CreateTime (plus the event
and its key, so a subscribe and a click in the same second stay two events).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from wechatpy.messages import BaseMessage, UnknownMessage

from bot.wechat.xml import MalformedXml
from handlers.messages import Incoming, IncomingKind

CHANNEL = "wechat"
# Longer ids do not fit the inbox and conversation keys; WeChat's openids are 28 characters.
MAX_ID_LENGTH = 64

# Events that are the citizen's own doing and that the dialogue answers. Others (VIEW, the periodic
# LOCATION report, TEMPLATESENDJOBFINISH, …) are WeChat telling us something: acknowledged, not handled,
# and they do not count as the citizen's last message for the 48-hour window.
_EVENTS = {
    "subscribe": "subscribe",
    "subscribe_scan": "subscribe",
    "unsubscribe": "unsubscribe",
    "click": "click",
}
# WeChat's media message types, named as the handlers name them.
_MEDIA = {"image": "photo", "voice": "voice", "video": "video", "shortvideo": "video"}


# What WeChat's media ids look like: letters, digits, - and _ (64 characters today).
_MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def _string(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def to_incoming(message: BaseMessage) -> Incoming | None:
    """The Incoming for a message, None for an event the dialogue has nothing to say to.

    Kinds wechatpy does not know (newer events, newer message types) are acknowledged and left alone.
    """
    if isinstance(message, UnknownMessage):
        return None
    openid = _string(message.source)
    if not openid or len(openid) > MAX_ID_LENGTH:
        raise MalformedXml("FromUserName is missing or too long")
    created = message.time  # checked to be digits when parsed
    common = {
        "channel": CHANNEL,
        "user_key": openid,
        "chat_key": openid,
        "at": datetime.fromtimestamp(created, UTC),
    }
    if message.type == "event":
        event = _EVENTS.get(message.event)
        if event is None:
            return None
        key = _string(message.key) if event == "click" else ""
        return Incoming(
            message_id=_event_id(openid, created, event, key),
            kind=IncomingKind.EVENT,
            payload={"event": event, "key": key},
            **common,
        )
    message_id = _message_id(message)
    if message.type == "text":
        return Incoming(message_id=message_id, kind=IncomingKind.TEXT, text=_string(message.content), **common)
    if message.type == "location":
        payload = {
            "lat": _string(message.location_x),
            "lon": _string(message.location_y),
            "label": _string(message.label),
        }
        return Incoming(message_id=message_id, kind=IncomingKind.LOCATION, payload=payload, **common)
    media = _MEDIA.get(message.type, message.type)
    media_id = _string(getattr(message, "media_id", ""))
    if message.type in _MEDIA and not _MEDIA_ID.match(media_id):
        # WeChat sends every picture, voice and video with the id to fetch it by.
        raise MalformedXml("MediaId is missing or not a media id")
    payload = {"media": media, "file_id": media_id}
    if media == "voice":
        # Present when the account has speech recognition on (接收语音识别结果).
        payload["recognition"] = _string(message.recognition)
    return Incoming(message_id=message_id, kind=IncomingKind.MEDIA, payload=payload, **common)


def _message_id(message: BaseMessage) -> str:
    try:
        number = message.id
    except ValueError:
        raise MalformedXml("MsgId is not a number") from None
    if not number or number < 0 or len(str(number)) > MAX_ID_LENGTH:
        raise MalformedXml("MsgId is missing")
    return str(number)


def _event_id(openid: str, created: int, event: str, key: str) -> str:
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:12] if key else "-"
    return f"event:{openid}:{created}:{event}:{digest}"

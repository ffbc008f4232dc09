"""Reading WeChat's XML without the dangers of XML: no DOCTYPE, no entities, nothing fetched.

A callback body is untrusted until its signature is checked, and in safe mode the signature covers only
the encrypted part, so the outer envelope is parsed before anything is proven. WeChat never sends a
document type declaration, so any DOCTYPE is refused outright: that closes entity expansion (billion
laughs), external entities (XXE) and external DTDs in one rule, whatever the expat version. The checked
fields then become wechatpy's own typed message.
"""

from __future__ import annotations

from typing import Any
from xml.parsers import expat

import xmltodict
from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage


class MalformedXml(Exception):
    """Not a WeChat message: bad XML, a DOCTYPE or entity, or a missing field. Answered with 400."""


def _refuse(reason: str):
    def handler(*_args: object) -> None:
        raise MalformedXml(reason)

    return handler


class _HardenedExpat:
    """What xmltodict needs of the `expat` module (`ParserCreate`), with every declaration refused."""

    @staticmethod
    def ParserCreate(encoding: str | None = None, namespace_separator: str | None = None):
        parser = expat.ParserCreate(encoding, namespace_separator)
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse("DOCTYPE is not allowed")
        parser.EntityDeclHandler = _refuse("entities are not allowed")
        parser.UnparsedEntityDeclHandler = _refuse("entities are not allowed")
        parser.ExternalEntityRefHandler = _refuse("external entities are not allowed")
        return parser


def parse_fields(body: bytes | str) -> dict[str, Any]:
    """The children of WeChat's `<xml>` root as a dict, or MalformedXml."""
    try:
        document = xmltodict.parse(body, expat=_HardenedExpat)
    except MalformedXml:
        raise
    except (expat.ExpatError, ValueError) as exc:
        raise MalformedXml(f"not well-formed XML: {exc}") from None
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise MalformedXml("the root element is not <xml> with children")
    return root


def parse_wechat_message(body: bytes | str) -> BaseMessage:
    """A checked message body as wechatpy's typed message (TextMessage, ClickEvent, …).

    Parsed once, by the hardened parser above; the fields then go to wechatpy's own message and event
    classes as its `parse_message` would pick them (which would parse the text a second time, unguarded).
    """
    fields = parse_fields(body)
    for required in ("FromUserName", "ToUserName", "MsgType", "CreateTime"):
        if not isinstance(fields.get(required), str) or not fields[required].strip():
            raise MalformedXml(f"{required} is missing")
    created = fields["CreateTime"]
    if not created.isascii() or not created.isdigit() or len(created) > 12:
        raise MalformedXml("CreateTime is not a time")
    try:
        return _message_class(fields)(fields)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise MalformedXml(f"wechatpy could not read it: {type(exc).__name__}") from None


def _message_class(fields: dict[str, Any]) -> type[BaseMessage]:
    """wechatpy's class for these fields, chosen by the rules of `wechatpy.parse_message`."""
    message_type = fields["MsgType"].lower()
    if message_type != "event" and not message_type.startswith("device_"):
        return MESSAGE_TYPES.get(message_type, UnknownMessage)
    event = fields.get("Event")
    event_type = event.lower() if isinstance(event, str) else None
    if message_type.startswith("device_"):
        event_type = message_type if event_type is None else f"device_{event_type}"
    event_key = fields.get("EventKey")
    if event_type == "subscribe" and isinstance(event_key, str) and event_key:
        if event_key.startswith(("scanbarcode|", "scanimage|")):
            event_type = fields["Event"] = "subscribe_scan_product"
        elif event_key.startswith("qrscene_"):
            # Subscribed by scanning a code with a scene: the key is the scene.
            event_type = fields["Event"] = "subscribe_scan"
            fields["EventKey"] = event_key[len("qrscene_"):]
    return EVENT_TYPES.get(event_type, UnknownMessage)

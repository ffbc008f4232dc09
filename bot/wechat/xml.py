"""Reading WeChat's XML without the dangers of XML: no DOCTYPE, no entities, nothing fetched.

A callback body is untrusted until its signature is checked, and in safe mode the signature covers only
the encrypted part, so the outer envelope is parsed before anything is proven. WeChat never sends a
document type declaration, so any DOCTYPE is refused outright: that closes entity expansion (billion
laughs), external entities (XXE) and external DTDs in one rule, whatever the expat version. A body that
passes becomes wechatpy's own typed message, by wechatpy's own rules.
"""

from __future__ import annotations

from typing import Any
from xml.parsers import expat

import xmltodict
from wechatpy import parse_message
from wechatpy.messages import BaseMessage

# The latest CreateTime taken (2100-01-01): a time beyond what datetime can hold (year 33658) is no time.
LATEST_CREATE_TIME = 4_102_444_800


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


def _refuse_attributes(value: object) -> None:
    """WeChat writes no attributes; xmltodict would turn an element with one into a dict (`@a`, `#text`)
    where wechatpy expects text."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key.startswith("@"):
                raise MalformedXml(f"attribute {key[1:]!r} is not WeChat's")
            _refuse_attributes(inner)
    elif isinstance(value, list):
        for inner in value:
            _refuse_attributes(inner)


def parse_wechat_message(body: bytes | str) -> BaseMessage:
    """A checked message body as wechatpy's typed message (TextMessage, ClickEvent, …).

    The hardened parse above reads it first, and refuses anything that is not a plain WeChat message;
    only then does wechatpy's own `parse_message` pick its class by its rules (which parses the text a
    second time, with no guard of its own: by then there is nothing in it to guard against).
    """
    fields = parse_fields(body)
    for required in ("FromUserName", "ToUserName", "MsgType", "CreateTime"):
        if not isinstance(fields.get(required), str) or not fields[required].strip():
            raise MalformedXml(f"{required} is missing")
    created = fields["CreateTime"]
    if not created.isascii() or not created.isdigit() or int(created) > LATEST_CREATE_TIME:
        raise MalformedXml("CreateTime is not a time")
    msg_id = fields.get("MsgId")
    if msg_id is not None and not (isinstance(msg_id, str) and msg_id.isascii() and msg_id.strip().isdigit()):
        raise MalformedXml("MsgId is not a number")
    _refuse_attributes(fields)
    try:
        return parse_message(body)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise MalformedXml(f"wechatpy could not read it: {type(exc).__name__}") from None

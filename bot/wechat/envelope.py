"""Plain and safe mode (安全模式): proving a callback is WeChat's, opening it, sealing the answer.

Every callback carries `signature` over (token, timestamp, nonce), in safe mode too, so it is checked
before the body is read. In safe mode the body's `<Encrypt>` is signed again (`msg_signature`) and
AES-encrypted with the EncodingAESKey; the passive answer is encrypted and signed the same way. The
answer goes back in the mode the request came in, so switching the account's mode needs no restart.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import QueryParams
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import WeChatException

from bot.wechat.signature import SignatureRefused, check_fresh, check_signature
from bot.wechat.xml import MalformedXml, parse_fields
from handlers.replay import MAX_NONCE_LENGTH


@dataclass(frozen=True)
class Signed:
    """The signing parameters of one callback, from its query string."""

    signature: str
    timestamp: str
    nonce: str
    msg_signature: str
    encrypted: bool

    @classmethod
    def of(cls, query: QueryParams) -> Signed:
        return cls(
            signature=query.get("signature", ""),
            timestamp=query.get("timestamp", ""),
            nonce=query.get("nonce", ""),
            msg_signature=query.get("msg_signature", ""),
            encrypted=query.get("encrypt_type", "raw").lower() == "aes",
        )


class Envelope:
    def __init__(self, token: str, app_id: str, aes_key: str | None, max_age_seconds: int, *,
                 plain_too: bool = False):
        """`plain_too`: with an AES key, plain bodies are taken as well (YIBANG_WECHAT_MODE=compatible)."""
        self.token = token
        self.max_age_seconds = max_age_seconds
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self.plain_too = plain_too or self.crypto is None

    def check(self, signed: Signed, now: datetime) -> None:
        """Raise SignatureRefused unless the query is signed with our token and fresh."""
        check_fresh(signed.timestamp, now, self.max_age_seconds)
        if len(signed.nonce) > MAX_NONCE_LENGTH:
            raise SignatureRefused("nonce too long")
        check_signature(signed.signature, self.token, signed.timestamp, signed.nonce)

    def open(self, signed: Signed, body: bytes) -> bytes | str:
        """The message XML inside a checked request: the body itself, or in safe mode its decryption.

        In safe mode the query's signature proves only that WeChat signed *some* request with this
        timestamp and nonce; the body's own msg_signature is what proves the body. So with an AES key a
        plain body is refused unless compatible mode says otherwise."""
        if not signed.encrypted:
            if not self.plain_too:
                raise SignatureRefused("a plain body, but only safe mode is accepted")
            return body
        if self.crypto is None:
            raise MalformedXml("safe mode request, but no EncodingAESKey is configured")
        fields = parse_fields(body)
        encrypted = fields.get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise MalformedXml("Encrypt is missing")
        check_signature(signed.msg_signature, self.token, signed.timestamp, signed.nonce, encrypted)
        try:
            return self.crypto.decrypt_message(fields, signed.msg_signature, signed.timestamp, signed.nonce)
        except (ValueError, IndexError, struct.error, WeChatException) as exc:
            raise MalformedXml(f"cannot decrypt: {type(exc).__name__}") from None

    def seal(self, signed: Signed, reply_xml: str) -> str:
        """The passive answer in the request's mode."""
        if not signed.encrypted or self.crypto is None:
            return reply_xml
        return self.crypto.encrypt_message(reply_xml, signed.nonce, signed.timestamp)

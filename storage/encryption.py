"""Personal data at rest: encrypted with keys derived from YIBANG_SECRET_KEY (they must never leak).

AES-256-GCM from `cryptography` does the encryption. Key rotation: the newest secret encrypts, every
configured secret decrypts, and `rotate` re-encrypts under the newest.
Keys come from the secrets through HKDF, so the operator's secret is never used as a key directly and
each purpose (encryption, lookup index) has its own key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets as secrets_module
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.identifiers import mask_identifiers

log = logging.getLogger(__name__)

_SALT = b"yibang/v1"


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(secret.encode("utf-8"))


class FieldCipher:
    """Encrypts single fields (names, phones, dialogue slots) and computes a keyed lookup index.

    AES-256-GCM (the `cryptography` library's AEAD) with a random 96-bit nonce per field. A token is
    `v1.` + base64url(key id · nonce · ciphertext+tag); the key id says which configured secret sealed
    it, so after a rotation every secret still opens its own tokens and the newest seals new ones.
    (Fernet would do the same at four times the cost, and every message seals its dialogue state.)
    """

    VERSION = "v1."

    def __init__(self, secrets: Sequence[str]):
        if not secrets:
            raise ValueError("at least one secret key is needed")
        self._keys: dict[bytes, AESGCM] = {}
        self._newest: tuple[bytes, AESGCM] | None = None
        for secret in secrets:
            key = _derive(secret, b"field-encryption")
            key_id = hashlib.sha256(b"key-id" + key).digest()[:4]
            self._keys.setdefault(key_id, AESGCM(key))
            if self._newest is None:
                self._newest = (key_id, self._keys[key_id])
        self._index_key = _derive(secrets[0], b"lookup-index")
        # storage/key_check.py: a value each secret makes and nothing else can, which reveals nothing of it
        self._checks = [hmac.new(_derive(secret, b"key-check"), b"yibang", hashlib.sha256).hexdigest()
                        for secret in secrets]

    def key_check(self) -> str:
        """The newest secret's check value."""
        return self._checks[0]

    def made_check(self, value: str) -> bool:
        """Whether one of the configured secrets made this check value."""
        return any(hmac.compare_digest(value.encode(), check.encode()) for check in self._checks)

    def encrypt(self, value: str | None) -> str | None:
        if value is None:
            return None
        assert self._newest is not None
        key_id, aead = self._newest
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, value.encode("utf-8"), key_id)
        return self.VERSION + base64.urlsafe_b64encode(key_id + nonce + sealed).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            if not token.startswith(self.VERSION):
                raise ValueError("not a field token")
            raw = base64.urlsafe_b64decode(token[len(self.VERSION):])
            key_id, nonce, sealed = raw[:4], raw[4:16], raw[16:]
            aead = self._keys.get(key_id)
            if aead is None:
                raise ValueError("sealed with a key that is not configured")
            return aead.decrypt(nonce, sealed, key_id).decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error):
            # A token no configured key opens: report it without the token, show nothing.
            log.error("a stored field could not be decrypted with any configured secret key")
            return None

    def rotate(self, token: str | None) -> str | None:
        """Re-encrypt under the newest key (after a key rotation)."""
        if token is None:
            return None
        plain = self.decrypt(token)
        return self.encrypt(plain) if plain is not None else token

    def encrypt_json(self, value: Any) -> str:
        return self.encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":"))) or ""

    def decrypt_json(self, token: str | None) -> Any:
        plain = self.decrypt(token)
        return json.loads(plain) if plain else None

    # Files (photos, PDFs) are sealed whole: magic, key id, nonce, ciphertext and tag. The field key seals
    # them, so YIBANG_SECRET_KEY, its rotation and `yibang rekey` cover files as they cover names; the
    # associated data tells a file from a field, so neither can be passed off as the other.
    BLOB_MAGIC = b"YBF1"

    def seal_bytes(self, data: bytes) -> bytes:
        assert self._newest is not None
        key_id, aead = self._newest
        nonce = os.urandom(12)
        return self.BLOB_MAGIC + key_id + nonce + aead.encrypt(nonce, data, self.BLOB_MAGIC + key_id)

    def open_bytes(self, sealed: bytes) -> bytes | None:
        """The file, or None when no configured key opens it (logged without the content)."""
        magic, key_id, nonce, body = sealed[:4], sealed[4:8], sealed[8:20], sealed[20:]
        aead = self._keys.get(key_id)
        if magic != self.BLOB_MAGIC or aead is None:
            log.error("a stored file is not sealed with any configured secret key")
            return None
        try:
            return aead.decrypt(nonce, body, magic + key_id)
        except InvalidTag:
            log.error("a stored file could not be decrypted: it was changed or is damaged")
            return None

    def sealed_by_newest(self, sealed: bytes) -> bool:
        assert self._newest is not None
        return sealed[4:8] == self._newest[0]

    def content_address(self, data: bytes) -> str:
        """A file's name in the media store: a keyed hash of its content, so the same photo is kept once
        and the name tells nobody without the key what the photo is."""
        return hmac.new(self._index_key, b"file:" + data, hashlib.sha256).hexdigest()

    def index(self, value: str) -> str:
        """A keyed hash for equality lookups (find a citizen's cases by phone) without storing the phone."""
        return hmac.new(self._index_key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


def secret_keys(configured: str | None, old: str | None, data_dir: Path) -> list[str]:
    """The secrets to use, newest first. Without YIBANG_SECRET_KEY one is generated into DATA_DIR."""
    keys: list[str] = []
    if configured:
        keys.append(configured)
    else:
        keys.append(_generated_secret(data_dir))
    if old:
        keys.extend(part.strip() for part in old.split(",") if part.strip())
    return keys


def _generated_secret(data_dir: Path) -> str:
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets_module.token_urlsafe(48)
    # Create with owner-only permissions, and never overwrite one another process wrote first.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret + "\n")
    log.warning(
        "YIBANG_SECRET_KEY is not set: generated one into %s. Back it up: without it the stored names "
        "and phone numbers cannot be read. In production set YIBANG_SECRET_KEY.",
        path,
    )
    return secret


def mask_phone(phone: str | None) -> str:
    """139****5678, 0371-****2345: enough for staff to tell numbers apart, not enough to call."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    if "-" in phone:
        # a landline keeps its area code: 0371-****2345
        return f"{phone.split('-', 1)[0]}-****{phone[-4:]}"
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name: str | None) -> str:
    """张** / 张*: the family name (or first letter) only."""
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 2))


def redact_identifiers(text: str) -> str:
    """Mask the identifiers a citizen typed into free text (mobiles and landlines, ID and bank card numbers;
    storage/identifiers.py) before it goes to a group chat, a log, a page or a file for anyone but a
    supervisor."""
    return mask_identifiers(text)

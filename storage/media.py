"""The media store: citizens' photos and files, sealed, under names that are keyed hashes of their content.

Two backends behind one small interface: files in a directory (DATA_DIR/media by default, or
YIBANG_MEDIA_URL=file:///path) and an S3-compatible bucket (YIBANG_MEDIA_URL=s3://bucket/prefix, with
`?endpoint_url=…&region=…` for MinIO and the like; credentials come from the usual AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY variables or the machine's role, never from the URL). Everything is sealed with the
field keys before it is written (storage.encryption), so a copied disk or a leaked bucket shows nothing,
and no name is one a citizen chose.

Every call blocks (disk, HTTP): run it in a worker thread, and never inside a database transaction.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from storage.encryption import FieldCipher

log = logging.getLogger(__name__)

# A file name is 64 hex characters: the keyed SHA-256 of the content.
NAME_LENGTH = 64


class BlobStore(Protocol):
    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes | None: ...

    def delete(self, name: str) -> None: ...

    def names(self) -> Iterator[tuple[str, datetime]]:
        """Every stored name with when it was written."""
        ...


class LocalBlobStore:
    """Files under `root/ab/abcdef…`, readable by the service's user only, written whole or not at all."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, name: str) -> Path:
        if len(name) != NAME_LENGTH or not all(ch in "0123456789abcdef" for ch in name):
            raise ValueError("not a media name")
        return self.root / name[:2] / name

    def put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def names(self) -> Iterator[tuple[str, datetime]]:
        if not self.root.is_dir():
            return
        for directory in self.root.iterdir():
            if not directory.is_dir():
                continue
            for path in directory.iterdir():
                if len(path.name) == NAME_LENGTH:
                    yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)


class S3BlobStore:
    """Objects `prefix/abcdef…` in one bucket of any S3-compatible service, through boto3."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        self.bucket = parts.netloc
        prefix = parts.path.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self.endpoint_url = query.get("endpoint_url")
        self.region = query.get("region")

    @cached_property
    def client(self) -> Any:
        import boto3  # only a deployment with a bucket pays for importing it

        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region)

    def put(self, name: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + name, Body=data,
                               ContentType="application/octet-stream")

    def get(self, name: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)

    def names(self) -> Iterator[tuple[str, datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix):]
                if len(name) == NAME_LENGTH:
                    yield name, item["LastModified"]


class MediaStore:
    """Sealed files by content address: the same photo sent twice is kept once."""

    def __init__(self, blobs: BlobStore, cipher: FieldCipher):
        self.blobs = blobs
        self.cipher = cipher

    def put(self, data: bytes) -> str:
        """Seal and store `data`; returns its name."""
        name = self.cipher.content_address(data)
        self.blobs.put(name, self.cipher.seal_bytes(data))
        return name

    def get(self, name: str) -> bytes | None:
        """The file, or None when it is gone or no configured key opens it."""
        sealed = self.blobs.get(name)
        return None if sealed is None else self.cipher.open_bytes(sealed)

    def delete(self, name: str) -> None:
        self.blobs.delete(name)

    def reseal(self, name: str) -> str | None:
        """After a key rotation: the file sealed with the newest key under the newest key's name; returns
        that name (the same one when nothing changed), or None when the file cannot be read."""
        sealed = self.blobs.get(name)
        if sealed is None:
            return None
        data = self.cipher.open_bytes(sealed)
        if data is None:
            return None
        if self.cipher.sealed_by_newest(sealed) and self.cipher.content_address(data) == name:
            return name
        return self.put(data)

    def names(self) -> Iterator[tuple[str, datetime]]:
        return self.blobs.names()


def open_media_store(url: str | None, data_dir: Path, cipher: FieldCipher) -> MediaStore:
    """The store YIBANG_MEDIA_URL names; by default DATA_DIR/media."""
    if url and url.startswith("s3://"):
        return MediaStore(S3BlobStore(url), cipher)
    if url and url.startswith("file://"):
        return MediaStore(LocalBlobStore(Path(urlsplit(url).path)), cipher)
    return MediaStore(LocalBlobStore(data_dir / "media"), cipher)

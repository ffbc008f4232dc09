"""What a fetched file really is, and what of it is kept: judged by its content, never by its name or the
type the sender's client claimed.

An image (whatever Pillow opens of the common photo formats) is turned upright by its EXIF orientation
and written anew without any of its metadata — EXIF with the GPS position, the camera's serial, XMP, the
embedded preview — so staff and the store never see where or with what the photo was taken; a
thumbnail is made once, here. A PDF (prescriptions, 证明 papers) must open with pypdf and have pages; it
is rewritten page by page, without its document information and scripts. Everything else is refused.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"})
# Pixels a photo may have: a 48-megapixel phone camera passes; a "decompression bomb" (a small file that
# unpacks to gigabytes) does not.
MAX_PIXELS = 60_000_000
# The longest side kept: a prescription photographed at 4032 × 3024 stays as sharp as it came.
MAX_SIDE = 4096
THUMBNAIL_SIDE = 320
JPEG_QUALITY = 88
THUMBNAIL_QUALITY = 80

# Why a file was refused; each has a text for the citizen (taxonomy `attachment_refused_<reason>`).
TOO_LARGE = "too_large"
NOT_ACCEPTED = "not_accepted"


class Refused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Cleaned:
    """The file as it is kept and shown: no metadata, upright; a thumbnail for images."""

    data: bytes
    content_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def clean(data: bytes, *, max_bytes: int) -> Cleaned:
    """The kept form of `data`; raises Refused (too large, or neither an image nor a PDF)."""
    if len(data) > max_bytes:
        raise Refused(TOO_LARGE)
    if data.startswith(b"%PDF-"):
        return _clean_pdf(data)
    return _clean_image(data)


def _clean_image(data: bytes) -> Cleaned:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice it; ours is stricter and checked below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format not in IMAGE_FORMATS:
                    raise Refused(NOT_ACCEPTED)
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise Refused(TOO_LARGE)
                opened.seek(0)  # an animation keeps its first frame
                image = ImageOps.exif_transpose(opened)
                image.load()
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        log.info("a fetched file is not an image Pillow can read: %s", type(exc).__name__)
        raise Refused(NOT_ACCEPTED) from None
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    transparent = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if transparent:
        kept = image.convert("RGBA")
        content_type, body = PNG, _encode(kept, "PNG")
    else:
        kept = image.convert("RGB")
        content_type, body = JPEG, _encode(kept, "JPEG", quality=JPEG_QUALITY)
    return Cleaned(body, content_type, kept.width, kept.height, thumbnail(kept))


def thumbnail(image: Image.Image) -> bytes:
    """A small JPEG for a list of photos; transparency on white."""
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    if small.mode == "RGBA":
        backing = Image.new("RGB", small.size, "white")
        backing.paste(small, mask=small.getchannel("A"))
        small = backing
    return _encode(small.convert("RGB"), "JPEG", quality=THUMBNAIL_QUALITY)


def _encode(image: Image.Image, kind: str, **options: int) -> bytes:
    """Written from the pixels alone: Pillow would carry a comment, an ICC profile or XMP over from the
    image's `info`, so that is emptied first, and no exif is passed."""
    image.info.clear()
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def _clean_pdf(data: bytes) -> Cleaned:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Refused(NOT_ACCEPTED)  # a password we do not have: staff could not read it either
        if not reader.pages:
            raise Refused(NOT_ACCEPTED)
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.add_metadata({"/Producer": "yibang"})
        out = io.BytesIO()
        writer.write(out)
    except Refused:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        log.info("a fetched file is not a PDF pypdf can read: %s", type(exc).__name__)
        raise Refused(NOT_ACCEPTED) from None
    return Cleaned(out.getvalue(), PDF)


def fit_within(data: bytes, max_bytes: int) -> bytes:
    """A kept image made small enough for a channel's limit (WeCom's robot takes 2 MB): the same picture,
    scaled down step by step, as JPEG. Smaller images come back untouched."""
    if len(data) <= max_bytes:
        return data
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    while True:
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)),
                             Image.Resampling.LANCZOS)
        smaller = _encode(image, "JPEG", quality=JPEG_QUALITY)
        if len(smaller) <= max_bytes or max(image.size) <= THUMBNAIL_SIDE:
            return smaller

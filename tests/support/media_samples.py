"""Photos and files as citizens' phones make them: a JPEG with the camera's EXIF and the GPS position,
turned on its side by its orientation tag; a PDF with its author in the document information."""

from __future__ import annotations

import io

from PIL import ExifTags, Image, ImageDraw

GPS_LATITUDE = (34.0, 45.0, 30.5)
CAMERA = "YibangPhone 12 Pro"


def phone_photo(width: int = 1600, height: int = 1200, *, colour: str = "steelblue", sideways: bool = True) -> bytes:
    """A photo with EXIF: make, model, GPS position; `sideways`: stored landscape, meant to be upright."""
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 4, height // 4, width // 2, height // 2), fill="white")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "YibangPhone"
    exif[ExifTags.Base.Model] = CAMERA
    if sideways:
        exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to show
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (113.0, 39.0, 12.0),
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90, comment=b"taken at home")
    return out.getvalue()


def gps_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def certificate_pdf(author: str = "张三") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Author": author, "/Title": "健康证明"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""Test documents made on the fly (no binaries in the repository): phone photos with a GPS
position in their EXIF, PNGs, PDFs with and without JavaScript or embedded files, HTML; and what a
consultation's documents leave in the attachments bucket."""

from __future__ import annotations

import io
from typing import Any

GPS_IFD = 0x8825
# Suwon city hall, as a phone would write it
LATITUDE = ((37, 1), (15, 1), (5, 1))
LONGITUDE = ((127, 1), (1, 1), (44, 1))


def photo_with_gps(width: int = 1200, height: int = 1600, *, fmt: str = "JPEG") -> bytes:
    """A 'pay slip photographed by a phone': text-like stripes, EXIF with GPS, camera and time."""
    from PIL import ExifTags, Image, ImageDraw

    image = Image.new("RGB", (width, height), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    for y in range(80, height - 80, 60):
        draw.rectangle((80, y, width - 80 - (y * 7) % 300, y + 18), fill=(40, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 15"
    exif[ExifTags.Base.DateTime] = "2026:11:30 21:14:03"
    exif[ExifTags.Base.Orientation] = 1
    gps = exif.get_ifd(GPS_IFD)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = tuple(a / b for a, b in LATITUDE)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = tuple(a / b for a, b in LONGITUDE)
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif, quality=90)
    return out.getvalue()


def has_gps(body: bytes) -> bool:
    from PIL import Image

    with Image.open(io.BytesIO(body)) as image:
        exif = image.getexif()
        return bool(exif.get_ifd(GPS_IFD)) or bool(image.info.get("exif"))


def png(width: int = 300, height: int = 200) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def pdf(*, javascript: str | None = None, embedded: bytes | None = None, pages: int = 1) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:  # document-level JavaScript, run when the file opens (the catalogue's name tree)
        action = writer._add_object(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                                      NameObject("/JS"): TextStringObject(javascript)}))
        names = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("open"), action])})
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): names})
    if embedded is not None:
        writer.add_attachment("payload.exe", embedded)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_link_action() -> bytes:
    """A PDF whose first page opens with a JavaScript action hidden in the page's /AA entry."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.launchURL('http://x.invalid')")})
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(action)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bucket_keys(container: Any, consultation_id: str) -> list[str]:
    """The keys of a consultation's objects in the attachments bucket: uploads not yet confirmed
    (``incoming/``) and the documents kept (``consultations/``)."""
    s3 = container.boto_session.client("s3")
    keys = []
    for prefix in (f"incoming/{consultation_id}/", f"consultations/{consultation_id}/"):
        keys += [o["Key"] for o in s3.list_objects_v2(Bucket=container.settings.attachments_bucket,
                                                      Prefix=prefix).get("Contents", [])]
    return keys


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

"""Checking an uploaded document before anyone may open it (Pillow, pypdf, pillow-heif).

- The real type comes from the bytes (``domain.attachments.sniff``); a file whose
  bytes are another kind than declared is refused.
- Images are decoded and re-encoded from their pixels only: EXIF (GPS position,
  camera, time), XMP, ICC comments and any trailing data are dropped; the EXIF
  orientation is applied first so the picture stays upright. HEIC photos are
  decoded with pillow-heif and kept as JPEG. A JPEG thumbnail is made as well.
- PDFs are parsed with pypdf; one that carries JavaScript, launch or other
  actions that run on opening, or embedded files, is refused.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from chalicelib.domain.attachments import Inspection, Kind, Rejection, sniff

THUMB_PX = 320
MAX_PIXELS = 50_000_000  # larger than any phone camera; stops decompression bombs
JPEG_QUALITY = 88

try:  # HEIC from phones, when the library is installed
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - depends on the environment
    HEIC_SUPPORTED = False


def inspect(body: bytes, declared: Kind) -> Inspection:
    kind = sniff(body[:32])
    if kind is None:
        return Inspection(None, reason=Rejection.WRONG_TYPE)
    if kind is not declared and not (kind.is_image and declared.is_image):
        return Inspection(kind, reason=Rejection.TYPE_MISMATCH)
    if kind is Kind.PDF:
        return _inspect_pdf(body)
    if kind is Kind.HEIC and not HEIC_SUPPORTED:
        return Inspection(kind, reason=Rejection.HEIC_UNSUPPORTED)
    return _clean_image(body, kind)


def _clean_image(body: bytes, kind: Kind) -> Inspection:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body)) as opened:
                opened.load()
                upright = ImageOps.exif_transpose(opened) or opened
                keep_alpha = kind is Kind.PNG and upright.mode in ("RGBA", "LA", "P")
                pixels = upright.convert("RGBA" if keep_alpha else "RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return Inspection(kind, reason=Rejection.UNREADABLE)
    # A fresh image holding only the pixels: no metadata can come along.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if kind is Kind.PNG:
        clean.save(out, format="PNG", optimize=True)
        stored_kind = Kind.PNG
    else:
        clean.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        stored_kind = Kind.JPEG  # HEIC is kept as JPEG: every browser shows it
    thumb = clean.convert("RGB")
    thumb.thumbnail((THUMB_PX, THUMB_PX))
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, format="JPEG", quality=80)
    return Inspection(stored_kind, body=out.getvalue(), thumbnail=thumb_out.getvalue(),
                      width=clean.width, height=clean.height)


_ACTIVE_NAMES = ("/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia",
                 "/SubmitForm", "/ImportData", "/GoToE", "/XFA")


def _inspect_pdf(body: bytes) -> Inspection:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            return Inspection(Kind.PDF, reason=Rejection.UNREADABLE)
        if _has_active_content(reader):
            return Inspection(Kind.PDF, reason=Rejection.ACTIVE_CONTENT)
        pages = len(reader.pages)
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, RecursionError):
        return Inspection(Kind.PDF, reason=Rejection.UNREADABLE)
    if pages == 0:
        return Inspection(Kind.PDF, reason=Rejection.UNREADABLE)
    return Inspection(Kind.PDF, body=body)


def _has_active_content(reader: Any) -> bool:
    """JavaScript, launch/submit actions or embedded files anywhere in the document's objects.

    Walks every object reachable from the trailer (catalogue, names tree, pages,
    annotations, form fields), so an action hidden in an annotation is found too."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if reader.attachments:
        return True
    seen: set[tuple[int, int]] = set()
    stack: list[Any] = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        visited += 1
        if visited > 200_000:
            return True  # too convoluted to vouch for
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key in _ACTIVE_NAMES:
                    return True
                if key == "/S" and isinstance(value, NameObject) and value in _ACTIVE_NAMES:
                    return True
                if key in ("/Parent", "/P"):
                    continue  # back-references: reached from the other side anyway
                stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return False

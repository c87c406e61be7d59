"""What a document is and whether it may be shown: the real type from the bytes, photos cleaned of
their EXIF (GPS, camera, time), HEIC from phones, PDFs with JavaScript or embedded files refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from chalicelib.adapters.inspection import HEIC_SUPPORTED, inspect
from chalicelib.domain.attachments import (
    AttachmentTooLargeError,
    AttachmentTypeError,
    Kind,
    Rejection,
    check_request,
    incoming_key,
    new_object_id,
    sniff,
    stored_key,
)
from tests import documents

ALLOWED = ("image/jpeg", "image/png", "image/heic", "application/pdf")
MB = 1024 * 1024


def test_the_declared_type_and_size_are_checked_before_a_form_is_given() -> None:
    assert check_request("image/jpg", 100, allowed=ALLOWED, max_bytes=10 * MB) is Kind.JPEG
    assert check_request("image/HEIF", 100, allowed=ALLOWED, max_bytes=10 * MB) is Kind.HEIC
    with pytest.raises(AttachmentTypeError, match="JPEG, PNG, HEIC, PDF"):
        check_request("text/html", 100, allowed=ALLOWED, max_bytes=10 * MB)
    with pytest.raises(AttachmentTooLargeError) as large:
        check_request("application/pdf", 10 * MB + 1, allowed=ALLOWED, max_bytes=10 * MB)
    assert large.value.max_mb == 10


def test_keys_hold_the_consultation_and_random_ids_only() -> None:
    a, b = new_object_id(), new_object_id()
    assert a != b and len(a) == 32
    assert incoming_key("c-1", a) == f"incoming/c-1/{a}" and stored_key("c-1", b) == f"consultations/c-1/{b}"


def test_the_type_comes_from_the_magic_numbers() -> None:
    assert sniff(documents.photo_with_gps()[:32]) is Kind.JPEG
    assert sniff(documents.png()[:32]) is Kind.PNG
    assert sniff(documents.pdf()[:32]) is Kind.PDF
    assert sniff(documents.HTML[:32]) is None
    assert sniff(b"GIF89a" + b"\0" * 20) is None


def test_a_phone_photo_loses_its_gps_position_and_camera_data_and_gets_a_thumbnail() -> None:
    original = documents.photo_with_gps()
    assert documents.has_gps(original)
    result = inspect(original, Kind.JPEG)
    assert result.accepted and result.kind is Kind.JPEG
    assert result.body is not None and not documents.has_gps(result.body)
    with Image.open(io.BytesIO(result.body)) as cleaned:
        assert cleaned.size == (1200, 1600)
        assert not cleaned.getexif() and "exif" not in cleaned.info
    assert result.thumbnail is not None
    with Image.open(io.BytesIO(result.thumbnail)) as thumb:
        assert max(thumb.size) <= 320 and thumb.format == "JPEG"


def test_a_png_with_exif_is_cleaned_too() -> None:
    original = documents.photo_with_gps(fmt="PNG")
    result = inspect(original, Kind.PNG)
    assert result.kind is Kind.PNG and result.body is not None and not documents.has_gps(result.body)


@pytest.mark.skipif(not HEIC_SUPPORTED, reason="pillow-heif not installed")
def test_a_heic_photo_is_decoded_and_kept_as_jpeg_without_exif() -> None:
    import pillow_heif

    with Image.open(io.BytesIO(documents.photo_with_gps())) as photo:
        heif = pillow_heif.from_pillow(photo)
    out = io.BytesIO()
    heif.save(out, quality=60)
    assert sniff(out.getvalue()[:32]) is Kind.HEIC
    result = inspect(out.getvalue(), Kind.HEIC)
    assert result.accepted and result.kind is Kind.JPEG and result.width == 1200
    assert result.body is not None and not documents.has_gps(result.body)


@pytest.mark.parametrize(("body", "declared", "reason"), [
    (documents.png(), Kind.PDF, Rejection.TYPE_MISMATCH),  # a PNG named .pdf
    (documents.HTML, Kind.JPEG, Rejection.WRONG_TYPE),  # an HTML page named .jpg
    (documents.pdf(), Kind.JPEG, Rejection.TYPE_MISMATCH),
    (b"\xff\xd8\xff\xe0 not really a jpeg", Kind.JPEG, Rejection.UNREADABLE),
    (b"%PDF-1.7 not really a pdf", Kind.PDF, Rejection.UNREADABLE),
    (documents.pdf(javascript="app.alert('hi')"), Kind.PDF, Rejection.ACTIVE_CONTENT),
    (documents.pdf(embedded=b"MZ\x90\x00"), Kind.PDF, Rejection.ACTIVE_CONTENT),
    (documents.pdf_with_link_action(), Kind.PDF, Rejection.ACTIVE_CONTENT),
], ids=["png-as-pdf", "html-as-jpg", "pdf-as-jpg", "broken-jpeg", "broken-pdf", "pdf-javascript",
        "pdf-embedded-file", "pdf-page-action"])
def test_refused(body: bytes, declared: Kind, reason: Rejection) -> None:
    result = inspect(body, declared)
    assert result.reason is reason and result.body is None


def test_a_plain_pdf_is_kept_byte_for_byte() -> None:
    body = documents.pdf(pages=2)
    result = inspect(body, Kind.PDF)
    assert result.accepted and result.body == body and result.thumbnail is None


def test_a_jpeg_declared_as_png_is_accepted_as_what_it_is() -> None:
    # both are photos; the stored copy is labelled by its real type, not the declared one
    result = inspect(documents.photo_with_gps(), Kind.PNG)
    assert result.accepted and result.kind is Kind.JPEG

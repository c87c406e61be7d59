"""Documents a resident shows: pay slips, contracts, notices, medical certificates.

An attachment goes ``pending`` (a slot reserved, an upload form given out) →
``checking`` (one confirm call holds it) → ``ready`` (checked and cleaned, may
be opened) or ``rejected`` (its bytes deleted). Nobody gets a link before
``ready``.

Object keys carry the consultation id and random ids only, never a file name:
``incoming/<consultation id>/<random>`` for the upload (expires after a day
unless confirmed), ``consultations/<consultation id>/<random>`` for the checked
copy and its thumbnail.

The real type of a file comes from its first bytes (``sniff``), never from its
name or the type the browser declared.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

ENTITY = "attachment"  # the field cipher's entity name for the sealed original file name


class AttachmentStatus(StrEnum):
    PENDING = "pending"
    CHECKING = "checking"
    READY = "ready"
    REJECTED = "rejected"


class Kind(StrEnum):
    """What a file really is, from its bytes."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    HEIC = "image/heic"
    PDF = "application/pdf"

    @property
    def is_image(self) -> bool:
        return self is not Kind.PDF


# Why a file was refused (stable codes; the pages translate them).
class Rejection(StrEnum):
    NOT_UPLOADED = "not_uploaded"
    TOO_LARGE = "too_large"
    WRONG_TYPE = "wrong_type"  # the bytes are not one of the allowed kinds
    TYPE_MISMATCH = "type_mismatch"  # the bytes are another allowed kind than declared
    UNREADABLE = "unreadable"  # claims to be an image or PDF but cannot be decoded
    HEIC_UNSUPPORTED = "heic_unsupported"
    ACTIVE_CONTENT = "active_content"  # a PDF with JavaScript, actions or embedded files


class AttachmentError(Exception):
    """A document that cannot be used (the subclasses say why, with their numbers)."""


class AttachmentNotFoundError(AttachmentError):
    """No such document in this consultation."""


class AttachmentTypeError(AttachmentError):
    def __init__(self, allowed: Iterable[str]) -> None:
        self.kinds = ", ".join(_LABELS.get(t, t) for t in allowed)  # "JPEG, PNG, PDF": names, not prose
        super().__init__(self.kinds)


class AttachmentTooLargeError(AttachmentError):
    def __init__(self, max_bytes: int) -> None:
        self.max_mb = max_bytes // (1024 * 1024)
        super().__init__(max_bytes)


class TooManyAttachmentsError(AttachmentError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(limit)


class AttachmentsClosedError(AttachmentError):
    """The consultation is closed; documents can no longer be added."""


class AttachmentBusyError(AttachmentError):
    """The document is being checked right now."""


_LABELS = {Kind.JPEG.value: "JPEG", Kind.PNG.value: "PNG", Kind.HEIC.value: "HEIC", Kind.PDF.value: "PDF"}
# Browsers name the same kinds differently.
DECLARED_ALIASES = {"image/jpg": Kind.JPEG.value, "image/pjpeg": Kind.JPEG.value, "image/heif": Kind.HEIC.value,
                    "image/heic-sequence": Kind.HEIC.value, "image/heif-sequence": Kind.HEIC.value}


def normalise_declared(content_type: str) -> str:
    value = content_type.split(";", 1)[0].strip().lower()
    return DECLARED_ALIASES.get(value, value)


def check_request(content_type: str, size: int, *, allowed: Iterable[str], max_bytes: int) -> Kind:
    """The declared kind of a new upload, or the error a person can act on."""
    allowed = tuple(allowed)
    declared = normalise_declared(content_type)
    if declared not in allowed:
        raise AttachmentTypeError(allowed)
    if size > max_bytes:
        raise AttachmentTooLargeError(max_bytes)
    return Kind(declared)


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff(head: bytes) -> Kind | None:
    """The kind the first bytes of a file announce (magic numbers), or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if head.startswith(b"%PDF-"):
        return Kind.PDF
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return Kind.HEIC
    return None


def new_object_id() -> str:
    """A random, unguessable object name (no file name, no personal data)."""
    return secrets.token_hex(16)


def incoming_key(consultation_id: str, object_id: str) -> str:
    return f"incoming/{consultation_id}/{object_id}"


def stored_key(consultation_id: str, object_id: str) -> str:
    return f"consultations/{consultation_id}/{object_id}"


def prefixes(consultation_id: str) -> tuple[str, ...]:
    """Every key prefix a consultation's objects can live under (erasure deletes them all)."""
    return (f"incoming/{consultation_id}/", f"consultations/{consultation_id}/")


@dataclass(frozen=True)
class Attachment:
    id: str
    consultation_id: str
    uploader: str  # subject
    side: str  # "resident" | "attorney"
    declared_type: str
    declared_size: int
    status: AttachmentStatus
    created_at: datetime
    upload_key: str
    sealed_name: bytes | None = None  # the original file name, sealed with the field cipher
    kind: Kind | None = None  # the real kind, once checked
    size: int | None = None  # of the cleaned copy
    key: str | None = None  # the cleaned copy
    thumb_key: str | None = None
    width: int | None = None
    height: int | None = None
    reason: Rejection | None = None
    checked_at: datetime | None = None
    claimed_at: datetime | None = None

    def evolve(self, **changes: object) -> Attachment:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def is_final(self) -> bool:
        return self.status in (AttachmentStatus.READY, AttachmentStatus.REJECTED)


@dataclass(frozen=True)
class Inspection:
    """What the check made of an upload: a cleaned copy, or why not."""

    kind: Kind | None
    body: bytes | None = None  # the cleaned bytes to keep (images re-encoded, PDFs as uploaded)
    thumbnail: bytes | None = None  # a small JPEG, images only
    width: int | None = None
    height: int | None = None
    reason: Rejection | None = None

    @property
    def accepted(self) -> bool:
        return self.reason is None


class AttachmentStore(Protocol):
    def reserve(self, attachment: Attachment, max_files: int, expires_at: datetime) -> None:
        """Store a new pending attachment if the consultation holds fewer than ``max_files``
        (rejected ones do not count), else ``TooManyAttachmentsError``; atomic."""
        ...

    def get(self, consultation_id: str, attachment_id: str) -> Attachment | None: ...

    def list(self, consultation_id: str) -> list[Attachment]: ...

    def claim(self, consultation_id: str, attachment_id: str, now: datetime, stale_before: datetime) -> bool:
        """``pending`` (or ``checking`` claimed before ``stale_before``) → ``checking``; False if
        another call holds it or it is final."""
        ...

    def finish(self, attachment: Attachment, retention_expires_at: datetime | None) -> None:
        """Write the outcome of a check (``ready`` or ``rejected``), conditioned on ``checking``;
        a rejection frees its place in the consultation's count."""
        ...

    def erase(self, consultation_id: str) -> int:
        """Delete every attachment record of a consultation; returns how many."""
        ...


class ObjectStore(Protocol):
    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, object]: ...

    def size_of(self, key: str) -> int | None: ...

    def read(self, key: str, max_bytes: int) -> bytes: ...

    def put(self, key: str, body: bytes, content_type: str) -> None: ...

    def delete(self, *keys: str) -> None: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def download_url(self, key: str, expires_in: int, *, content_type: str, filename: str | None) -> str: ...

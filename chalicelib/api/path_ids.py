"""The path parameters that name a record: one shape for all of them, and the 404 a malformed one gets.

Every record id the API hands out is a UUID; a path segment of any other shape cannot name a record, so it
answers the same 404 as an unknown id, before any store is read.
"""

from __future__ import annotations

import re

from chalicelib.domain.announcements import AnnouncementNotFoundError
from chalicelib.domain.consultations import ConsultationNotFoundError
from chalicelib.domain.offers import OfferNotFoundError

__all__ = ["announcement_id", "attorney_id", "consultation_id", "is_record_id", "offer_id"]

_ATTORNEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # roster ids are chosen by the operators (att-001)
_RECORD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def is_record_id(value: str | None) -> bool:
    # fullmatch: "$" would let a trailing newline through
    return bool(value) and _RECORD_ID.fullmatch(value or "") is not None


def consultation_id(value: str | None) -> str:
    if not is_record_id(value):
        raise ConsultationNotFoundError()
    return value or ""


def offer_id(value: str | None) -> str:
    if not is_record_id(value):
        raise OfferNotFoundError()
    return value or ""


def announcement_id(value: str | None) -> str:
    if not is_record_id(value):
        raise AnnouncementNotFoundError()
    return value or ""


def attorney_id(value: str | None, missing: type[Exception]) -> str:
    """An attorney profile's id, or ``missing`` (the route's own "no such attorney") for any other shape."""
    if not value or _ATTORNEY_ID.fullmatch(value) is None:
        raise missing()
    return value

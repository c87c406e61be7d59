"""Correcting a submitted request: what the resident may still change, and until when.

Pure domain. Until an attorney is offered or takes the request (status ``submitted``), its owner may
correct the details they typed: name, phone, e-mail, employer and the description of what happened.
What decides matching and deadlines (category, region, mode, method, employment dates, pay) is not
corrected here: a different case is a new request (withdraw this one, or call). The corrected
details are sealed again as a whole, exactly like intake seals them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.consultations import ConsultationError, PersonalDetails, Status

CORRECTABLE = frozenset({Status.SUBMITTED})
FIELDS = ("name", "phone", "email", "employer_name", "employer_city", "description")
CLEARABLE = frozenset({"email", "employer_name", "employer_city"})  # optional at intake: may be emptied


class NotCorrectableError(ConsultationError):
    """An attorney is being offered the request, has it, or it is closed."""

    def __init__(self, current: Status) -> None:
        self.current = Status(current)
        super().__init__(self.current.value)


class CorrectionConflictError(ConsultationError):
    """The request changed between reading and writing (another correction, a booking, an offer)."""


@dataclass(frozen=True)
class Correction:
    """The fields to change (``None``: keep; ``""`` on a clearable field: remove)."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    employer_name: str | None = None
    employer_city: str | None = None
    description: str | None = None

    def changed_fields(self, before: PersonalDetails) -> list[str]:
        return [f for f in FIELDS if getattr(self, f) is not None
                and (getattr(self, f) or None) != getattr(before, f)]

    def applied_to(self, before: PersonalDetails) -> PersonalDetails:
        changes: dict[str, Any] = {f: (getattr(self, f) or None) if f in CLEARABLE else getattr(self, f)
                                   for f in FIELDS if getattr(self, f) is not None}
        return replace(before, **changes)


def check_correctable(status: Status) -> None:
    if status not in CORRECTABLE:
        raise NotCorrectableError(status)


class CorrectionStore(Protocol):
    def correct_details(self, consultation_id: str, sealed: bytes, now: datetime, *,
                        expected_updated_at: datetime) -> None:
        """Replace the sealed details if the request is still ``submitted`` and unchanged since
        ``expected_updated_at`` (one conditional write): else ``NotCorrectableError`` (status moved on)
        or ``CorrectionConflictError`` (changed otherwise)."""
        ...

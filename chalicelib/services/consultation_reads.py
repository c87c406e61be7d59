"""Reading consultations: who sees what, decrypted only for those allowed, staff reads logged.

- The owner sees their own consultations, with their personal details.
- The assigned attorney and admins see a consultation's details one at a time
  (``ConsultationReads.read_one``); every such read is written to the access log (who, when,
  from where, whose record, what action) before the details are returned.
- Lists for staff (an attorney's assigned consultations, an admin's month)
  carry the plaintext part and the triage only: personal details are
  withheld there, so browsing a queue decrypts nothing and logs nothing.
- Anyone else gets ``ConsultationNotFoundError`` (404), as for an unknown id.
- A sealed attribute that does not belong to the record (copied from another
  one, tampered with) is refused: ``RecordIntegrityError`` for a single read,
  an ``unreadable`` item in a list; both are logged (without personal data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.clock import Clock
from chalicelib.domain import triage
from chalicelib.domain.audit import AccessEvent, AuditLog
from chalicelib.domain.bookings import Booking
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.consultations import (
    ENTITY,
    Consultation,
    ConsultationNotFoundError,
    ConsultationRepository,
    PersonalDetails,
    Reader,
    reader_of,
)
from chalicelib.domain.identity import Principal
from chalicelib.domain.sealing import FieldCipher
from chalicelib.services.sealed_fields import open_fields


class PersonalData(StrEnum):
    INCLUDED = "included"
    WITHHELD = "withheld"  # a list: open the consultation itself to see them
    ERASED = "erased"  # removed at the resident's request
    UNREADABLE = "unreadable"  # failed the integrity check


@dataclass(frozen=True)
class ConsultationView:
    consultation: Consultation
    personal: PersonalDetails | None
    personal_data: PersonalData
    triage: triage.TriageView


@dataclass(frozen=True)
class ViewPage:
    items: list[ConsultationView]
    after: str | None


@dataclass(frozen=True)
class Assigned:
    view: ConsultationView
    booking: Booking | None  # the active booking (reservations)


@dataclass(kw_only=True, eq=False, repr=False)
class ConsultationReads:
    consultations: ConsultationRepository
    cipher: FieldCipher
    audit: AuditLog
    calendar: ServiceCalendar
    clock: Clock
    # each consultation's active booking, by consultation id
    active_bookings: Callable[[Iterable[str]], dict[str, Booking]]

    def read_one(self, principal: Principal, consultation_id: str, ip: str = "") -> ConsultationView:
        now = self.clock()
        consultation = self.consultations.get(consultation_id)
        reader = reader_of(principal, consultation) if consultation is not None else None
        if consultation is None or reader is None:
            raise ConsultationNotFoundError()
        if consultation.sealed is None:
            return _view(consultation, None, PersonalData.ERASED, self.calendar, now)
        personal = PersonalDetails.from_sealed(open_fields(self.cipher, ENTITY, consultation.id, consultation.sealed))
        if reader is not Reader.OWNER:
            self.audit.record_access(AccessEvent(at=now, actor=principal.subject, actor_role=principal.role.value,
                                                 owner=consultation.owner, record=f"{ENTITY}:{consultation.id}",
                                                 action="read", ip=ip))
        return _view(consultation, personal, PersonalData.INCLUDED, self.calendar, now)

    def read_page(self, principal: Principal, limit: int, after: str | None, month: str | None) -> ViewPage:
        """The principal's list, newest first: own (resident), assigned (attorney), a month's (admin).

        Lists never carry the sealed details, the owner's included: a list is for picking a
        consultation, and its details are decrypted (and, for staff, access-logged) only when that
        one consultation is opened. Listing costs one query and no key-service call.
        """
        now, calendar, consultations = self.clock(), self.calendar, self.consultations
        if principal.is_admin:
            page = consultations.list_by_month(month or calendar.to_local(now).strftime("%Y-%m"), limit, after)
        elif principal.is_attorney and principal.attorney_id:
            page = consultations.list_by_attorney(principal.attorney_id, limit, after)
        else:
            page = consultations.list_by_owner(principal.subject, limit, after)
        return ViewPage([_withheld(c, calendar, now) for c in page.items], page.after)

    def assigned(self, principal: Principal, limit: int = 50) -> list[Assigned]:
        """An attorney's newest assigned consultations with their bookings (the day's agenda)."""
        page = self.read_page(principal, limit, None, None)
        booked = self.active_bookings(v.consultation.id for v in page.items)
        return [Assigned(v, booked.get(v.consultation.id)) for v in page.items]


def owner_view(consultation: Consultation, personal: PersonalDetails | None, calendar: ServiceCalendar,
               now: datetime) -> ConsultationView:
    """The owner's view of a consultation whose details are already in hand (just submitted)."""
    state = PersonalData.INCLUDED if personal is not None else PersonalData.ERASED
    return _view(consultation, personal, state, calendar, now)


def _withheld(consultation: Consultation, calendar: ServiceCalendar, now: datetime) -> ConsultationView:
    state = PersonalData.ERASED if consultation.sealed is None else PersonalData.WITHHELD
    return _view(consultation, None, state, calendar, now)


def _view(consultation: Consultation, personal: PersonalDetails | None, state: PersonalData,
          calendar: ServiceCalendar, now: datetime) -> ConsultationView:
    return ConsultationView(consultation, personal, state, triage.view(consultation.triage, calendar.local_date(now)))

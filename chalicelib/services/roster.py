"""The roster as the operations console sees it: list with this year's load, add an attorney."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.audit import AuditLog
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.consultations import Consultation
from chalicelib.domain.identity import Principal
from chalicelib.domain.matching import AttorneyLoad, LoadStore, annual_cap_of, join_credit
from chalicelib.services.access_log import record_rights_change


class AttorneyExistsError(Exception):
    """An active attorney already has this id."""


@dataclass(frozen=True)
class RosterEntry:
    attorney: Attorney
    annual_cap: int
    load_this_year: int


def roster(attorneys: RosterStore, loads: LoadCounts, programme_cap: int, year: int) -> list[RosterEntry]:
    """Every attorney (one Query on the roster index) with this year's assignment count (one batch read)."""
    profiles = sorted(attorneys.roster(), key=lambda a: a.id)
    counts = loads.get_many([a.id for a in profiles], year) if profiles else {}
    return [RosterEntry(a, annual_cap_of(a, programme_cap),
                        counts[a.id].for_year(year).assignments_this_year if a.id in counts else 0)
            for a in profiles]


def add(attorneys: RosterStore, attorney: Attorney, contact: AttorneyContact, now: datetime) -> Attorney:
    """Add an attorney (or bring a deactivated one back, keeping their linked accounts) and seal
    the contact details (the e-mail address is where SES sends their alerts)."""
    existing = attorneys.get(attorney.id)
    if existing is not None and existing.active:
        raise AttorneyExistsError()
    if existing is not None:
        attorney = replace(attorney, subjects=existing.subjects, active=True, on_duty=False)
    try:
        attorneys.save(attorney, contact, now)
    except Exception:
        if existing is None and attorneys.get(attorney.id) is not None:
            raise AttorneyExistsError() from None  # added by someone else at the same moment
        raise
    return attorney


def assigned_attorney(consultations: ConsultationReader, attorneys: RosterStore, principal: Principal,
                      consultation_id: str) -> Attorney | None:
    """The attorney assigned to a consultation its reader may see (None: not assigned yet).
    Raises ``ConsultationNotFoundError`` for a consultation the principal may not read."""
    from chalicelib.domain.consultations import ConsultationNotFoundError, reader_of

    consultation = consultations.get(consultation_id)
    if consultation is None or reader_of(principal, consultation) is None:
        raise ConsultationNotFoundError()
    if not consultation.attorney_id:
        return None
    return attorneys.get(consultation.attorney_id)


class UnknownAttorneyProfileError(Exception):
    """There is no attorney with this id."""


def edit(attorneys: RosterStore, attorney_id: str, *, display_name: str, categories: frozenset[str],
         regions: frozenset[str], annual_cap: int | None, now: datetime,
         languages: frozenset[str] | None = None) -> Attorney:
    """Change what an attorney serves, their name, cap and (unless None) languages; duty, activity,
    linked accounts and the sealed contact details stay as they are."""
    existing = attorneys.get(attorney_id)
    if existing is None:
        raise UnknownAttorneyProfileError()
    changed = replace(existing, display_name=display_name, categories=categories, regions=regions,
                      annual_cap=annual_cap, languages=existing.languages if languages is None else languages)
    attorneys.save(changed, attorneys.contact(attorney_id), now)
    return changed


def reactivate(attorneys: RosterStore, attorney_id: str, now: datetime) -> Attorney:
    """Bring a deactivated attorney back (the undo of a deactivation): the same profile, linked accounts
    and sealed contact details; off duty until they go on duty themselves."""
    existing = attorneys.get(attorney_id)
    if existing is None:
        raise UnknownAttorneyProfileError()
    if existing.active:
        return existing
    back = replace(existing, active=True, on_duty=False)
    attorneys.save(back, attorneys.contact(attorney_id), now)
    return back


# --- the service the operations console calls ---------------------------------------------------------

class RosterStore(Protocol):
    def get(self, attorney_id: str) -> Attorney | None: ...

    def contact(self, attorney_id: str) -> AttorneyContact | None: ...

    def roster(self) -> list[Attorney]: ...

    def save(self, attorney: Attorney, contact: AttorneyContact | None, now: datetime | None = None) -> None: ...


class LoadCounts(Protocol):
    def get_many(self, attorney_ids: Iterable[str], year: int) -> dict[str, AttorneyLoad]: ...


class ConsultationReader(Protocol):
    def get(self, consultation_id: str) -> Consultation | None: ...


@dataclass(kw_only=True, eq=False, repr=False)
class RosterConsole:
    """The roster as admins keep it: each change of an attorney's rights is written to the access log."""

    attorneys: RosterStore
    loads: LoadStore
    consultations: ConsultationReader
    audit: AuditLog
    calendar: ServiceCalendar
    programme_cap: int
    clock: Clock

    def entries(self) -> list[RosterEntry]:
        """Every attorney with this year's load (Korea time)."""
        return roster(self.attorneys, self.loads, self.programme_cap, self._year())

    def add(self, admin: Principal, attorney: Attorney, contact: AttorneyContact, ip: str) -> RosterEntry:
        joining = self.attorneys.get(attorney.id) is None  # not a deactivated attorney brought back
        added = add(self.attorneys, attorney, contact, self.clock())
        if joining:  # they start level with their pool: a stored credit keeps their ranking index entry exact
            year = self._year()
            peers = self.attorneys.roster()
            loads = self.loads.get_many([a.id for a in peers], year) if peers else {}
            self.loads.set_calibration(added.id, year, join_credit(added, peers, loads, year))
        record_rights_change(self.audit, admin, attorney_id=added.id, action="attorney_added", ip=ip,
                             now=self.clock())
        return RosterEntry(added, added.annual_cap or self.programme_cap, 0)

    def edit(self, admin: Principal, attorney_id: str, *, display_name: str, categories: frozenset[str],
             regions: frozenset[str], annual_cap: int | None, languages: frozenset[str] | None,
             ip: str) -> RosterEntry:
        changed = edit(self.attorneys, attorney_id, display_name=display_name, categories=categories,
                       regions=regions, annual_cap=annual_cap, now=self.clock(), languages=languages)
        record_rights_change(self.audit, admin, attorney_id=changed.id, action="attorney_changed", ip=ip,
                             now=self.clock())
        year = self._year()
        load = self.loads.get_many([changed.id], year)[changed.id].for_year(year).assignments_this_year
        return RosterEntry(changed, changed.annual_cap or self.programme_cap, load)

    def assigned_attorney(self, principal: Principal, consultation_id: str) -> Attorney | None:
        return assigned_attorney(self.consultations, self.attorneys, principal, consultation_id)

    def _year(self) -> int:
        return self.calendar.local_date(self.clock()).year

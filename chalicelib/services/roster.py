"""The roster as the operations console sees it: list with this year's load, add an attorney."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.domain.attorneys import Attorney, AttorneyContact, AttorneyRepository
from chalicelib.domain.consultations import ConsultationRepository
from chalicelib.domain.identity import Principal
from chalicelib.domain.matching import LoadStore, annual_cap_of


class AttorneyExistsError(Exception):
    """An active attorney already has this id."""

    def __init__(self) -> None:
        super().__init__("An active attorney already has this id: choose another id, or leave it out.")


@dataclass(frozen=True)
class RosterEntry:
    attorney: Attorney
    annual_cap: int
    load_this_year: int


def roster(attorneys: AttorneyRepository, loads: LoadStore, programme_cap: int, year: int) -> list[RosterEntry]:
    """Every attorney (one Query on the roster index) with this year's assignment count (one batch read)."""
    profiles = sorted(attorneys.roster(), key=lambda a: a.id)
    counts = loads.get_many([a.id for a in profiles], year) if profiles else {}
    return [RosterEntry(a, annual_cap_of(a, programme_cap),
                        counts[a.id].for_year(year).assignments_this_year if a.id in counts else 0)
            for a in profiles]


def add(attorneys: AttorneyRepository, attorney: Attorney, contact: AttorneyContact, now: datetime) -> Attorney:
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


def assigned_attorney(consultations: ConsultationRepository, attorneys: AttorneyRepository, principal: Principal,
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
    def __init__(self) -> None:
        super().__init__("There is no attorney with this id.")


def edit(attorneys: AttorneyRepository, attorney_id: str, *, display_name: str, categories: frozenset[str],
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


def reactivate(attorneys: AttorneyRepository, attorney_id: str, now: datetime) -> Attorney:
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

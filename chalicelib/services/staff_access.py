"""Staff rights that end when they should: deactivating and reactivating an attorney.

Deactivation takes every bit of access away at once: the profile becomes
inactive (so no sign-in or refresh grants the attorney role any more, see
``services/sessions.py``), every session of every account linked to the
profile is ended (their access tokens stop working on the next request, their
refresh tokens at once), duty ends, open real-time offers move on to the
next attorney (``DutyService.deactivate``), and upcoming reservations
booked with them go back to their residents to pick another slot (they are
told). Consultations already matched in real time stay with the attorney of
record for an admin to reassign (``POST /api/admin/consultations/{id}/reassign``).
The links stay, suspended with the profile: reactivating the profile lets the
same accounts work again after a new sign-in. Both are rights changes, kept in the access log for three years.

An admin can also take one sign-in account off a profile (``unlink``: a Kakao or Naver account
the attorney no longer controls, or one linked by mistake). The link is deleted with the
profile's own write, every session of that account ends at once, and the account is a resident
from its next sign-in; the profile and its other accounts are untouched. Accounts are shown to
admins and named in the API by a reference (a keyed hash of the account: no provider id in a
URL or on a page), with their provider and last sign-in. A rights change, logged like the others.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from chalicelib.domain.attorneys import Attorney, AttorneyRepository
from chalicelib.domain.audit import AuditLog
from chalicelib.domain.consultations import ConsultationRepository, Status
from chalicelib.domain.identity import IdentityKey, Principal, Provider, provider_of_subject
from chalicelib.domain.login import Client
from chalicelib.domain.offers import UnknownAttorneyError
from chalicelib.domain.users import UserStore
from chalicelib.services import access_log
from chalicelib.services.reservations import ReservationService
from chalicelib.services.sessions import SessionService

DEACTIVATED = "attorney_deactivated"
UNLINKED = "account_unlinked"
ACCOUNT_REF = "account-link"  # the purpose of the keyed hash that names a linked account


class UnknownLinkedAccountError(LookupError):
    """No account with that reference is linked to the profile (any more)."""


@dataclass(frozen=True)
class LinkedAccount:
    ref: str
    provider: Provider
    last_sign_in_at: datetime | None


@dataclass(frozen=True)
class Unlinked:
    attorney: Attorney
    sessions_ended: int
    accounts_left: int


@dataclass(frozen=True)
class StaffChange:
    attorney: Attorney
    sessions_ended: int
    bookings_handed_back: int = 0


class Deactivation(Protocol):
    """Real-time matching's part of a deactivation: the profile inactive and off duty, its open
    offers withdrawn; the profile as it is now."""

    def deactivate(self, attorney_id: str) -> Attorney: ...


@dataclass(kw_only=True, eq=False, repr=False)
class StaffAccessService:
    attorneys: AttorneyRepository
    duty: Deactivation
    sessions: SessionService
    audit: AuditLog
    clock: Callable[[], datetime]
    consultations: ConsultationRepository
    reservations: ReservationService
    users: UserStore
    identity_key: IdentityKey

    def deactivate(self, admin: Principal, attorney_id: str, client: Client) -> StaffChange:
        """The attorney leaves the roster: profile inactive first (no new tokens carry the role),
        then every linked session ends, then duty and open offers."""
        attorney = self.duty.deactivate(attorney_id)
        ended = sum(self.sessions.end_all(subject, DEACTIVATED) for subject in sorted(attorney.subjects))
        access_log.record_rights_change(self.audit, admin, attorney_id=attorney.id, action=DEACTIVATED,
                                        ip=client.ip, now=self.clock())
        handed_back = self._hand_back_bookings(attorney.id)
        return StaffChange(attorney, ended, handed_back)

    def _hand_back_bookings(self, attorney_id: str) -> int:
        """Upcoming reservations booked with the attorney go back to their residents to rebook."""
        booked: list[str] = []
        after = None
        while True:
            page = self.consultations.list_by_attorney(attorney_id, 100, after)
            booked += [c.id for c in page.items if c.status is Status.BOOKED]
            if not page.after:
                break
            after = page.after
        return sum(1 for cid in booked if self.reservations.hand_back(cid) is not None)

    def reactivate(self, admin: Principal, attorney_id: str, client: Client) -> StaffChange:
        """Back on the roster (off duty); the linked accounts get the role at their next sign-in."""
        attorney = self.attorneys.get(attorney_id)
        if attorney is None:
            raise UnknownAttorneyError()
        if not attorney.active:
            now = self.clock()
            attorney = replace(attorney, active=True, on_duty=False)
            self.attorneys.save(attorney, self.attorneys.contact(attorney_id), now)
            access_log.record_rights_change(self.audit, admin, attorney_id=attorney.id,
                                            action="attorney_reactivated", ip=client.ip, now=now)
        return StaffChange(attorney, 0)

    # -- single sign-in accounts ----------------------------------------------------------------

    def _ref(self, subject: str) -> str:
        return self.identity_key.digest(ACCOUNT_REF, subject)[:24]

    def _attorney(self, attorney_id: str) -> Attorney:
        attorney = self.attorneys.get(attorney_id)
        if attorney is None:
            raise UnknownAttorneyError()
        return attorney

    def accounts(self, attorney_id: str) -> list[LinkedAccount]:
        """The sign-in accounts linked to a profile, most recently used first."""
        found = []
        for subject in self._attorney(attorney_id).subjects:
            user = self.users.get(subject)
            found.append(LinkedAccount(self._ref(subject), provider_of_subject(subject),
                                       user.last_login_at if user else None))
        never = datetime.min.replace(tzinfo=UTC)
        return sorted(found, key=lambda a: (a.last_sign_in_at or never, a.ref), reverse=True)

    def unlink(self, admin: Principal, attorney_id: str, ref: str, client: Client) -> Unlinked:
        """Take one account off the profile: the link first (no new token carries the role), then
        that account's sessions; logged as a rights change."""
        attorney = self._attorney(attorney_id)
        subject = next((s for s in sorted(attorney.subjects) if hmac.compare_digest(self._ref(s), ref)), None)
        if subject is None:
            raise UnknownLinkedAccountError()
        now = self.clock()
        changed = replace(attorney, subjects=attorney.subjects - {subject})
        self.attorneys.save(changed, self.attorneys.contact(attorney_id), now)
        ended = self.sessions.end_all(subject, UNLINKED)
        access_log.record_rights_change(self.audit, admin, attorney_id=attorney_id, action=UNLINKED,
                                        ip=client.ip, now=now)
        return Unlinked(changed, ended, len(changed.subjects))

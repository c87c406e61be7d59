"""Staff rights that end when they should: deactivating and reactivating an attorney.

Deactivation takes every bit of access away at once: the profile becomes
inactive (so no sign-in or refresh grants the attorney role any more, see
``services/sessions.py``), every session of every account linked to the
profile is ended (their access tokens stop working on the next request, their
refresh tokens at once), duty ends, open real-time offers move on to the
next attorney (``RealtimeService.deactivate``), and upcoming reservations
booked with them go back to their residents to pick another slot (they are
told). Consultations already matched in real time stay with the attorney of
record for an admin to reassign (``POST /api/admin/consultations/{id}/reassign``).
The links stay, suspended with the profile: reactivating the profile lets the
same accounts work again after a new sign-in. Both are rights changes, kept in the access log for three years.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Principal
from chalicelib.domain.login import Client
from chalicelib.domain.offers import UnknownAttorneyError
from chalicelib.services import access_log

DEACTIVATED = "attorney_deactivated"


@dataclass(frozen=True)
class StaffChange:
    attorney: Attorney
    sessions_ended: int
    bookings_handed_back: int = 0


class StaffAccessService:
    def __init__(self, *, attorneys: Any, realtime: Any, sessions: Any, audit: Any,
                 clock: Callable[[], datetime], consultations: Any = None, reservations: Any = None) -> None:
        self._attorneys = attorneys
        self._realtime = realtime
        self._consultations = consultations
        self._reservations = reservations
        self._sessions = sessions
        self._audit = audit
        self._clock = clock

    def deactivate(self, admin: Principal, attorney_id: str, client: Client) -> StaffChange:
        """The attorney leaves the roster: profile inactive first (no new tokens carry the role),
        then every linked session ends, then duty and open offers."""
        attorney = self._realtime.deactivate(attorney_id)
        ended = sum(self._sessions.end_all(subject, DEACTIVATED) for subject in sorted(attorney.subjects))
        access_log.record_rights_change(self._audit, admin, attorney_id=attorney.id, action=DEACTIVATED,
                                        ip=client.ip, now=self._clock())
        handed_back = self._hand_back_bookings(attorney.id)
        return StaffChange(attorney, ended, handed_back)

    def _hand_back_bookings(self, attorney_id: str) -> int:
        """Upcoming reservations booked with the attorney go back to their residents to rebook."""
        if self._consultations is None or self._reservations is None:
            return 0
        booked: list[str] = []
        after = None
        while True:
            page = self._consultations.list_by_attorney(attorney_id, 100, after)
            booked += [c.id for c in page.items if c.status is Status.BOOKED]
            if not page.after:
                break
            after = page.after
        return sum(1 for cid in booked if self._reservations.hand_back(cid) is not None)

    def reactivate(self, admin: Principal, attorney_id: str, client: Client) -> StaffChange:
        """Back on the roster (off duty); the linked accounts get the role at their next sign-in."""
        attorney = self._attorneys.get(attorney_id)
        if attorney is None:
            raise UnknownAttorneyError()
        if not attorney.active:
            now = self._clock()
            attorney = replace(attorney, active=True, on_duty=False)
            self._attorneys.save(attorney, self._attorneys.contact(attorney_id), now)
            access_log.record_rights_change(self._audit, admin, attorney_id=attorney.id,
                                            action="attorney_reactivated", ip=client.ip, now=now)
        return StaffChange(attorney, 0)

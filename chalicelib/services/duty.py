"""Duty: the attorney's side of real-time matching.

An attorney on the roster goes on duty (and off) from their console; only attorneys on duty are
offered real-time requests (``services/realtime_queue.py``). While an attorney holds an offer or
consults in real time they are busy; the end of the consultation releases them. Deactivating an
attorney takes them off the roster and off duty, and their open offers move on to the next attorney.

This module changes the roster's state of an attorney; it never touches a request or an offer
itself: when an attorney leaves, the queue withdraws their offers (``RealtimeQueue.withdraw_offers_of``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.identity import Principal
from chalicelib.domain.offers import (
    AttorneyProfiles,
    NotOnRosterError,
    RealtimeStore,
    UnknownAttorneyError,
    attorney_id_of,
)
from chalicelib.services.realtime_queue import RealtimeQueue


@dataclass(kw_only=True, eq=False, repr=False)
class DutyService:
    store: RealtimeStore
    attorneys: AttorneyProfiles
    queue: RealtimeQueue
    clock: Callable[[], datetime]

    def profile_of(self, principal: Principal) -> Attorney:
        """The signed-in attorney's roster profile (their duty state, for the console)."""
        attorney = self.attorneys.get(attorney_id_of(principal))
        if attorney is None:
            raise NotOnRosterError()
        return attorney

    def set_duty(self, principal: Principal, on_duty: bool) -> Attorney:
        attorney = self.attorneys.get(attorney_id_of(principal))
        if attorney is None or (on_duty and not attorney.active):
            raise NotOnRosterError()
        self.store.set_duty(attorney, on_duty)
        return attorney

    def release(self, attorney_id: str, consultation_id: str) -> None:
        """The consultation ended: the attorney can take real-time requests again."""
        self.store.release_busy(attorney_id, consultation_id)

    def deactivate(self, attorney_id: str) -> Attorney:
        """Off the roster and off duty (linked accounts and sealed contact kept for a reactivation);
        their open offers move on to the next attorney."""
        attorney = self.attorneys.get(attorney_id)
        if attorney is None:
            raise UnknownAttorneyError()
        now = self.clock()
        if attorney.active:
            contact = self.attorneys.contact(attorney_id)
            attorney = replace(attorney, active=False, on_duty=False)
            self.attorneys.save(attorney, contact, now)
        self.store.set_duty(attorney, False)
        self.queue.withdraw_offers_of(attorney_id, now)
        return attorney


__all__ = ["DutyService"]

"""In-memory twin of ``DynamoRealtimeStore`` (the ``RealtimeStore`` port of ``domain/offers.py``).

Each write checks every condition the DynamoDB transaction carries before it changes anything, under the
twin's lock together with the consultation repository's and the load store's (one transaction), and
raises ``ChangedMeanwhileError`` when one fails. ``tests/integration/test_realtime_store.py`` runs the
same contract against both.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.consultations import Consultation, Status
from chalicelib.domain.offers import ChangedMeanwhileError, MoveOnReason, Offer, OfferStatus, RealtimeRequest
from tests.twins.memory import MemoryConsultationRepository, MemoryLoadStore, MemoryRoster

FAILED = ["ConditionalCheckFailed"]


class MemoryRealtimeStore:
    def __init__(self, consultations: MemoryConsultationRepository, loads: MemoryLoadStore,
                 roster: MemoryRoster) -> None:
        self._consultations = consultations
        self._loads = loads
        self._roster = roster
        self._lock = threading.RLock()
        self.requests_: dict[str, RealtimeRequest] = {}
        self.sort_keys: dict[str, str] = {}
        self.queued: set[str] = set()  # consultation ids with a queue entry
        self.offered: set[str] = set()  # ... whose entry is marked offered
        self.offers: dict[str, Offer] = {}
        self.duty: dict[str, frozenset[tuple[str, str]]] = {}
        self.busy_: dict[str, tuple[str, datetime]] = {}  # attorney -> (consultation, until)
        self.accept_stats: dict[str, list[float]] = {}
        self.assignments: dict[tuple[str, datetime], tuple[str, str | None, dict[str, object]]] = {}

    def _locked(self) -> contextlib.ExitStack:
        stack = contextlib.ExitStack()
        for lock in (self._lock, self._consultations._lock, self._loads.lock):
            stack.enter_context(lock)
        return stack

    def _consultation(self, consultation_id: str) -> Consultation | None:
        return self._consultations.items.get(consultation_id)

    def _set_consultation(self, consultation: Consultation, **changes: Any) -> None:
        self._consultations.items[consultation.id] = replace(consultation, **changes)

    def _count(self, attorney_id: str, year: int) -> int:
        return self._loads.get_many([attorney_id], year)[attorney_id].assignments_this_year

    # --- queue ----------------------------------------------------------------------------------

    def enqueue(self, request: RealtimeRequest, sort_key: str) -> bool:
        with self._locked():
            consultation = self._consultation(request.consultation_id)
            if request.consultation_id in self.requests_ or consultation is None \
                    or consultation.status is not Status.SUBMITTED:
                return False
            self.requests_[request.consultation_id] = replace(request, tried=(), current_offer=None, failed=False,
                                                              move_on_reason=None, matched=False)
            self.sort_keys[request.consultation_id] = sort_key
            self.queued.add(request.consultation_id)
            self.offered.discard(request.consultation_id)
            return True

    def request(self, consultation_id: str) -> RealtimeRequest | None:
        return self.requests_.get(consultation_id)

    def requests(self, consultation_ids: Iterable[str]) -> dict[str, RealtimeRequest]:
        return {c: self.requests_[c] for c in sorted(set(consultation_ids)) if c in self.requests_}

    def sort_key(self, consultation_id: str) -> str | None:
        return self.sort_keys.get(consultation_id)

    def _entries(self, category: str) -> list[RealtimeRequest]:
        return sorted((r for c, r in self.requests_.items() if c in self.queued and r.category == category),
                      key=lambda r: (r.queued_at, r.consultation_id))

    def queue(self, category: str, limit: int = 50) -> list[tuple[str, bool]]:
        return [(r.consultation_id, r.consultation_id in self.offered) for r in self._entries(category)][:limit]

    def position(self, request: RealtimeRequest) -> int:
        mine = (request.queued_at, request.consultation_id)
        return sum(1 for r in self._entries(request.category) if (r.queued_at, r.consultation_id) < mine) + 1

    def move_on(self, request: RealtimeRequest, reason: MoveOnReason, now: datetime) -> bool:
        with self._locked():
            current = self.requests_.get(request.consultation_id)
            if current is None or current.failed or current.matched or current.current_offer is not None:
                return False
            self.requests_[request.consultation_id] = replace(current, failed=True, move_on_reason=reason)
            self.queued.discard(request.consultation_id)
            return True

    def forget(self, consultation_id: str, now: datetime) -> bool:
        with self._locked():
            current = self.requests_.get(consultation_id)
            if current is None:
                return False
            offer = self.offers.get(current.current_offer or "")
            if offer is not None and offer.status is OfferStatus.PENDING:
                self.offers[offer.id] = replace(offer, status=OfferStatus.WITHDRAWN, answered_at=now)
            changed = replace(current, current_offer=None)
            if current.waiting:
                changed = replace(changed, failed=True, move_on_reason=MoveOnReason.CLOSED)
            self.requests_[consultation_id] = changed
            self.queued.discard(consultation_id)
            for attorney_id in set(current.tried):
                self.release_busy(attorney_id, consultation_id)
            return True

    def mark_matched(self, request: RealtimeRequest) -> None:
        with self._locked():
            current = self.requests_.get(request.consultation_id, request)
            self.requests_[request.consultation_id] = replace(current, matched=True)
            self.queued.discard(request.consultation_id)

    # --- candidates and duty --------------------------------------------------------------------

    def on_duty(self, category: str, region: str) -> list[str]:
        return sorted(a for a, pairs in self.duty.items() if (category, region) in pairs)

    def profiles(self, attorney_ids: Iterable[str]) -> list[Attorney]:
        return [a for a in (self._roster.get(i) for i in sorted(set(attorney_ids))) if a is not None]

    def busy(self, attorney_ids: Iterable[str], now: datetime) -> set[str]:
        return {a for a in set(attorney_ids) if a in self.busy_ and self.busy_[a][1] > now}

    def set_duty(self, attorney: Attorney, on_duty: bool) -> None:
        with self._locked():
            profile = self._roster.get(attorney.id)
            if profile is None:
                raise LookupError(f"no profile for {attorney.id}")  # DynamoDB: the read finds no item
            if on_duty and not profile.active:
                raise ChangedMeanwhileError(FAILED)
            self._roster.save(replace(profile, on_duty=on_duty))
            if on_duty:
                self.duty[attorney.id] = frozenset((c, r) for c in profile.categories for r in profile.regions)
            else:
                self.duty.pop(attorney.id, None)

    def release_busy(self, attorney_id: str, consultation_id: str) -> None:
        with self._lock:
            if attorney_id in self.busy_ and self.busy_[attorney_id][0] == consultation_id:
                del self.busy_[attorney_id]

    # --- offers ---------------------------------------------------------------------------------

    def offer(self, offer_id: str) -> Offer | None:
        return self.offers.get(offer_id)

    def pending_of(self, attorney_id: str) -> list[Offer]:
        return sorted((o for o in self.offers.values()
                       if o.attorney_id == attorney_id and o.status is OfferStatus.PENDING),
                      key=lambda o: (o.deadline, o.id))

    def due(self, now: datetime, limit: int = 100) -> list[Offer]:
        return sorted((o for o in self.offers.values() if o.is_due(now)), key=lambda o: (o.deadline, o.id))[:limit]

    def create_offer(self, offer: Offer, request: RealtimeRequest, now: datetime) -> None:
        with self._locked():
            consultation = self._consultation(offer.consultation_id)
            state = self.requests_.get(request.consultation_id)
            holder = self.busy_.get(offer.attorney_id)
            if (offer.id in self.offers or consultation is None or consultation.status is not Status.SUBMITTED
                    or state is None or state.current_offer is not None or state.failed or state.matched
                    or state.tried != request.tried or request.consultation_id not in self.queued
                    or (holder is not None and holder[1] > now)):
                raise ChangedMeanwhileError(FAILED)
            self.offers[offer.id] = replace(offer, status=OfferStatus.PENDING, answered_at=None)
            self._set_consultation(consultation, status=Status.OFFERED, updated_at=now)
            self.requests_[request.consultation_id] = replace(state, tried=request.tried + (offer.attorney_id,),
                                                              current_offer=offer.id)
            self.offered.add(request.consultation_id)
            self.busy_[offer.attorney_id] = (offer.consultation_id, offer.deadline)

    def _pending(self, offer: Offer) -> tuple[Offer, Consultation, RealtimeRequest]:
        """The offer as stored, its consultation and request, while the offer is still open: pending, the
        consultation offered, the request's current offer, the attorney held by it (else ``ChangedMeanwhileError``).
        Call it under ``_locked()``."""
        current = self.offers.get(offer.id)
        consultation = self._consultation(offer.consultation_id)
        state = self.requests_.get(offer.consultation_id)
        holder = self.busy_.get(offer.attorney_id)
        if (current is None or current.status is not OfferStatus.PENDING
                or consultation is None or consultation.status is not Status.OFFERED
                or state is None or state.current_offer != offer.id
                or holder is None or holder[0] != offer.consultation_id):
            raise ChangedMeanwhileError(FAILED)
        return current, consultation, state

    def close_offer(self, offer: Offer, target: OfferStatus, now: datetime, request: RealtimeRequest) -> None:
        with self._locked():
            current, consultation, state = self._pending(offer)
            if request.consultation_id not in self.queued:
                raise ChangedMeanwhileError(FAILED)
            self.offers[offer.id] = replace(current, status=OfferStatus(target), answered_at=now)
            self._set_consultation(consultation, status=Status.SUBMITTED, updated_at=now)
            self.requests_[offer.consultation_id] = replace(state, current_offer=None)
            self.offered.discard(request.consultation_id)
            del self.busy_[offer.attorney_id]

    def accept(self, offer: Offer, request: RealtimeRequest, now: datetime, *, year: int, cap: int,
               busy_until: datetime) -> None:
        with self._locked():
            current, consultation, state = self._pending(offer)
            if (current.attorney_id != offer.attorney_id or not now < current.deadline
                    or self._count(offer.attorney_id, year) >= cap):
                raise ChangedMeanwhileError(FAILED)
            self.offers[offer.id] = replace(current, status=OfferStatus.ACCEPTED, answered_at=now)
            self._set_consultation(consultation, status=Status.MATCHED, updated_at=now,
                                   attorney_id=offer.attorney_id)
            self._loads.increment(offer.attorney_id, year, now, cap)
            self.busy_[offer.attorney_id] = (offer.consultation_id, busy_until)
            self.requests_[offer.consultation_id] = replace(state, current_offer=None, matched=True)
            self.queued.discard(request.consultation_id)
            self.offered.discard(request.consultation_id)

    def reassign(self, consultation_id: str, sort_key: str, previous: str | None, attorney_id: str,
                 expected: Status, now: datetime, *, year: int, cap: int, previous_year: int | None,
                 reason: dict[str, object]) -> None:
        with self._locked():
            consultation = self._consultation(consultation_id)
            moved = (previous, previous_year) if previous is not None and previous_year is not None else None
            if (consultation is None or consultation.status is not expected
                    or self._count(attorney_id, year) >= cap
                    or (moved is not None and self._count(*moved) <= 0)
                    or (consultation_id, now) in self.assignments):
                raise ChangedMeanwhileError(FAILED)
            self._set_consultation(consultation, status=Status.MATCHED, updated_at=now, attorney_id=attorney_id)
            self._loads.increment(attorney_id, year, now, cap)
            if moved is not None:
                self._loads.decrement(*moved)
            self.assignments[(consultation_id, now)] = (attorney_id, previous, dict(reason))

    # --- acceptance times -----------------------------------------------------------------------

    def accept_seconds(self, category: str) -> list[float]:
        return [float(s) for s in self.accept_stats.get(category, [])]

    def save_accept_seconds(self, category: str, samples: list[float]) -> None:
        self.accept_stats[category] = [float(s) for s in samples]


__all__ = ["MemoryRealtimeStore"]

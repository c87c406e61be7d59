"""In-memory twins of the adapters, for unit and functional tests.

Each twin honours the same contract as its DynamoDB counterpart (the contract
tests in ``tests/integration`` run against both).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chalicelib.domain.audit import AccessEvent, LoginEvent, LoginResult


class MemoryAuditLog:
    def __init__(self) -> None:
        self.logins: list[LoginEvent] = []
        self.access: list[AccessEvent] = []
        self._lock = threading.Lock()

    def record_login(self, event: LoginEvent) -> None:
        with self._lock:
            self.logins.append(event)

    def record_access(self, event: AccessEvent) -> None:
        with self._lock:
            self.access.append(event)

    def logins_of(self, subject: str, limit: int = 50) -> list[LoginEvent]:
        mine = [e for e in self.logins if e.subject == subject]
        return sorted(mine, key=lambda e: e.at, reverse=True)[:limit]

    def failures_from(self, ip: str, since: datetime, at_most: int | None = None) -> int:
        found = sum(1 for e in self.logins
                    if e.ip == ip and e.at >= since and e.result is LoginResult.FAILURE)
        return found if at_most is None else min(found, at_most)

    def failures_of(self, subject: str, since: datetime, at_most: int | None = None) -> int:
        found = sum(1 for e in self.logins
                    if e.subject == subject and e.at >= since and e.result is LoginResult.FAILURE)
        return found if at_most is None else min(found, at_most)

    def accesses(self, since: datetime, until: datetime, *, actor: str | None = None,
                 owner: str | None = None, limit: int = 200) -> list[AccessEvent]:
        events = [e for e in self.access if since <= e.at <= until
                  and (actor is None or e.actor == actor) and (owner is None or e.owner == owner)]
        return sorted(events, key=lambda e: e.at, reverse=True)[:limit]


class MemoryNotifier:
    """Records every message; ``fail`` makes the next sends raise (fault injection)."""

    def __init__(self) -> None:
        self.sms: list[tuple[str, str]] = []
        self.messages: list[tuple[str, Any]] = []
        self.emails: list[tuple[str, str, str]] = []
        self.alarms: list[tuple[str, str]] = []
        self.fail = False
        self._lock = threading.Lock()

    def _check(self) -> None:
        if self.fail:
            from chalicelib.domain.notifications import NotificationFailedError

            raise NotificationFailedError("injected failure")

    def send_sms(self, phone_e164: str, text: str) -> str:
        self._check()
        with self._lock:
            self.sms.append((phone_e164, text))
            return f"sms-{len(self.sms)}"

    def send_message(self, phone_e164: str, message: Any) -> Any:
        """A templated resident message: recorded in ``messages`` and, as its text, in ``sms``."""
        from chalicelib.domain.notifications import Sent

        message_id = self.send_sms(phone_e164, message.text)  # a subclass failing SMS fails this too
        with self._lock:
            self.messages.append((phone_e164, message))
        return Sent(message_id, "memory")

    def email_attorney(self, attorney_id: str, alert: Any, contact: Any = None) -> str:
        """Records (attorney id, subject, plain text) as the SES mailer renders it in Korean."""
        from chalicelib.web.mail import render_attorney_email

        self._check()
        content = render_attorney_email(alert, "ko")
        with self._lock:
            self.emails.append((attorney_id, content.subject, content.text))
            return f"email-{len(self.emails)}"

    def alarm(self, subject: str, text: str) -> None:
        self._check()
        with self._lock:
            self.alarms.append((subject, text))


# --- consultations -------------------------------------------------------------------------------

from collections.abc import Callable, Iterable, Sequence  # noqa: E402
from dataclasses import replace  # noqa: E402
from datetime import UTC, timedelta  # noqa: E402

from chalicelib.domain.consultations import (  # noqa: E402
    Consultation,
    ConsultationNotFoundError,
    Created,
    IdempotencyClaim,
    IdempotencyKeyReusedError,
    Page,
    Status,
    TooManyOpenConsultationsError,
    erased,
    transitioned,
)
from chalicelib.domain.corrections import CorrectionConflictError, NotCorrectableError  # noqa: E402


class MemoryConsultationRepository:
    """In-memory twin of ``DynamoConsultationRepository`` (same rules, one lock for atomicity)."""

    def __init__(self, retention_days: int) -> None:
        self._retention = timedelta(days=retention_days)
        self.items: dict[str, Consultation] = {}
        self.idempotency: dict[str, tuple[str, str, datetime]] = {}  # id -> (fingerprint, consultation id, expiry)
        self.open_counts: dict[str, int] = {}
        self.quotas: dict[tuple[str, str], int] = {}  # abuse-limit counters: (key, window) -> used
        self.writes = 0  # write requests, as DynamoDB would count them
        self._lock = threading.RLock()

    def create(self, consultation: Consultation, claim: IdempotencyClaim, max_open: int,
               quotas: tuple[Any, ...] = ()) -> Created:
        from chalicelib.domain.limits import TooManyNewRequestsError

        with self._lock:
            record = self.idempotency.get(claim.record_id)
            if record is not None and record[2] >= consultation.created_at:
                fingerprint, existing_id, _ = record
                if fingerprint != claim.fingerprint:
                    raise IdempotencyKeyReusedError()
                return Created(self.items[existing_id], replayed=True)
            if self.open_counts.get(consultation.owner, 0) >= max_open:
                raise TooManyOpenConsultationsError(max_open)
            for quota in quotas:
                if self.quotas.get((quota.key, quota.window), 0) >= quota.limit:
                    raise TooManyNewRequestsError(quota)
            for quota in quotas:
                self.quotas[(quota.key, quota.window)] = self.quotas.get((quota.key, quota.window), 0) + 1
            if consultation.id in self.items:
                raise ValueError(f"consultation {consultation.id} already exists")
            self.items[consultation.id] = consultation
            self.open_counts[consultation.owner] = self.open_counts.get(consultation.owner, 0) + 1
            self.idempotency[claim.record_id] = (claim.fingerprint, consultation.id, claim.expires_at)
            self.writes += 1
            return Created(consultation, replayed=False)

    def get(self, consultation_id: str) -> Consultation | None:
        return self.items.get(consultation_id)

    def _page(self, matches: Callable[[Consultation], bool], limit: int, after: str | None) -> Page:
        with self._lock:
            ordered = sorted((c for c in self.items.values() if matches(c)),
                             key=lambda c: c.sort_key, reverse=True)
        if after is not None:
            ordered = [c for c in ordered if c.sort_key < after]
        items = ordered[:limit]
        return Page(items, items[-1].sort_key if len(ordered) > limit else None)

    def list_by_owner(self, owner: str, limit: int, after: str | None = None) -> Page:
        return self._page(lambda c: c.owner == owner, limit, after)

    def list_by_attorney(self, attorney_id: str, limit: int, after: str | None = None) -> Page:
        return self._page(lambda c: c.attorney_id == attorney_id, limit, after)

    def list_by_month(self, month: str, limit: int, after: str | None = None) -> Page:
        return self._page(lambda c: c.month == month, limit, after)

    def transition(self, consultation_id: str, target: Status, now: datetime, *,
                   expected: Status | Iterable[Status] | None = None,
                   attorney_id: str | None = None) -> Consultation:
        with self._lock:
            current = self.items.get(consultation_id)
            if current is None:
                raise ConsultationNotFoundError()
            moved = transitioned(current, target, now, retention=self._retention, expected=expected,
                                 attorney_id=attorney_id)
            self.items[consultation_id] = moved
            if current.is_open and not moved.is_open:
                self.open_counts[current.owner] = self.open_counts.get(current.owner, 0) - 1
            self.writes += 1
            return moved

    def note_result(self, consultation_id: str, *, outcome: str | None = None,
                    satisfaction: int | None = None) -> bool:
        name, value = ("outcome", outcome) if outcome is not None else ("satisfaction", satisfaction)
        with self._lock:
            current = self.items.get(consultation_id)
            if current is None or current.status is not Status.COMPLETED or getattr(current, name) is not None:
                return False
            self.items[consultation_id] = current.evolve(**{name: value})
            self.writes += 1
            return True

    def correct_details(self, consultation_id: str, sealed: bytes, now: datetime, *,
                        expected_updated_at: datetime) -> None:
        with self._lock:
            current = self.items.get(consultation_id)
            if current is None:
                raise ConsultationNotFoundError()
            if current.status is not Status.SUBMITTED:
                raise NotCorrectableError(current.status)
            if current.updated_at != expected_updated_at:
                raise CorrectionConflictError()
            self.items[consultation_id] = current.evolve(sealed=sealed, updated_at=now)
            self.writes += 1

    def set_receipt(self, consultation_id: str, receipt: str) -> str | None:
        with self._lock:
            current = self.items.get(consultation_id)
            if current is None or current.receipt:
                return current.receipt if current is not None else None
            self.items[consultation_id] = current.evolve(receipt=receipt)
            self.writes += 1
            return receipt

    def erase_personal_data(self, owner: str, now: datetime) -> int:
        with self._lock:
            mine = [c for c in self.items.values() if c.owner == owner]
            for consultation in mine:
                self.items[consultation.id] = erased(consultation, now, retention=self._retention)
                self.writes += 1
            self.open_counts.pop(owner, None)
            return len(mine)


class LoadCapReachedError(Exception):
    """The attorney reached the annual cap meanwhile (twin of the conditional write failing)."""


class MemoryLoadStore:
    """Twin of ``DynamoLoadStore`` plus the increments other twins perform atomically."""

    def __init__(self) -> None:
        from chalicelib.domain.matching import AttorneyLoad

        self._loads: dict[tuple[str, int], AttorneyLoad] = {}
        self._empty = AttorneyLoad.empty
        self.lock = threading.RLock()

    def get_many(self, attorney_ids, year: int):  # type: ignore[no-untyped-def]
        with self.lock:
            return {a: self._loads.get((a, year), self._empty(a, year)) for a in sorted(set(attorney_ids))}

    def set_calibration(self, attorney_id: str, year: int, credit: float) -> None:
        from dataclasses import replace

        with self.lock:
            current = self._loads.get((attorney_id, year), self._empty(attorney_id, year))
            self._loads[(attorney_id, year)] = replace(current, calibration_credit=credit)

    def credit_leave(self, attorney_id: str, year: int, credit: float, through) -> bool:  # type: ignore[no-untyped-def]
        from dataclasses import replace

        with self.lock:
            current = self._loads.get((attorney_id, year), self._empty(attorney_id, year))
            if current.leave_credited_through is not None and current.leave_credited_through >= through:
                return False
            self._loads[(attorney_id, year)] = replace(current, leave_credit=current.leave_credit + credit,
                                                       leave_credited_through=through)
            return True

    def increment(self, attorney_id: str, year: int, at: datetime, cap: int) -> None:
        with self.lock:
            current = self._loads.get((attorney_id, year), self._empty(attorney_id, year))
            if current.assignments_this_year >= cap:
                raise LoadCapReachedError(attorney_id)
            self._loads[(attorney_id, year)] = current.after_assignment(at)

    def decrement(self, attorney_id: str, year: int) -> None:
        from dataclasses import replace

        with self.lock:
            current = self._loads.get((attorney_id, year), self._empty(attorney_id, year))
            if current.assignments_this_year > 0:
                self._loads[(attorney_id, year)] = replace(
                    current, assignments_this_year=current.assignments_this_year - 1)


# --- reservations: roster, availability, slot claims, bookings, holds ----------------------------

from chalicelib.domain.attorneys import Attorney, AttorneyContact  # noqa: E402
from chalicelib.domain.availability import Availability  # noqa: E402
from chalicelib.domain.bookings import (  # noqa: E402
    Booking,
    BookingChangedError,
    BookingPlan,
    BookingState,
    BookingStatus,
    ClaimKind,
    EndPlan,
    Hold,
    HoldPlan,
    SlotClaim,
    SlotTakenError,
    Snapshot,
    WithdrawPlan,
)
from chalicelib.domain.limits import Quota, TooManyBookingChangesError  # noqa: E402


class MemoryRoster:
    """Twin of the parts of ``DynamoAttorneyRepository`` reservations use."""

    def __init__(self) -> None:
        self.attorneys: dict[str, Attorney] = {}
        self.contacts: dict[str, AttorneyContact] = {}

    def save(self, attorney: Attorney, contact: AttorneyContact | None = None,
             now: datetime | None = None) -> None:
        self.attorneys[attorney.id] = attorney
        if contact is not None:
            self.contacts[attorney.id] = contact

    def get(self, attorney_id: str) -> Attorney | None:
        return self.attorneys.get(attorney_id)

    def contact(self, attorney_id: str) -> AttorneyContact | None:
        return self.contacts.get(attorney_id)

    def by_subject(self, subject: str) -> str | None:
        return next((a.id for a in self.attorneys.values() if subject in a.subjects), None)

    def covering(self, category: str, region: str) -> list[str]:
        return sorted(a.id for a in self.attorneys.values() if a.active and a.covers(category, region))

    def roster(self) -> list[Attorney]:
        return list(self.attorneys.values())

    def import_new(self, entries: Sequence[tuple[Attorney, AttorneyContact | None]], now: datetime) -> None:
        for attorney, contact in entries:
            self.save(attorney, contact, now)


class MemoryBookingRepository:
    """Twin of ``DynamoBookingRepository``: the same conditions, checked and applied under one lock
    (with the consultation repository's and the load store's locks, as one transaction)."""

    def __init__(self, consultations: MemoryConsultationRepository, loads: MemoryLoadStore,
                 roster: MemoryRoster) -> None:
        self.consultations = consultations
        self.loads = loads
        self.roster = roster
        self.availabilities: dict[str, Availability] = {}
        self.claims: dict[tuple[str, datetime], SlotClaim] = {}
        self.active: dict[str, Booking] = {}
        self.history: dict[str, list[Booking]] = {}
        self.holds: dict[str, Hold] = {}
        self.dropped_reminders: list[tuple[str, str]] = []
        self.quotas: dict[tuple[str, str], int] = {}  # (key, window) -> used
        self.transactions = 0
        self._lock = threading.RLock()

    # --- availability -----------------------------------------------------------------------

    def availability(self, attorney_id: str) -> Availability | None:
        return self.availabilities.get(attorney_id)

    def save_availability(self, attorney_id: str, availability: Availability, now: datetime) -> None:
        with self._lock:
            self.availabilities[attorney_id] = availability

    # --- reads --------------------------------------------------------------------------------

    def snapshot(self, attorney_ids: Iterable[str], year: int, *, claims_at: datetime | None = None,
                 consistent: bool = False) -> Snapshot:
        ids = sorted(set(attorney_ids))
        with self._lock:
            attorneys = {a: self.roster.attorneys[a] for a in ids if a in self.roster.attorneys}
            claims = {}
            if claims_at is not None:
                for a in ids:
                    claim = self.claims.get((a, _utc(claims_at)))
                    if claim is not None:
                        claims[a] = claim
            return Snapshot(attorneys=attorneys,
                            availabilities={a: self.availabilities.get(a) for a in ids},
                            loads=self.loads.get_many(ids, year), claims=claims)

    def claims_between(self, first: datetime, last: datetime) -> list[SlotClaim]:
        with self._lock:
            return sorted((c for c in self.claims.values() if _utc(first) <= c.start <= _utc(last)),
                          key=lambda c: (c.start, c.attorney_id))

    def state_of(self, consultation_id: str) -> BookingState:
        with self._lock:
            return BookingState(active=self.active.get(consultation_id), hold=self.holds.get(consultation_id),
                                history=tuple(self.history.get(consultation_id, ())))

    # --- writes -------------------------------------------------------------------------------

    def _locked(self):  # type: ignore[no-untyped-def]
        stack = contextlib.ExitStack()
        for lock in (self._lock, self.consultations._lock, self.loads.lock):
            stack.enter_context(lock)
        return stack

    @contextlib.contextmanager
    def _transaction(self, consultation_id: str) -> Iterator[tuple[Consultation | None, Booking | None]]:
        """One write, like one DynamoDB transaction (counted in ``transactions``), with every lock held:
        the consultation and its active booking as they are stored."""
        with self._locked():
            self.transactions += 1
            yield self.consultations.items.get(consultation_id), self.active.get(consultation_id)

    def _claimable(self, key: tuple[str, datetime], consultation_id: str, now: datetime) -> bool:
        current = self.claims.get(key)
        return current is None or (current.kind is ClaimKind.HOLD and (
            (current.hold_until is not None and current.hold_until <= now)
            or current.consultation_id == consultation_id))

    def _own(self, key: tuple[str, datetime], consultation_id: str, kind: ClaimKind) -> bool:
        current = self.claims.get(key)
        return current is not None and current.consultation_id == consultation_id and current.kind is kind

    def _count(self, attorney_id: str, year: int) -> int:
        return self.loads.get_many([attorney_id], year)[attorney_id].assignments_this_year

    def _still_booked(self, consultation: Consultation, current: Booking | None, active: Booking) -> bool:
        """``active`` is still the consultation's booking (``current``: the active one stored), holding its
        slot claim and counted on its attorney's load."""
        return (consultation.attorney_id == active.attorney_id and current is not None and current.id == active.id
                and self._own((active.attorney_id, active.start), consultation.id, ClaimKind.BOOKED)
                and self._count(active.attorney_id, active.load_year) > 0)

    def _release(self, active: Booking, ended: Booking) -> None:
        """The booking ends: its slot claim goes, ``ended`` joins the history, its load is counted back."""
        del self.claims[(active.attorney_id, active.start)]
        del self.active[active.consultation_id]
        self.history.setdefault(active.consultation_id, []).append(ended)
        self.loads.decrement(active.attorney_id, active.load_year)

    def book(self, plan: BookingPlan) -> None:
        booking, previous, cid = plan.booking, plan.previous, plan.booking.consultation_id
        new_key = (booking.attorney_id, booking.start)
        with self._transaction(cid) as (consultation, current):
            changed = (consultation is None or consultation.status is not plan.expected
                       or (current is not None if previous is None else (current is None or current.id != previous.id))
                       or (previous is not None and not self._own((previous.attorney_id, previous.start), cid,
                                                                  ClaimKind.BOOKED))
                       or (previous is not None and plan.counts_load
                           and self._count(previous.attorney_id, previous.load_year) <= 0))
            if changed:
                raise BookingChangedError()
            self._check_quotas(plan.quotas)
            if not self._claimable(new_key, cid, plan.now) or (
                    plan.counts_load and self._count(booking.attorney_id, booking.load_year) >= plan.cap):
                raise SlotTakenError(booking.attorney_id)
            # every condition holds: apply all of it
            if previous is not None:
                del self.claims[(previous.attorney_id, previous.start)]
                self.history.setdefault(cid, []).append(previous.ended(BookingStatus.RESCHEDULED, plan.now,
                                                                       "resident"))
            if plan.hold is not None:
                hold_key = (plan.hold.attorney_id, plan.hold.start)
                if plan.releases_hold_claim and self._own(hold_key, cid, ClaimKind.HOLD):
                    del self.claims[hold_key]
                self.holds.pop(cid, None)
            self._count_quotas(plan.quotas)
            self.claims[new_key] = booking.claim()
            self.active[cid] = booking
            assert consultation is not None
            self.consultations.items[cid] = consultation.evolve(status=Status.BOOKED, updated_at=plan.now,
                                                                attorney_id=booking.attorney_id,
                                                                mode=plan.mode or consultation.mode)
            if plan.counts_load:
                self.loads.increment(booking.attorney_id, booking.load_year, booking.booked_at, plan.cap)
                if previous is not None:
                    self.loads.decrement(previous.attorney_id, previous.load_year)

    def end(self, plan: EndPlan) -> None:
        active, cid = plan.active, plan.active.consultation_id
        with self._transaction(cid) as (consultation, current):
            if (consultation is None or consultation.status is not Status.BOOKED
                    or not self._still_booked(consultation, current, active)):
                raise BookingChangedError()
            self._check_quotas(plan.quotas)
            self._count_quotas(plan.quotas)
            self._release(active, plan.ended)
            self.consultations.items[cid] = consultation.evolve(status=Status.SUBMITTED, updated_at=plan.now,
                                                                attorney_id=None)

    def _check_quotas(self, quotas: tuple[Quota, ...]) -> None:
        for quota in quotas:
            if self.quotas.get((quota.key, quota.window), 0) >= quota.limit:
                raise TooManyBookingChangesError(quota)

    def _count_quotas(self, quotas: tuple[Quota, ...]) -> None:
        for quota in quotas:
            self.quotas[(quota.key, quota.window)] = self.quotas.get((quota.key, quota.window), 0) + 1

    def erase_notes(self, consultation_id: str) -> int:
        with self._lock:
            history = self.history.get(consultation_id, [])
            erased = sum(1 for b in history if b.sealed_note is not None)
            self.history[consultation_id] = [replace(b, sealed_note=None) for b in history]
            return erased

    def take_quota(self, quota: Quota) -> int | None:
        with self._lock:
            used = self.quotas.get((quota.key, quota.window), 0)
            if used >= quota.limit:
                return None
            self.quotas[(quota.key, quota.window)] = used + 1
            return used + 1

    def withdraw(self, plan: WithdrawPlan) -> None:
        active, cid = plan.active, plan.consultation.id
        with self._transaction(cid) as (consultation, current):
            if (consultation is None or consultation.status is not plan.expected
                    or (active is None and current is not None)
                    or (active is not None and not self._still_booked(consultation, current, active))):
                raise BookingChangedError()
            if active is not None and plan.ended is not None:
                self._release(active, plan.ended)
            if plan.unload is not None:
                self.loads.decrement(*plan.unload)
            if plan.hold is not None:
                hold_key = (plan.hold.attorney_id, plan.hold.start)
                if plan.hold.is_live(plan.now) and self._own(hold_key, cid, ClaimKind.HOLD):
                    del self.claims[hold_key]
                self.holds.pop(cid, None)
            self.consultations.items[cid] = consultation.evolve(
                status=Status.WITHDRAWN, updated_at=plan.now, closed_at=plan.now, expires_at=plan.expires_at)
            if consultation.owner in self.consultations.open_counts:
                self.consultations.open_counts[consultation.owner] -= 1
            self.dropped_reminders.extend(plan.dropped_reminders)

    def hold(self, plan: HoldPlan) -> None:
        hold, previous, cid = plan.hold, plan.previous, plan.hold.consultation_id
        key = (hold.attorney_id, hold.start)
        with self._transaction(cid) as (consultation, _active):
            if consultation is None or consultation.status is not Status.SUBMITTED:
                raise BookingChangedError()
            if not self._claimable(key, cid, plan.now):
                raise SlotTakenError(hold.attorney_id)
            if plan.releases_previous and previous is not None:
                previous_key = (previous.attorney_id, previous.start)
                if self._own(previous_key, cid, ClaimKind.HOLD):
                    del self.claims[previous_key]
            self.claims[key] = hold.claim()
            self.holds[cid] = hold


def _utc(moment: datetime) -> datetime:

    return moment.astimezone(UTC)


class MemoryReminderStore:
    """Twin of ``DynamoReminderStore`` with the same claim rules."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict] = {}
        self.lock = threading.RLock()

    def schedule(self, reminders) -> None:  # type: ignore[no-untyped-def]
        with self.lock:
            for r in reminders:
                self.items[r.key] = {"reminder": r, "token": None, "until": None, "sent_at": None}

    def cancel(self, keys) -> int:  # type: ignore[no-untyped-def]
        """Like the adapter: the unsent ones go (a key with none counts as gone), a sent one stays as
        the record; how many keys were not sent."""
        cancelled = 0
        with self.lock:
            for key in keys:
                entry = self.items.get(key)
                if entry is None or entry["sent_at"] is None:
                    self.items.pop(key, None)
                    cancelled += 1
        return cancelled

    def due(self, now: datetime, limit: int = 100):  # type: ignore[no-untyped-def]
        with self.lock:
            pending = [v["reminder"] for v in self.items.values()
                       if v["sent_at"] is None and v["reminder"].due_at <= now]
        return sorted(pending, key=lambda r: (r.due_at, r.key))[:limit]

    def claim(self, reminder, now: datetime, lease) -> str | None:  # type: ignore[no-untyped-def]
        import uuid

        with self.lock:
            entry = self.items.get(reminder.key)
            if entry is None or entry["sent_at"] is not None:
                return None
            if entry["until"] is not None and entry["until"] >= now:
                return None
            entry["token"], entry["until"] = uuid.uuid4().hex, now + lease
            return entry["token"]

    def mark_sent(self, reminder, token: str, now: datetime, message_id: str) -> bool:  # type: ignore[no-untyped-def]
        with self.lock:
            entry = self.items.get(reminder.key)
            if entry is None or entry["token"] != token:
                return False
            entry["sent_at"], entry["until"] = now, None
            return True

    def release(self, reminder, token: str) -> None:  # type: ignore[no-untyped-def]
        with self.lock:
            entry = self.items.get(reminder.key)
            if entry is not None and entry["token"] == token:
                entry["token"], entry["until"] = None, None

    def sent_at(self, reminder):  # type: ignore[no-untyped-def]
        entry = self.items.get(reminder.key)
        return entry["sent_at"] if entry else None

"""Reservations in DynamoDB: availability, slot claims, bookings and holds.

Items (main table):
- availability: ``pk=ATTORNEY#<id>``, ``sk=AVAILABILITY``; ``data`` = the
  ``Availability.to_dict`` JSON (no personal data).
- slot claim: ``pk=SLOT#<attorney id>``, ``sk=<start, UTC ISO>``; ``kind``
  (``booked`` | ``hold``), ``consultation_id``, ``hold_until``;
  ``gsi1pk=SLOTS#<yyyy-mm of the start in Korea>`` / ``gsi1sk=<start>#<attorney
  id>`` (listing reads every claim of a date range with one query per month);
  TTL ``expires_at`` (a hold: when it runs out; a booking: 30 days after the slot).
- active booking: ``pk=CONSULTATION#<id>``, ``sk=BOOKING`` (at most one: next to
  the consultation item).
- booking history: ``pk=CONSULTATION#<id>``, ``sk=BOOKING#<ended at>#<booking id>``
  (cancelled, declined with the sealed reason, rescheduled).
- hold pointer: ``pk=CONSULTATION#<id>``, ``sk=BOOKINGHOLD``.

One query ``pk=CONSULTATION#<id>, sk begins_with BOOKING`` reads a
consultation's booking, hold and history. Booking, rebooking, cancelling and
holding are each ONE ``TransactWriteItems`` whose items are all conditioned;
the cancellation reasons are read by item (pynamodb sends a transaction's
items grouped by kind: condition checks, deletes, puts, updates).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import limits as quota_store
from chalicelib.adapters.dynamo import ranking
from chalicelib.adapters.dynamo.attorneys import AttorneyItem
from chalicelib.adapters.dynamo.attorneys import _to_domain as _attorney_from_item
from chalicelib.adapters.dynamo.base import MAIN, ConnectedStore, Gsi1, Gsi1Keys, KeyedItem
from chalicelib.adapters.dynamo.consultations import SK as CONSULTATION_SK
from chalicelib.adapters.dynamo.consultations import ConsultationItem, OpenCountItem
from chalicelib.adapters.dynamo.consultations import _count_key as open_count_key
from chalicelib.adapters.dynamo.loads import LoadItem, add_decrement, add_increment, load_key, load_of
from chalicelib.adapters.dynamo.reminders import add_reminder, drop_reminder
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.availability import Availability
from chalicelib.domain.bookings import (
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
from chalicelib.domain.calendar import DEFAULT_TZ
from chalicelib.domain.consultations import ERASED_OWNER, Status
from chalicelib.domain.limits import Quota, TooManyBookingChangesError
from chalicelib.domain.matching import AttorneyLoad
from chalicelib.logs import logger

AVAILABILITY_SK = "AVAILABILITY"
BOOKING_SK = "BOOKING"
HOLD_SK = "BOOKINGHOLD"
CLAIM_KEEP = timedelta(days=30)  # a booked claim outlives its slot this long (then TTL)
BATCH_KEYS = 100  # BatchGetItem's limit per request
_ATTEMPTS = 4


class AvailabilityItem(KeyedItem, table=MAIN):
    attorney_id = UnicodeAttribute()
    data = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


class SlotClaimItem(KeyedItem, Gsi1Keys, table=MAIN):
    by_month = Gsi1()

    attorney_id = UnicodeAttribute()
    start = UTCDateTimeAttribute()
    consultation_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    hold_until = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class BookingItem(KeyedItem, table=MAIN):
    booking_id = UnicodeAttribute()
    consultation_id = UnicodeAttribute()
    attorney_id = UnicodeAttribute()
    start = UTCDateTimeAttribute()
    end = UTCDateTimeAttribute()
    method = UnicodeAttribute()
    booked_at = UTCDateTimeAttribute()
    load_year = NumberAttribute()
    reason = UnicodeAttribute(null=True)  # AssignmentReason.as_dict() as JSON
    status = UnicodeAttribute()
    ended_at = UTCDateTimeAttribute(null=True)
    ended_by = UnicodeAttribute(null=True)
    note = BinaryAttribute(legacy_encoding=False, null=True)  # sealed decline reason
    expires_at = NumberAttribute(null=True)


class HoldItem(KeyedItem, table=MAIN):
    attorney_id = UnicodeAttribute()
    start = UTCDateTimeAttribute()
    end = UTCDateTimeAttribute()
    until = UTCDateTimeAttribute()
    expires_at = NumberAttribute(null=True)


# --- keys ----------------------------------------------------------------------------------------

def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def availability_key(attorney_id: str) -> tuple[str, str]:
    return f"ATTORNEY#{attorney_id}", AVAILABILITY_SK


def claim_key(attorney_id: str, start: datetime) -> tuple[str, str]:
    return f"SLOT#{attorney_id}", stamp(start)


def consultation_pk(consultation_id: str) -> str:
    return f"CONSULTATION#{consultation_id}"


def history_sk(booking: Booking) -> str:
    assert booking.ended_at is not None
    return f"{BOOKING_SK}#{stamp(booking.ended_at)}#{booking.id}"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# --- the repository ------------------------------------------------------------------------------

@dataclass
class _Op:
    kind: str  # condition | delete | put | update (pynamodb's order)
    name: str
    apply: Callable[[TransactWrite], None]


_KIND_ORDER = ("condition", "delete", "put", "update")


_BUSY = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


class _Cancelled(Exception):
    def __init__(self, codes: dict[str, str | None], original: TransactWriteError) -> None:
        super().__init__(", ".join(f"{k}={v}" for k, v in codes.items() if v))
        self.codes = codes
        self.original = original  # re-raised when not ours to handle: the API maps it (503 when busy)

    def failed(self, name: str) -> bool:
        return self.codes.get(name) == "ConditionalCheckFailed"

    @property
    def busy(self) -> bool:
        """Cancelled because an item was busy (another transaction, throttling): worth retrying."""
        return bool(_BUSY & set(self.codes.values()))

    @property
    def throttled(self) -> bool:
        return "TransactionConflict" not in self.codes.values() and self.busy

    def retryable(self) -> _Cancelled:
        """This cancellation when an item was busy (worth another attempt); else the original error."""
        if not self.busy:
            raise self.original from None
        return self


class DynamoBookingRepository(ConnectedStore):
    keeps_ranking_index = True  # its load counter writes move the ranking index entries

    def __init__(self, retention_days: int, tz: str = DEFAULT_TZ, connection: Connection | None = None) -> None:
        super().__init__(connection)
        self._retention = timedelta(days=retention_days)
        self._zone = ZoneInfo(tz)

    # --- availability -----------------------------------------------------------------------

    def availability(self, attorney_id: str) -> Availability | None:
        item = AvailabilityItem.find(*availability_key(attorney_id), consistent_read=True)
        if item is None:
            return None
        return Availability.from_dict(json.loads(item.data))

    def save_availability(self, attorney_id: str, availability: Availability, now: datetime) -> None:
        AvailabilityItem(*availability_key(attorney_id), attorney_id=attorney_id,
                         data=json.dumps(availability.to_dict(), separators=(",", ":")), updated_at=now).save()

    # --- reads for the pool -------------------------------------------------------------------

    def snapshot(self, attorney_ids: Iterable[str], year: int, *, claims_at: datetime | None = None,
                 consistent: bool = False) -> Snapshot:
        ids = sorted(set(attorney_ids))
        keys: list[tuple[str, str]] = []
        for a in ids:
            keys += [(f"ATTORNEY#{a}", "PROFILE"), availability_key(a), load_key(a, year)]
            if claims_at is not None:
                keys.append(claim_key(a, claims_at))
        attorneys, availabilities, loads, claims = {}, {}, {}, {}
        for raw in self._batch_get(keys, consistent):
            pk, sk = raw["pk"]["S"], raw["sk"]["S"]
            if sk == "PROFILE":
                attorney = _attorney_from_item(AttorneyItem.from_raw_data(raw))
                attorneys[attorney.id] = attorney
            elif sk == AVAILABILITY_SK:
                item = AvailabilityItem.from_raw_data(raw)
                availabilities[item.attorney_id] = Availability.from_dict(json.loads(item.data))
            elif pk.startswith("LOAD#"):
                attorney_id = pk.removeprefix("LOAD#")
                loads[attorney_id] = load_of(attorney_id, year, LoadItem.from_raw_data(raw))
            elif pk.startswith("SLOT#"):
                claim = _claim(SlotClaimItem.from_raw_data(raw))
                claims[claim.attorney_id] = claim
        for a in ids:
            loads.setdefault(a, AttorneyLoad.empty(a, year))
            availabilities.setdefault(a, None)
        return Snapshot(attorneys=attorneys, availabilities=availabilities, loads=loads, claims=claims)

    def _batch_get(self, keys: list[tuple[str, str]], consistent: bool) -> Iterable[dict[str, Any]]:
        table_conn = SlotClaimItem._get_connection()
        pending = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys]
        while pending:
            page, pending = pending[:BATCH_KEYS], pending[BATCH_KEYS:]
            attempt = 0
            while page:
                data = table_conn.batch_get_item(page, consistent_read=consistent or None)
                yield from data.get("Responses", {}).get(SlotClaimItem.Meta.table_name, [])
                page = data.get("UnprocessedKeys", {}).get(SlotClaimItem.Meta.table_name, {}).get("Keys", [])
                if page:
                    attempt += 1
                    time.sleep(min(0.05 * 2 ** attempt, 1.0) * random.random())

    def claims_between(self, first: datetime, last: datetime) -> list[SlotClaim]:
        lo, hi = stamp(first), stamp(last) + "#\uffff"
        claims: list[SlotClaim] = []
        for month in _months(first.astimezone(self._zone).date(), last.astimezone(self._zone).date()):
            for item in SlotClaimItem.by_month.query(f"SLOTS#{month}",
                                                     range_key_condition=SlotClaimItem.gsi1sk.between(lo, hi)):
                claims.append(_claim(item))
        return claims

    def state_of(self, consultation_id: str) -> BookingState:
        table_conn = BookingItem._get_connection()
        active: Booking | None = None
        hold: Hold | None = None
        history: list[Booking] = []
        start_key = None
        while True:
            data = table_conn.query(consultation_pk(consultation_id),
                                    range_key_condition=BookingItem.sk.startswith(BOOKING_SK),
                                    consistent_read=True, exclusive_start_key=start_key)
            for raw in data.get("Items", []):
                sk = raw["sk"]["S"]
                if sk == HOLD_SK:
                    h = HoldItem.from_raw_data(raw)
                    hold = Hold(consultation_id, h.attorney_id, h.start, h.end, h.until)
                elif sk == BOOKING_SK:
                    active = _booking(BookingItem.from_raw_data(raw))
                elif sk.startswith(BOOKING_SK + "#"):
                    history.append(_booking(BookingItem.from_raw_data(raw)))
            start_key = data.get("LastEvaluatedKey")
            if not start_key:
                break
        history.sort(key=lambda b: (b.ended_at or b.booked_at, b.id))
        return BookingState(active=active, hold=hold, history=tuple(history))

    # --- writes: one transaction each -----------------------------------------------------------

    def book(self, plan: BookingPlan) -> None:
        booking, previous, cid = plan.booking, plan.previous, plan.booking.consultation_id
        release_hold = plan.releases_hold_claim
        attempts = 0

        def ops() -> list[_Op]:
            nonlocal attempts
            chosen = unload = None
            if plan.counts_load:  # the counters the ranking index entries move from, read consistently
                counter = plan.counter if attempts == 0 else None  # as the choice read it, at first
                chosen = ((counter[0], counter[1].for_year(booking.load_year)) if counter is not None
                          else ranking.current(booking.attorney_id, booking.load_year))
                if chosen[1].assignments_this_year >= plan.cap:
                    raise SlotTakenError(booking.attorney_id)
                if previous is not None:
                    unload = ranking.current(previous.attorney_id, previous.load_year)
                    if unload[1].assignments_this_year <= 0:
                        raise BookingChangedError()
            attempts += 1
            built: list[_Op] = []
            if previous is not None:
                built.append(_drop_claim("old_claim", previous, cid, ClaimKind.BOOKED))
                ended = previous.ended(BookingStatus.RESCHEDULED, plan.now, "resident")
                built.append(_Op("put", "history", lambda tx: tx.save(self._booking_item(ended, history_sk(ended)))))
            if plan.hold is not None:
                hold = plan.hold
                if release_hold:
                    built.append(_drop_claim("hold_claim", hold, cid, ClaimKind.HOLD))
                built.append(_Op("delete", "hold_pointer", lambda tx: tx.delete(
                    HoldItem(consultation_pk(cid), HOLD_SK))))
            built.append(_Op("put", "claim", lambda tx: tx.save(
                self._claim_item(booking.claim(), booking.end), condition=_claimable(cid, plan.now))))
            booking_condition = (BookingItem.pk.does_not_exist() if previous is None
                                 else BookingItem.booking_id == previous.id)
            built.append(_Op("put", "booking", lambda tx: tx.save(
                self._booking_item(booking, BOOKING_SK), condition=booking_condition)))
            built.append(_Op("update", "consultation", lambda tx: tx.update(
                ConsultationItem(consultation_pk(cid), CONSULTATION_SK),
                actions=[ConsultationItem.status.set(Status.BOOKED.value),
                         ConsultationItem.updated_at.set(plan.now),
                         ConsultationItem.attorney_id.set(booking.attorney_id),
                         ConsultationItem.gsi2pk.set(f"ASSIGNED#{booking.attorney_id}"),
                         ConsultationItem.gsi2sk.set(plan.consultation.sort_key)]
                + ([ConsultationItem.mode.set(plan.mode.value)] if plan.mode is not None else []),
                condition=ConsultationItem.status == plan.expected.value)))
            for i, reminder in enumerate(plan.reminders):
                built.append(_Op("put", f"reminder{i}", lambda tx, r=reminder: add_reminder(tx, r)))
            built += _dropped_reminder_ops(plan.dropped_reminders) + _quota_ops(plan.quotas)
            if chosen is not None:
                built.append(_Op("update", "load", lambda tx, s=chosen: add_increment(
                    tx, booking.attorney_id, booking.load_year, booking.booked_at, plan.cap, expected=s[1])))
                built += _rank_ops("rank", ranking.counted_moves(
                    chosen, ranking.after_increment(chosen[1], booking.booked_at)))
            if unload is not None:
                built.append(_Op("update", "unload", lambda tx, s=unload: add_decrement(
                    tx, previous.attorney_id, previous.load_year, expected=s[1])))
                built += _rank_ops("unrank", ranking.counted_moves(unload, ranking.after_decrement(unload[1])))
            return built

        def judge(exc: _Cancelled) -> bool:
            nonlocal release_hold
            _raise_if_over_quota(exc, plan.quotas)
            if exc.failed("hold_claim"):  # the hold ran out and was taken meanwhile: leave it
                release_hold = False
                return True
            if any(exc.failed(n) for n in ("booking", "consultation", "old_claim")):
                raise BookingChangedError() from None
            if exc.failed("claim"):
                raise SlotTakenError(booking.attorney_id) from None
            # a counter changed meanwhile (or reached the cap): read it again
            return exc.failed("load") or exc.failed("unload")

        self._transact(ops, judge, SlotTakenError(booking.attorney_id))

    def end(self, plan: EndPlan) -> None:
        active, ended, cid = plan.active, plan.ended, plan.active.consultation_id

        def ops() -> list[_Op]:
            unload = ranking.current(active.attorney_id, active.load_year)  # what its index entries move from
            if unload[1].assignments_this_year <= 0:
                raise BookingChangedError()
            return [
                _Op("update", "consultation", lambda tx: tx.update(
                    ConsultationItem(consultation_pk(cid), CONSULTATION_SK),
                    actions=[ConsultationItem.status.set(Status.SUBMITTED.value),
                             ConsultationItem.updated_at.set(plan.now),
                             ConsultationItem.attorney_id.remove(), ConsultationItem.gsi2pk.remove(),
                             ConsultationItem.gsi2sk.remove()],
                    condition=(ConsultationItem.status == Status.BOOKED.value)
                    & (ConsultationItem.attorney_id == active.attorney_id))),
                *self._ending_ops(cid, active, ended, unload),
                *_dropped_reminder_ops(plan.dropped_reminders),
                *_quota_ops(plan.quotas),
            ]

        def judge(exc: _Cancelled) -> bool:
            _raise_if_over_quota(exc, plan.quotas)
            if exc.failed("unload") and list(exc.codes.values()).count("ConditionalCheckFailed") == 1:
                return True  # the counter changed meanwhile: read it again
            if "ConditionalCheckFailed" in exc.codes.values():
                raise BookingChangedError() from None
            return False

        self._transact(ops, judge, BookingChangedError())

    def hold(self, plan: HoldPlan) -> None:
        hold, previous, cid = plan.hold, plan.previous, plan.hold.consultation_id
        release = plan.releases_previous

        def ops() -> list[_Op]:
            built = [
                _Op("condition", "consultation", lambda tx: tx.condition_check(
                    ConsultationItem, consultation_pk(cid), CONSULTATION_SK,
                    condition=(ConsultationItem.status == Status.SUBMITTED.value))),
                _Op("put", "claim", lambda tx: tx.save(self._claim_item(hold.claim(), hold.end),
                                                       condition=_claimable(cid, plan.now))),
                _Op("put", "pointer", lambda tx: tx.save(HoldItem(
                    consultation_pk(cid), HOLD_SK, attorney_id=hold.attorney_id, start=hold.start, end=hold.end,
                    until=hold.until, expires_at=_epoch(hold.until)))),
            ]
            if release and previous is not None:
                built.append(_drop_claim("previous_claim", previous, cid, ClaimKind.HOLD))
            return built

        def judge(exc: _Cancelled) -> bool:
            nonlocal release
            if exc.failed("previous_claim"):
                release = False
                return True
            if exc.failed("consultation"):
                raise BookingChangedError() from None
            if exc.failed("claim"):
                raise SlotTakenError(hold.attorney_id) from None
            return False

        self._transact(ops, judge, SlotTakenError(hold.attorney_id))

    def withdraw(self, plan: WithdrawPlan) -> None:
        consultation, active, cid = plan.consultation, plan.active, plan.consultation.id
        release_hold = plan.hold is not None and plan.hold.is_live(plan.now)

        def ops() -> list[_Op]:
            # the counters the ranking index entries move from, read consistently
            unbook = (ranking.current(active.attorney_id, active.load_year)
                      if active is not None and plan.ended is not None else None)
            unload = ranking.current(*plan.unload) if plan.unload is not None else None
            if unload is not None and unload[1].assignments_this_year <= 0:
                unload = None  # nothing counted for that year: withdraw without it
            condition = ConsultationItem.status == plan.expected.value
            if active is not None:
                condition = condition & (ConsultationItem.attorney_id == active.attorney_id)
            built = [_Op("update", "consultation", lambda tx: tx.update(
                ConsultationItem(consultation_pk(cid), CONSULTATION_SK),
                actions=[ConsultationItem.status.set(Status.WITHDRAWN.value),
                         ConsultationItem.updated_at.set(plan.now), ConsultationItem.closed_at.set(plan.now),
                         ConsultationItem.expires_at.set(_epoch(plan.expires_at))],
                condition=condition))]
            if consultation.owner != ERASED_OWNER:
                built.append(_Op("update", "open_count", lambda tx: tx.update(
                    OpenCountItem(*open_count_key(consultation.owner)),
                    actions=[OpenCountItem.open_count.add(-1)])))
            if active is not None and plan.ended is not None:
                assert unbook is not None
                built += self._ending_ops(cid, active, plan.ended, unbook)
            built += _dropped_reminder_ops(plan.dropped_reminders)
            if unload is not None:
                built.append(_Op("update", "unload_match", lambda tx, s=unload: add_decrement(
                    tx, s[1].attorney_id, s[1].year, expected=s[1])))
                built += _rank_ops("unrank_match",
                                   ranking.counted_moves(unload, ranking.after_decrement(unload[1])))
            if plan.hold is not None:
                hold = plan.hold
                built.append(_Op("delete", "hold_pointer", lambda tx: tx.delete(
                    HoldItem(consultation_pk(cid), HOLD_SK))))
                if release_hold:
                    built.append(_drop_claim("hold_claim", hold, cid, ClaimKind.HOLD))
            return built

        def judge(exc: _Cancelled) -> bool:
            nonlocal release_hold
            if exc.failed("hold_claim"):  # the hold ran out and was taken meanwhile: leave it
                release_hold = False
                return True
            failed = {n for n, code in exc.codes.items() if code == "ConditionalCheckFailed"}
            if failed and failed <= {"unload", "unload_match"}:
                return True  # a counter changed meanwhile: read it again
            if failed:
                raise BookingChangedError() from None
            return False

        self._transact(ops, judge, BookingChangedError())

    def erase_notes(self, consultation_id: str) -> int:
        """Remove the sealed decline reasons of the consultation's booking history (the resident left)."""
        erased = 0
        for booking in self.state_of(consultation_id).history:
            if booking.sealed_note is None:
                continue
            BookingItem(consultation_pk(consultation_id), history_sk(booking)).update(
                actions=[BookingItem.note.remove()])
            erased += 1
        return erased

    def take_quota(self, quota: Quota) -> int | None:
        return quota_store.take(quota)

    # --- helpers ------------------------------------------------------------------------------

    def _ending_ops(self, cid: str, active: Booking, ended: Booking,
                    unload: tuple[Attorney | None, AttorneyLoad]) -> list[_Op]:
        """The consultation's active booking ends: its slot is freed, it moves to the history as
        ``ended``, its attorney's load is uncounted (``unload``: their profile and counter as read,
        what their ranking index entries move from)."""
        return [
            _drop_claim("claim", active, cid, ClaimKind.BOOKED),
            _Op("delete", "booking", lambda tx: tx.delete(
                BookingItem(consultation_pk(cid), BOOKING_SK), condition=BookingItem.booking_id == active.id)),
            _Op("put", "history", lambda tx: tx.save(self._booking_item(ended, history_sk(ended)))),
            _Op("update", "unload", lambda tx: add_decrement(tx, active.attorney_id, active.load_year,
                                                             expected=unload[1])),
            *_rank_ops("unrank", ranking.counted_moves(unload, ranking.after_decrement(unload[1]))),
        ]

    def _transact(self, ops: Callable[[], list[_Op]], judge: Callable[[_Cancelled], bool],
                  gave_up: Exception) -> None:
        """Runs the transaction of ``ops()`` up to ``_ATTEMPTS`` times. ``judge`` reads a cancellation:
        it raises the domain error the cancellation means, or answers True when it changed what
        ``ops()`` builds (tried again at once). Otherwise a busy item is tried again after a backoff,
        anything else is raised as it came, and ``gave_up`` is raised once the attempts are spent
        (the table's own error when it was still throttled: the API answers 503)."""
        last_busy: _Cancelled | None = None
        for attempt in range(_ATTEMPTS):
            try:
                self._run(ops())
                return
            except _Cancelled as exc:
                if judge(exc):
                    continue
                last_busy = exc.retryable()
            _backoff(attempt)
        if last_busy is not None and last_busy.throttled:
            raise last_busy.original from None
        raise gave_up

    def _run(self, ops: list[_Op]) -> None:
        names = [op.name for kind in _KIND_ORDER for op in ops if op.kind == kind]
        try:
            with TransactWrite(connection=self.connection) as tx:
                for op in ops:
                    op.apply(tx)
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons or []
            if len(reasons) != len(names):
                logger().warning("booking transaction failed without reasons",
                                 extra={"error": type(exc.cause).__name__ if exc.cause else None})
                raise
            raise _Cancelled({n: (r.code if r is not None else None) for n, r in zip(names, reasons, strict=False)},
                             exc) from None

    def _claim_item(self, claim: SlotClaim, end: datetime) -> SlotClaimItem:
        local_month = claim.start.astimezone(self._zone).strftime("%Y-%m")
        expires = claim.hold_until if claim.kind is ClaimKind.HOLD else end + CLAIM_KEEP
        assert expires is not None
        return SlotClaimItem(*claim_key(claim.attorney_id, claim.start),
                             gsi1pk=f"SLOTS#{local_month}", gsi1sk=f"{stamp(claim.start)}#{claim.attorney_id}",
                             attorney_id=claim.attorney_id, start=claim.start,
                             consultation_id=claim.consultation_id, kind=claim.kind.value,
                             hold_until=claim.hold_until, expires_at=_epoch(expires))

    def _booking_item(self, booking: Booking, sk: str) -> BookingItem:
        return BookingItem(
            consultation_pk(booking.consultation_id), sk, booking_id=booking.id,
            consultation_id=booking.consultation_id, attorney_id=booking.attorney_id,
            start=booking.start, end=booking.end, method=booking.method.value, booked_at=booking.booked_at,
            load_year=booking.load_year, reason=json.dumps(dict(booking.reason), separators=(",", ":")),
            status=booking.status.value, ended_at=booking.ended_at, ended_by=booking.ended_by,
            note=booking.sealed_note, expires_at=_epoch(booking.end + self._retention))


def _rank_ops(name: str, items: list[tuple[str, ranking.RankItem]]) -> list[_Op]:
    """One op per ranking index item (a transaction's cancellation reasons come one per item)."""
    return [_Op(kind, f"{name}{i}", (lambda tx, it=item: tx.delete(it)) if kind == "delete"
                else (lambda tx, it=item: tx.save(it))) for i, (kind, item) in enumerate(items)]


def _quota_ops(quotas: tuple[Quota, ...]) -> list[_Op]:
    return [_Op("update", f"quota{i}", lambda tx, q=q: quota_store.add_quota(tx, q)) for i, q in enumerate(quotas)]


def _raise_if_over_quota(exc: _Cancelled, quotas: tuple[Quota, ...]) -> None:
    for i, quota in enumerate(quotas):
        if exc.failed(f"quota{i}"):
            raise TooManyBookingChangesError(quota) from None


def _claimable(consultation_id: str, now: datetime) -> Any:
    """Free, an expired hold, or this consultation's own hold."""
    return (SlotClaimItem.pk.does_not_exist()
            | ((SlotClaimItem.kind == ClaimKind.HOLD.value)
               & ((SlotClaimItem.hold_until <= now) | (SlotClaimItem.consultation_id == consultation_id))))


def _own_claim(consultation_id: str, kind: ClaimKind) -> Any:
    return (SlotClaimItem.consultation_id == consultation_id) & (SlotClaimItem.kind == kind.value)


def _drop_claim(name: str, slot: Booking | Hold, consultation_id: str, kind: ClaimKind) -> _Op:
    """Delete the claim on ``slot``'s attorney and start, on condition that it is still the
    consultation's own claim of ``kind``."""
    return _Op("delete", name, lambda tx: tx.delete(SlotClaimItem(*claim_key(slot.attorney_id, slot.start)),
                                                    condition=_own_claim(consultation_id, kind)))


def _claim(item: SlotClaimItem) -> SlotClaim:
    return SlotClaim(item.attorney_id, item.start, item.consultation_id, ClaimKind(item.kind), item.hold_until)


def _booking(item: BookingItem) -> Booking:
    return Booking(
        id=item.booking_id, consultation_id=item.consultation_id, attorney_id=item.attorney_id,
        start=item.start, end=item.end, method=item.method, booked_at=item.booked_at,
        load_year=int(item.load_year), reason=json.loads(item.reason) if item.reason else {},
        status=BookingStatus(item.status), ended_at=item.ended_at, ended_by=item.ended_by,
        sealed_note=bytes(item.note) if item.note is not None else None)


def _months(first: date, last: date) -> list[str]:
    months: list[str] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def _dropped_reminder_ops(keys: Iterable[tuple[str, str]]) -> list[_Op]:
    return [_Op("delete", f"dropped_reminder{i}", lambda tx, k=key: drop_reminder(tx, k))
            for i, key in enumerate(keys)]


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))


__all__ = ["AvailabilityItem", "BookingItem", "DynamoBookingRepository", "HoldItem", "SlotClaimItem",
           "claim_key", "stamp"]

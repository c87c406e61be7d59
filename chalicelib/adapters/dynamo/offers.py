"""Real-time matching in DynamoDB: the queue, offers, duty and busy state.

Items (main table; see docs/DATA.md "Real-time matching"):
- request state: ``pk=CONSULTATION#<id>``, ``sk=REALTIME``: who was tried, the
  current offer, failed / matched flags, the consultation's sort key.
- queue entry: ``pk=RTQUEUE#<category>``, ``sk=<queued ISO UTC>#<consultation id>``
  (oldest first; position = how many entries sort before it), ``offered``.
- offer: ``pk=OFFER#<id>``, ``sk=OFFER``; while pending it sits in two sparse
  indexes: ``gsi1pk=PENDING_OFFERS#<attorney id>`` / ``gsi1sk=<deadline>`` (the
  attorney's open offers) and ``gsi2pk=PENDING_OFFERS`` / ``gsi2sk=<deadline>#<id>``
  (the expiry job: a range query up to now reads only what is due).
- duty: ``pk=DUTY#<category>#<region>``, ``sk=ATTORNEY#<id>``: one per coverage
  pair of an attorney on duty; matching reads one partition per region of a
  ring, holding only on-duty attorneys, whatever the size of the roster.
- busy: ``pk=ATTORNEY#<id>``, ``sk=BUSY``: the consultation the attorney holds an
  offer for (until the deadline) or is consulting on (until released, or
  ``busy_until``); read by key (BatchGet) for the candidates.
- acceptance times: ``pk=RTSTATS#<category>``, ``sk=ACCEPT_SECONDS``: the last 20.

Every state change that must be atomic is ONE ``TransactWriteItems`` here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import ranking
from chalicelib.adapters.dynamo.attorneys import AttorneyItem
from chalicelib.adapters.dynamo.attorneys import _to_domain as attorney_of
from chalicelib.adapters.dynamo.base import MAIN, ConnectedStore, Gsi1, Gsi1Keys, Gsi2, Gsi2Keys, KeyedItem
from chalicelib.adapters.dynamo.consultations import ConsultationItem
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.consultations import Status
from chalicelib.domain.offers import ChangedMeanwhileError, MoveOnReason, Offer, OfferStatus, RealtimeRequest

_UTC = UTC


def _stamp(moment: datetime) -> str:
    return moment.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RealtimeItem(KeyedItem, table=MAIN):
    consultation_id = UnicodeAttribute()
    category = UnicodeAttribute()
    region = UnicodeAttribute()
    queued_at = UTCDateTimeAttribute()
    sort_key = UnicodeAttribute()
    tried = ListAttribute(of=UnicodeAttribute, null=True)
    current_offer = UnicodeAttribute(null=True)
    failed = BooleanAttribute(default=False)
    move_on_reason = UnicodeAttribute(null=True)
    matched = BooleanAttribute(default=False)


class QueueItem(KeyedItem, table=MAIN):
    consultation_id = UnicodeAttribute()
    offered = BooleanAttribute(default=False)


class OfferItem(KeyedItem, Gsi1Keys, Gsi2Keys, table=MAIN):
    by_attorney = Gsi1()
    due = Gsi2()

    offer_id = UnicodeAttribute()
    consultation_id = UnicodeAttribute()
    attorney_id = UnicodeAttribute()
    category = UnicodeAttribute()
    region = UnicodeAttribute()
    method = UnicodeAttribute()
    offered_at = UTCDateTimeAttribute()
    deadline = UnicodeAttribute()  # _stamp(): sorts and compares as text
    attempt = NumberAttribute()
    reason = JSONAttribute(null=True)
    status = UnicodeAttribute()
    answered_at = UTCDateTimeAttribute(null=True)


class DutyItem(KeyedItem, table=MAIN):
    attorney_id = UnicodeAttribute()


class BusyItem(KeyedItem, table=MAIN):
    consultation_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # "offer" | "consultation"
    until = UnicodeAttribute()  # _stamp()


class AssignmentItem(KeyedItem, table=MAIN):
    attorney_id = UnicodeAttribute()
    previous_attorney_id = UnicodeAttribute(null=True)
    reason = JSONAttribute()


class AcceptStatsItem(KeyedItem, table=MAIN):
    seconds = ListAttribute(of=NumberAttribute, null=True)


def _request_key(consultation_id: str) -> tuple[str, str]:
    return f"CONSULTATION#{consultation_id}", "REALTIME"


def _queue_key(category: str, queued_at: datetime, consultation_id: str) -> tuple[str, str]:
    return f"RTQUEUE#{category}", f"{_stamp(queued_at)}#{consultation_id}"


def _offer_key(offer_id: str) -> tuple[str, str]:
    return f"OFFER#{offer_id}", "OFFER"


def _busy_key(attorney_id: str) -> tuple[str, str]:
    return f"ATTORNEY#{attorney_id}", "BUSY"


def _consultation_key(consultation_id: str) -> tuple[str, str]:
    return f"CONSULTATION#{consultation_id}", "CONSULTATION"


def _run(tx_body: Any, connection: Connection) -> None:
    try:
        with TransactWrite(connection=connection) as tx:
            tx_body(tx)
    except TransactWriteError as exc:
        codes = [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]
        if codes:
            raise ChangedMeanwhileError(codes) from None
        raise


def _run_counted(tx_body: Any, connection: Connection, read: Callable[[], dict[str, Any]],
                 at_cap: Callable[[dict[str, Any]], bool], scope: dict[str, Any], attempts: int = 3) -> None:
    """Run a transaction that moves load counters (and their ranking index entries) from the values
    ``read`` returns into ``scope``; when it is cancelled and a counter changed meanwhile, read again
    and retry (``ChangedMeanwhileError`` otherwise, or when the counter is at its cap)."""
    scope.update(read())
    for attempt in range(attempts):
        if at_cap(scope):
            raise ChangedMeanwhileError(["AtCap"])
        try:
            _run(tx_body, connection)
            return
        except ChangedMeanwhileError:
            fresh = read()
            if attempt == attempts - 1 or all(fresh[k][1] == scope[k][1] for k in fresh):
                raise
            scope.update(fresh)


class DynamoRealtimeStore(ConnectedStore):
    keeps_ranking_index = True  # its load counter writes move the ranking index entries
    # --- queue ----------------------------------------------------------------------------------

    def enqueue(self, request: RealtimeRequest, sort_key: str) -> bool:
        """Put a request in its category's queue, once (False: it was already there or handled)."""
        state = RealtimeItem(*_request_key(request.consultation_id), consultation_id=request.consultation_id,
                             category=request.category, region=request.region, queued_at=request.queued_at,
                             sort_key=sort_key, tried=[], failed=False, matched=False)
        entry = QueueItem(*_queue_key(request.category, request.queued_at, request.consultation_id),
                          consultation_id=request.consultation_id, offered=False)
        try:
            _run(lambda tx: (tx.save(state, condition=RealtimeItem.pk.does_not_exist()), tx.save(entry),
                             tx.condition_check(ConsultationItem, *_consultation_key(request.consultation_id),
                                                condition=ConsultationItem.status == Status.SUBMITTED.value)),
                 self.connection)
        except ChangedMeanwhileError:
            return False
        return True

    def request(self, consultation_id: str) -> RealtimeRequest | None:
        try:
            return _request_of(RealtimeItem.get(*_request_key(consultation_id), consistent_read=True))
        except DoesNotExist:
            return None

    def requests(self, consultation_ids: Iterable[str]) -> dict[str, RealtimeRequest]:
        keys = [_request_key(c) for c in sorted(set(consultation_ids))]
        return {i.consultation_id: _request_of(i) for i in RealtimeItem.batch_get(keys)} if keys else {}

    def sort_key(self, consultation_id: str) -> str | None:
        try:
            return RealtimeItem.get(*_request_key(consultation_id), attributes_to_get=["sort_key"]).sort_key
        except DoesNotExist:
            return None

    def queue(self, category: str, limit: int = 50) -> list[tuple[str, bool]]:
        """(consultation id, offered) of the category's waiting requests, oldest first."""
        return [(i.consultation_id, bool(i.offered))
                for i in QueueItem.query(f"RTQUEUE#{category}", limit=limit, consistent_read=True)]

    def position(self, request: RealtimeRequest) -> int:
        """1-based rank of the request among its category's waiting requests."""
        pk, sk = _queue_key(request.category, request.queued_at, request.consultation_id)
        return QueueItem.count(pk, QueueItem.sk < sk) + 1

    def move_on(self, request: RealtimeRequest, reason: MoveOnReason, now: datetime) -> bool:
        """Take a waiting request (with no pending offer) out of the queue, marked failed."""
        state = RealtimeItem(*_request_key(request.consultation_id))
        entry = QueueItem(*_queue_key(request.category, request.queued_at, request.consultation_id))

        def body(tx: TransactWrite) -> None:
            tx.update(state, actions=[RealtimeItem.failed.set(True), RealtimeItem.move_on_reason.set(reason.value)],
                      condition=(RealtimeItem.failed == False) & (RealtimeItem.matched == False)  # noqa: E712
                      & RealtimeItem.current_offer.does_not_exist())
            tx.delete(entry)
        try:
            _run(body, self.connection)
        except ChangedMeanwhileError:
            return False
        return True

    def forget(self, consultation_id: str, now: datetime) -> bool:
        """A closed consultation leaves real-time matching: out of the queue, its pending offer
        withdrawn (no longer in the attorney's list or the expiry index), its attorney no longer busy
        with it. Idempotent; False when it never was in real-time matching."""
        request = self.request(consultation_id)
        if request is None:
            return False
        state = RealtimeItem(*_request_key(consultation_id))
        entry = QueueItem(*_queue_key(request.category, request.queued_at, consultation_id))
        offer = self.offer(request.current_offer) if request.current_offer else None

        def body(tx: TransactWrite) -> None:
            actions = [RealtimeItem.current_offer.remove()]
            if request.waiting:
                actions += [RealtimeItem.failed.set(True), RealtimeItem.move_on_reason.set(MoveOnReason.CLOSED.value)]
            tx.update(state, actions=actions)
            tx.delete(entry)
            if offer is not None and offer.status is OfferStatus.PENDING:
                tx.update(OfferItem(*_offer_key(offer.id)),
                          actions=[OfferItem.status.set(OfferStatus.WITHDRAWN.value), OfferItem.answered_at.set(now),
                                   OfferItem.gsi1pk.remove(), OfferItem.gsi1sk.remove(),
                                   OfferItem.gsi2pk.remove(), OfferItem.gsi2sk.remove()],
                          condition=OfferItem.status == OfferStatus.PENDING.value)
        try:
            _run(body, self.connection)
        except ChangedMeanwhileError:  # the offer was answered meanwhile: take the rest out all the same
            _run(lambda tx: (tx.update(state, actions=[RealtimeItem.current_offer.remove()]), tx.delete(entry)),
                 self.connection)
        for attorney_id in set(request.tried):
            self.release_busy(attorney_id, consultation_id)
        return True

    # --- candidates ------------------------------------------------------------------------------

    def on_duty(self, category: str, region: str) -> list[str]:
        """Ids of attorneys on duty for (category, region): one query."""
        return [i.attorney_id for i in DutyItem.query(f"DUTY#{category}#{region}")]

    def profiles(self, attorney_ids: Iterable[str]) -> list[Attorney]:
        keys = [(f"ATTORNEY#{a}", "PROFILE") for a in sorted(set(attorney_ids))]
        return [attorney_of(i) for i in AttorneyItem.batch_get(keys)] if keys else []

    def busy(self, attorney_ids: Iterable[str], now: datetime) -> set[str]:
        keys = [_busy_key(a) for a in sorted(set(attorney_ids))]
        if not keys:
            return set()
        return {i.pk.removeprefix("ATTORNEY#") for i in BusyItem.batch_get(keys) if i.until > _stamp(now)}

    def set_duty(self, attorney: Attorney, on_duty: bool) -> None:
        """Profile flag and the duty items of every coverage pair, in one transaction."""
        item = AttorneyItem.get(f"ATTORNEY#{attorney.id}", "PROFILE", consistent_read=True)

        def body(tx: TransactWrite) -> None:
            condition = AttorneyItem.active == True if on_duty else None  # noqa: E712
            tx.update(item, actions=[AttorneyItem.on_duty.set(on_duty)], condition=condition)
            for cat in sorted(item.categories or ()):
                for reg in sorted(item.regions or ()):
                    duty = DutyItem(f"DUTY#{cat}#{reg}", f"ATTORNEY#{attorney.id}", attorney_id=attorney.id)
                    if on_duty:
                        tx.save(duty)
                    else:
                        tx.delete(duty)
        _run(body, self.connection)

    def release_busy(self, attorney_id: str, consultation_id: str) -> None:
        try:
            BusyItem(*_busy_key(attorney_id)).delete(condition=BusyItem.consultation_id == consultation_id)
        except Exception:  # noqa: BLE001 - someone else's busy state: leave it
            pass

    # --- offers ----------------------------------------------------------------------------------

    def offer(self, offer_id: str) -> Offer | None:
        try:
            return _offer_of(OfferItem.get(*_offer_key(offer_id), consistent_read=True))
        except DoesNotExist:
            return None

    def pending_of(self, attorney_id: str) -> list[Offer]:
        return [_offer_of(i) for i in OfferItem.by_attorney.query(f"PENDING_OFFERS#{attorney_id}")]

    def due(self, now: datetime, limit: int = 100) -> list[Offer]:
        items = OfferItem.due.query("PENDING_OFFERS", OfferItem.gsi2sk <= f"{_stamp(now)}#~", limit=limit)
        return [_offer_of(i) for i in items]

    def create_offer(self, offer: Offer, request: RealtimeRequest, now: datetime) -> None:
        """Offer, consultation submitted → offered, request tried += attorney, queue entry offered,
        attorney busy until the deadline: one transaction (``ChangedMeanwhileError`` if raced)."""
        deadline = _stamp(offer.deadline)
        item = OfferItem(*_offer_key(offer.id), gsi1pk=f"PENDING_OFFERS#{offer.attorney_id}", gsi1sk=deadline,
                         gsi2pk="PENDING_OFFERS", gsi2sk=f"{deadline}#{offer.id}", offer_id=offer.id,
                         consultation_id=offer.consultation_id, attorney_id=offer.attorney_id,
                         category=offer.category, region=offer.region, method=offer.method,
                         offered_at=offer.offered_at, deadline=deadline, attempt=offer.attempt,
                         reason=offer.reason, status=OfferStatus.PENDING.value)
        state = RealtimeItem(*_request_key(request.consultation_id))
        entry = QueueItem(*_queue_key(request.category, request.queued_at, request.consultation_id))
        consultation = ConsultationItem(*_consultation_key(offer.consultation_id))
        busy = BusyItem(*_busy_key(offer.attorney_id), consultation_id=offer.consultation_id, kind="offer",
                        until=deadline)

        def body(tx: TransactWrite) -> None:
            tx.save(item, condition=OfferItem.pk.does_not_exist())
            tx.update(consultation, actions=[ConsultationItem.status.set(Status.OFFERED.value),
                                             ConsultationItem.updated_at.set(now)],
                      condition=ConsultationItem.status == Status.SUBMITTED.value)
            tx.update(state, actions=[RealtimeItem.tried.set(list(request.tried) + [offer.attorney_id]),
                                      RealtimeItem.current_offer.set(offer.id)],
                      condition=RealtimeItem.current_offer.does_not_exist() & (RealtimeItem.failed == False)  # noqa: E712
                      & (RealtimeItem.matched == False) & (RealtimeItem.tried == list(request.tried)))  # noqa: E712
            tx.update(entry, actions=[QueueItem.offered.set(True)], condition=QueueItem.pk.exists())
            tx.save(busy, condition=BusyItem.pk.does_not_exist() | (BusyItem.until <= _stamp(now)))
        _run(body, self.connection)

    def close_offer(self, offer: Offer, target: OfferStatus, now: datetime,
                    request: RealtimeRequest) -> None:
        """A pending offer declined / expired / withdrawn: the consultation back to submitted,
        the request without a current offer, the attorney no longer busy with it. One transaction."""
        item = OfferItem(*_offer_key(offer.id))
        state = RealtimeItem(*_request_key(offer.consultation_id))
        entry = QueueItem(*_queue_key(request.category, request.queued_at, request.consultation_id))
        consultation = ConsultationItem(*_consultation_key(offer.consultation_id))

        def body(tx: TransactWrite) -> None:
            tx.update(item, actions=[OfferItem.status.set(target.value), OfferItem.answered_at.set(now),
                                     OfferItem.gsi1pk.remove(), OfferItem.gsi1sk.remove(),
                                     OfferItem.gsi2pk.remove(), OfferItem.gsi2sk.remove()],
                      condition=OfferItem.status == OfferStatus.PENDING.value)
            tx.update(consultation, actions=[ConsultationItem.status.set(Status.SUBMITTED.value),
                                             ConsultationItem.updated_at.set(now)],
                      condition=ConsultationItem.status == Status.OFFERED.value)
            tx.update(state, actions=[RealtimeItem.current_offer.remove()],
                      condition=RealtimeItem.current_offer == offer.id)
            tx.update(entry, actions=[QueueItem.offered.set(False)], condition=QueueItem.pk.exists())
            tx.delete(BusyItem(*_busy_key(offer.attorney_id)),
                      condition=BusyItem.consultation_id == offer.consultation_id)
        _run(body, self.connection)

    def accept(self, offer: Offer, request: RealtimeRequest, now: datetime, *, year: int, cap: int,
               busy_until: datetime) -> None:
        """First valid accept wins, in ONE transaction: offer pending → accepted (the offered attorney,
        before the deadline), consultation offered → matched with the attorney (and listed under them),
        the load counter +1 under the cap, the attorney busy with it, the request out of the queue."""
        item = OfferItem(*_offer_key(offer.id))
        state = RealtimeItem(*_request_key(offer.consultation_id))
        entry = QueueItem(*_queue_key(request.category, request.queued_at, request.consultation_id))
        consultation = ConsultationItem(*_consultation_key(offer.consultation_id))
        sort_key = self.sort_key(offer.consultation_id) or ""

        scope: dict[str, Any] = {}

        def body(tx: TransactWrite) -> None:
            tx.update(item, actions=[OfferItem.status.set(OfferStatus.ACCEPTED.value), OfferItem.answered_at.set(now),
                                     OfferItem.gsi1pk.remove(), OfferItem.gsi1sk.remove(),
                                     OfferItem.gsi2pk.remove(), OfferItem.gsi2sk.remove()],
                      condition=(OfferItem.status == OfferStatus.PENDING.value)
                      & (OfferItem.attorney_id == offer.attorney_id) & (OfferItem.deadline > _stamp(now)))
            tx.update(consultation, actions=[
                ConsultationItem.status.set(Status.MATCHED.value), ConsultationItem.updated_at.set(now),
                ConsultationItem.attorney_id.set(offer.attorney_id),
                ConsultationItem.gsi2pk.set(f"ASSIGNED#{offer.attorney_id}"),
                ConsultationItem.gsi2sk.set(sort_key)],
                condition=ConsultationItem.status == Status.OFFERED.value)
            ranking.add_counted_increment(tx, scope["counter"], now, cap)
            tx.update(BusyItem(*_busy_key(offer.attorney_id)),
                      actions=[BusyItem.kind.set("consultation"), BusyItem.until.set(_stamp(busy_until))],
                      condition=BusyItem.consultation_id == offer.consultation_id)
            tx.update(state, actions=[RealtimeItem.current_offer.remove(), RealtimeItem.matched.set(True)],
                      condition=RealtimeItem.current_offer == offer.id)
            tx.delete(entry)
        _run_counted(body, self.connection, lambda: {"counter": ranking.current(offer.attorney_id, year)},
                     lambda read: read["counter"][1].assignments_this_year >= cap, scope)

    def reassign(self, consultation_id: str, sort_key: str, previous: str | None, attorney_id: str,
                 expected: Status, now: datetime, *, year: int, cap: int,
                 previous_year: int | None, reason: dict[str, object]) -> None:
        """An admin's manual assignment: the consultation to ``attorney_id`` (matched), the load moved,
        the reason recorded (``pk=CONSULTATION#<id>``, ``sk=ASSIGNMENT#<at>``), in one transaction."""
        consultation = ConsultationItem(*_consultation_key(consultation_id))
        record = AssignmentItem(f"CONSULTATION#{consultation_id}", f"ASSIGNMENT#{_stamp(now)}",
                                attorney_id=attorney_id, previous_attorney_id=previous, reason=reason)

        scope: dict[str, Any] = {}

        def read() -> dict[str, Any]:
            found = {"state": ranking.current(attorney_id, year)}
            if previous is not None and previous_year is not None:
                found["previous"] = ranking.current(previous, previous_year)
            return found

        def body(tx: TransactWrite) -> None:
            tx.update(consultation, actions=[
                ConsultationItem.status.set(Status.MATCHED.value), ConsultationItem.updated_at.set(now),
                ConsultationItem.attorney_id.set(attorney_id),
                ConsultationItem.gsi2pk.set(f"ASSIGNED#{attorney_id}"), ConsultationItem.gsi2sk.set(sort_key)],
                condition=ConsultationItem.status == expected.value)
            ranking.add_counted_increment(tx, scope["state"], now, cap)
            before = scope.get("previous")
            if before is not None:
                ranking.add_counted_decrement(tx, before)
            tx.save(record, condition=AssignmentItem.pk.does_not_exist())
        _run_counted(body, self.connection, read,
                     lambda found: found["state"][1].assignments_this_year >= cap, scope)

    def mark_matched(self, request: RealtimeRequest) -> None:
        """Assigned by hand: the request leaves the queue."""
        def body(tx: TransactWrite) -> None:
            tx.update(RealtimeItem(*_request_key(request.consultation_id)),
                      actions=[RealtimeItem.matched.set(True)])
            tx.delete(QueueItem(*_queue_key(request.category, request.queued_at, request.consultation_id)))
        _run(body, self.connection)

    # --- acceptance times -----------------------------------------------------------------------

    def accept_seconds(self, category: str) -> list[float]:
        try:
            item = AcceptStatsItem.get(f"RTSTATS#{category}", "ACCEPT_SECONDS")
        except DoesNotExist:
            return []
        return [float(s) for s in (item.seconds or [])]

    def save_accept_seconds(self, category: str, samples: list[float]) -> None:
        AcceptStatsItem(f"RTSTATS#{category}", "ACCEPT_SECONDS", seconds=samples).save()


def _request_of(item: RealtimeItem) -> RealtimeRequest:
    return RealtimeRequest(consultation_id=item.consultation_id, category=item.category, region=item.region,
                           queued_at=item.queued_at, tried=tuple(item.tried or ()),
                           current_offer=item.current_offer, failed=bool(item.failed),
                           move_on_reason=MoveOnReason(item.move_on_reason) if item.move_on_reason else None,
                           matched=bool(item.matched))


def _offer_of(item: OfferItem) -> Offer:
    return Offer(id=item.offer_id, consultation_id=item.consultation_id, attorney_id=item.attorney_id,
                 category=item.category, region=item.region, method=item.method, offered_at=item.offered_at,
                 deadline=datetime.strptime(item.deadline, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=_UTC),
                 attempt=int(item.attempt), reason=dict(item.reason or {}), status=OfferStatus(item.status),
                 answered_at=item.answered_at)


__all__ = [
    "AcceptStatsItem",
    "BusyItem",
    "ChangedMeanwhileError",
    "DutyItem",
    "DynamoRealtimeStore",
    "OfferItem",
    "QueueItem",
    "RealtimeItem",
]

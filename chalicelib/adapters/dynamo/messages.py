"""Consultation rooms in DynamoDB: messages, the thread's bookkeeping, signalling, outcomes.

Items (main table):
- message: ``pk=THREAD#<consultation id>``, ``sk=MSG#<cursor>``; ``side``, ``sent_at``, the text
  sealed in ``sealed`` (field cipher, entity ``message``, record id = the cursor). Polling
  is one Query ``pk = THREAD#<id> AND sk BETWEEN MSG#<since> AND MSG#~``.
- thread: ``pk=THREAD#<consultation id>``, ``sk=META`` (sorts before every ``MSG#``):
  ``last_cursor``, per side ``read_<side>`` and ``unread_<side>`` (messages of the other
  side not read yet), ``closed``, and while a resident's message waits for an answer
  ``waiting_since`` plus the sparse index ``gsi1pk=THREADS#WAITING``,
  ``gsi1sk=<waiting since, UTC>#<consultation id>`` (the nudge job queries it).
- rate counter: ``pk=RATE#<sender subject>``, ``sk=MSG#<UTC minute>``, TTL 2 minutes later.
- signal: ``pk=SIGNAL#<consultation id>``, ``sk=<cursor>``; ``side``, ``type``, the payload
  sealed (entity ``signal``); TTL ``signal_ttl_seconds``.
- outcome: ``pk=CONSULTATION#<id>``, ``sk=OUTCOME``; ``outcome`` in plaintext (statistics),
  the note sealed (entity ``outcome``); ``gsi3pk=OUTCOMES#<UTC month>``, ``gsi3sk=<at>#<id>``.

A post is one transaction (rate counter, thread, message): the thread item is
conditioned on ``last_cursor < cursor``, so cursors are committed in order and a
reader polling with ``since`` never skips a message that commits late.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.base import MAIN, ConnectedStore, Gsi1, Gsi1Keys, Gsi3, Gsi3Keys, KeyedItem
from chalicelib.domain.rooms import (
    MessageRateLimitedError,
    Outcome,
    OutcomeAlreadyRecordedError,
    OutcomeRecord,
    SealedMessage,
    Side,
    Signal,
    SignalType,
    ThreadClosedError,
    ThreadState,
    new_cursor,
)

WAITING = "THREADS#WAITING"
META = "META"
_ATTEMPTS = 5


class MessageItem(KeyedItem, table=MAIN):
    consultation_id = UnicodeAttribute()
    message_id = UnicodeAttribute()
    side = UnicodeAttribute()
    sealed = BinaryAttribute(legacy_encoding=False)
    sent_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute(null=True)


class ThreadItem(KeyedItem, Gsi1Keys, table=MAIN):
    waiting = Gsi1()

    consultation_id = UnicodeAttribute(null=True)
    closed = BooleanAttribute(null=True)
    last_cursor = UnicodeAttribute(null=True)
    read_resident = UnicodeAttribute(null=True)
    read_attorney = UnicodeAttribute(null=True)
    unread_resident = NumberAttribute(null=True)
    unread_attorney = NumberAttribute(null=True)
    waiting_since = UTCDateTimeAttribute(null=True)
    nudged_at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class RateItem(KeyedItem, table=MAIN):
    count = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class SignalItem(KeyedItem, table=MAIN):
    side = UnicodeAttribute()
    type = UnicodeAttribute()
    sealed = BinaryAttribute(legacy_encoding=False)
    sent_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()


class OutcomeItem(KeyedItem, Gsi3Keys, table=MAIN):
    by_month = Gsi3()

    consultation_id = UnicodeAttribute()
    attorney_id = UnicodeAttribute()
    outcome = UnicodeAttribute()
    recorded_at = UTCDateTimeAttribute()
    note = BinaryAttribute(legacy_encoding=False, null=True)


def _thread_pk(consultation_id: str) -> str:
    return f"THREAD#{consultation_id}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _read_attr(side: Side) -> Any:
    return ThreadItem.read_resident if side is Side.RESIDENT else ThreadItem.read_attorney


def _unread_attr(side: Side) -> Any:
    return ThreadItem.unread_resident if side is Side.RESIDENT else ThreadItem.unread_attorney


def _state(consultation_id: str, item: ThreadItem) -> ThreadState:
    return ThreadState(
        consultation_id, closed=bool(item.closed), last_cursor=item.last_cursor,
        read={Side.RESIDENT: item.read_resident, Side.ATTORNEY: item.read_attorney},
        unread={Side.RESIDENT: int(item.unread_resident or 0), Side.ATTORNEY: int(item.unread_attorney or 0)},
        waiting_since=item.waiting_since)


class DynamoThreadStore(ConnectedStore):
    # --- messages -----------------------------------------------------------------------------

    def post(self, message: SealedMessage, *, rate_key: str, rate_limit: int, now: datetime,
             retention: timedelta) -> str:
        cursor = message.cursor
        minute = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        for _ in range(_ATTEMPTS):
            rate = RateItem(f"RATE#{rate_key}", f"MSG#{minute}")
            thread = ThreadItem(_thread_pk(message.consultation_id), META)
            side, other = message.side, message.side.other
            actions: list[Any] = [
                ThreadItem.consultation_id.set(message.consultation_id),
                ThreadItem.last_cursor.set(cursor),
                _unread_attr(other).add(1),
                _read_attr(side).set(cursor), _unread_attr(side).set(0),  # replying reads what came before
            ]
            if side is Side.RESIDENT:
                actions += [ThreadItem.waiting_since.set(ThreadItem.waiting_since | now),
                            ThreadItem.gsi1pk.set(ThreadItem.gsi1pk | WAITING),
                            ThreadItem.gsi1sk.set(ThreadItem.gsi1sk | f"{_stamp(now)}#{message.consultation_id}")]
            else:
                actions += [ThreadItem.waiting_since.remove(), ThreadItem.gsi1pk.remove(),
                            ThreadItem.gsi1sk.remove(), ThreadItem.nudged_at.remove()]
            open_and_in_order = ((ThreadItem.closed.does_not_exist() | (ThreadItem.closed == False))  # noqa: E712
                                 & (ThreadItem.last_cursor.does_not_exist() | (ThreadItem.last_cursor < cursor)))
            item = MessageItem(_thread_pk(message.consultation_id), f"MSG#{cursor}",
                               consultation_id=message.consultation_id, message_id=message.id,
                               side=message.side.value,
                               sealed=message.sealed, sent_at=message.sent_at,
                               expires_at=_epoch(message.sent_at + retention))
            try:
                with TransactWrite(connection=self.connection) as tx:
                    tx.update(rate, actions=[RateItem.count.add(1),
                                             RateItem.expires_at.set(_epoch(now + timedelta(minutes=2)))],
                              condition=RateItem.count.does_not_exist() | (RateItem.count < rate_limit))
                    tx.update(thread, actions=actions, condition=open_and_in_order)
                    tx.save(item, condition=MessageItem.pk.does_not_exist())
                return cursor
            except TransactWriteError as exc:
                codes = [r.code if r is not None else None for r in (exc.cancellation_reasons or [])]
                if len(codes) != 3:
                    raise
                # pynamodb sends puts before updates: [message, rate counter, thread]
                failed_message, failed_rate, failed_thread = (code == "ConditionalCheckFailed" for code in codes)
                if failed_rate:
                    raise MessageRateLimitedError(rate_limit) from None
                if failed_thread:
                    state = self.state(message.consultation_id)
                    if state.closed:
                        raise ThreadClosedError() from None
                    cursor = new_cursor(now, state.last_cursor)  # someone committed a later cursor first
                    message = replace(message, cursor=cursor)
                    continue
                if failed_message or "TransactionConflict" in codes:
                    cursor = new_cursor(now, cursor)
                    message = replace(message, cursor=cursor)
                    continue
                raise
        raise RuntimeError("could not post the message: the thread kept changing")

    def messages(self, consultation_id: str, since: str | None, limit: int) -> list[SealedMessage]:
        low = f"MSG#{since}" if since else "MSG#"
        found = MessageItem.query(_thread_pk(consultation_id), MessageItem.sk.between(low, "MSG#~"),
                                  consistent_read=True, limit=limit + 1)
        out = []
        for item in found:
            cursor = item.sk.removeprefix("MSG#")
            if since and cursor <= since:
                continue
            out.append(SealedMessage(cursor, item.message_id, consultation_id, Side(item.side), bytes(item.sealed),
                                     item.sent_at))
            if len(out) == limit:
                break
        return out

    def state(self, consultation_id: str) -> ThreadState:
        try:
            item = ThreadItem.get(_thread_pk(consultation_id), META, consistent_read=True)
        except ThreadItem.DoesNotExist:
            return ThreadState(consultation_id)
        return _state(consultation_id, item)

    def mark_read(self, consultation_id: str, side: Side, until: str) -> ThreadState:
        for _ in range(_ATTEMPTS):
            state = self.state(consultation_id)
            current = state.read_by(side)
            if current is not None and current >= until:
                return state
            # messages of the other side after ``until`` stay unread (usually none: no query then)
            still = 0 if state.last_cursor is None or until >= state.last_cursor else \
                sum(1 for m in self.messages(consultation_id, until, 1000) if m.side is side.other)
            thread = ThreadItem(_thread_pk(consultation_id), META)
            condition = (ThreadItem.last_cursor == state.last_cursor if state.last_cursor
                         else ThreadItem.last_cursor.does_not_exist())
            try:
                thread.update(actions=[_read_attr(side).set(until), _unread_attr(side).set(still),
                                       ThreadItem.consultation_id.set(consultation_id)],
                              condition=condition)
                return _state(consultation_id, thread)  # the update returned the whole item
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
        return self.state(consultation_id)

    def close(self, consultation_id: str) -> None:
        ThreadItem(_thread_pk(consultation_id), META).update(actions=[
            ThreadItem.closed.set(True), ThreadItem.consultation_id.set(consultation_id),
            ThreadItem.gsi1pk.remove(), ThreadItem.gsi1sk.remove()])

    # --- nudges -------------------------------------------------------------------------------

    def waiting(self, older_than: datetime, limit: int = 100) -> list[tuple[str, datetime]]:
        found = ThreadItem.waiting.query(WAITING, ThreadItem.gsi1sk < _stamp(older_than), limit=limit)
        out = []
        for item in found:
            stamp, _, consultation_id = item.gsi1sk.partition("#")
            out.append((consultation_id, datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")
                        .replace(tzinfo=UTC)))
        return out

    def mark_nudged(self, consultation_id: str, waiting_since: datetime, now: datetime) -> bool:
        try:
            ThreadItem(_thread_pk(consultation_id), META).update(
                actions=[ThreadItem.gsi1pk.remove(), ThreadItem.gsi1sk.remove(), ThreadItem.nudged_at.set(now)],
                condition=ThreadItem.gsi1sk == f"{_stamp(waiting_since)}#{consultation_id}")
            return True
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise

    # --- signalling ---------------------------------------------------------------------------

    def erase(self, consultation_id: str) -> int:
        """Delete a thread's messages and signals and the outcome note (the resident left); returns how
        many. Idempotent: a retry after a failure finishes the job."""
        doomed = [(i.pk, i.sk)
                  for i in MessageItem.query(_thread_pk(consultation_id), MessageItem.sk.startswith("MSG#"))]
        doomed += [(i.pk, i.sk) for i in SignalItem.query(f"SIGNAL#{consultation_id}")]
        with MessageItem.batch_write() as batch:
            for pk, sk in doomed:
                batch.delete(MessageItem(pk, sk))
        try:  # the attorney's outcome note about the person; the outcome code stays for the statistics
            OutcomeItem(f"CONSULTATION#{consultation_id}", "OUTCOME").update(
                actions=[OutcomeItem.note.remove()], condition=OutcomeItem.note.exists())
            doomed.append(("OUTCOME", "note"))
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
        return len(doomed)

    def add_signal(self, signal: Signal, ttl: timedelta) -> None:
        SignalItem(f"SIGNAL#{signal.consultation_id}", signal.cursor, side=signal.side.value,
                   type=signal.type.value, sealed=signal.sealed, sent_at=signal.sent_at,
                   expires_at=_epoch(signal.sent_at + ttl)).save(condition=SignalItem.pk.does_not_exist())

    def signals(self, consultation_id: str, since: str | None, now: datetime) -> list[Signal]:
        kwargs: dict[str, Any] = {"consistent_read": True, "limit": 200}
        if since:
            kwargs["range_key_condition"] = SignalItem.sk > since
        out = []
        for item in SignalItem.query(f"SIGNAL#{consultation_id}", **kwargs):
            if int(item.expires_at) < now.timestamp():
                continue  # TTL deletes lazily
            out.append(Signal(item.sk, consultation_id, Side(item.side), SignalType(item.type),
                              bytes(item.sealed), item.sent_at))
        return out

    # --- outcomes -----------------------------------------------------------------------------

    def save_outcome(self, record: OutcomeRecord, unload: tuple[str, int] | None = None) -> None:
        at = record.recorded_at.astimezone(UTC)
        item = OutcomeItem(f"CONSULTATION#{record.consultation_id}", "OUTCOME",
                           gsi3pk=f"OUTCOMES#{at:%Y-%m}", gsi3sk=f"{_stamp(at)}#{record.consultation_id}",
                           consultation_id=record.consultation_id, attorney_id=record.attorney_id,
                           outcome=record.outcome.value, recorded_at=record.recorded_at, note=record.sealed_note)
        if unload is not None:  # a no-show: the outcome and the attorney's count, in one transaction
            from chalicelib.adapters.dynamo.loads import LoadItem, load_key

            try:
                with TransactWrite(connection=self.connection) as tx:
                    tx.save(item, condition=OutcomeItem.pk.does_not_exist())
                    tx.update(LoadItem(*load_key(*unload)), actions=[LoadItem.assignments.add(-1)],
                              condition=LoadItem.assignments > 0)
            except TransactWriteError as exc:
                codes = [r.code if r is not None else None for r in exc.cancellation_reasons or []]
                if codes and codes[0] == "ConditionalCheckFailed":
                    raise OutcomeAlreadyRecordedError() from None
                if codes and codes[1:] == ["ConditionalCheckFailed"]:  # nothing counted: just the outcome
                    return self.save_outcome(record)
                raise
            return None
        try:
            item.save(condition=OutcomeItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise OutcomeAlreadyRecordedError() from None
            raise

    def outcome(self, consultation_id: str) -> OutcomeRecord | None:
        item = OutcomeItem.find(f"CONSULTATION#{consultation_id}", "OUTCOME", consistent_read=True)
        if item is None:
            return None
        return OutcomeRecord(item.consultation_id, item.attorney_id, Outcome(item.outcome), item.recorded_at,
                             bytes(item.note) if item.note is not None else None)


__all__ = [
    "DynamoThreadStore",
    "MessageItem",
    "OutcomeItem",
    "RateItem",
    "SignalItem",
    "SignalType",
    "ThreadItem",
]

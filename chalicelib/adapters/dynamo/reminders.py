"""Reminders in DynamoDB.

Item (main table): ``pk=REMINDER#<booking id>``, ``sk=<signed offset>#<channel>``
with ``consultation_id``, ``attorney_id``, ``start``, ``due_at``, and while it
is pending ``gsi3pk=DUE#REMINDER`` / ``gsi3sk=<due_at>#<booking>#<offset>#<channel>``.
Marking a reminder sent removes the index keys (a sparse index): the job's one
query ``gsi3pk=DUE#REMINDER, gsi3sk <= now`` reads only pending, due reminders,
however many bookings the table holds. TTL ``expires_at`` 30 days after the
consultation.

Claim: ``claim_token``/``claimed_until`` set on the condition that the reminder
is pending and not claimed by a live lease. Mark sent and release are
conditioned on holding the claim.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.base import MAIN, Gsi3, Gsi3Keys, KeyedItem
from chalicelib.domain.reminders import Channel, Reminder

DUE_PARTITION = "DUE#REMINDER"
RETENTION = timedelta(days=30)


class ReminderItem(KeyedItem, Gsi3Keys, table=MAIN):
    due_index = Gsi3()

    booking_id = UnicodeAttribute()
    consultation_id = UnicodeAttribute()
    attorney_id = UnicodeAttribute()
    start = UTCDateTimeAttribute()
    offset_minutes = NumberAttribute()
    channel = UnicodeAttribute()
    due_at = UTCDateTimeAttribute()
    claim_token = UnicodeAttribute(null=True)
    claimed_until = UTCDateTimeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    expires_at = NumberAttribute()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _item(r: Reminder) -> ReminderItem:
    pk, sk = r.key
    return ReminderItem(pk, sk, gsi3pk=DUE_PARTITION,
                        gsi3sk=f"{_iso(r.due_at)}#{r.booking_id}#{r.offset_minutes:+06d}#{r.channel.value}",
                        booking_id=r.booking_id, consultation_id=r.consultation_id, attorney_id=r.attorney_id,
                        start=r.start, offset_minutes=r.offset_minutes, channel=r.channel.value, due_at=r.due_at,
                        attempts=0, expires_at=int((r.start + RETENTION).timestamp()))


def add_reminder(tx: TransactWrite, reminder: Reminder) -> None:
    """Put one of a booking's reminders into the transaction that records the booking."""
    tx.save(_item(reminder))


def drop_reminder(tx: TransactWrite, key: tuple[str, str]) -> None:
    """Delete one reminder (sent or not) in the transaction that ends or moves its booking."""
    tx.delete(ReminderItem(*key))


def _to_domain(item: ReminderItem) -> Reminder:
    return Reminder(item.booking_id, item.consultation_id, item.attorney_id, item.start,
                    int(item.offset_minutes), Channel(item.channel), item.due_at)


class DynamoReminderStore:
    def schedule(self, reminders: Iterable[Reminder]) -> None:
        with ReminderItem.batch_write() as batch:
            for reminder in reminders:
                batch.save(_item(reminder))

    def cancel(self, keys: Iterable[tuple[str, str]]) -> int:
        """Delete the reminders of these keys that are not sent yet (sent ones stay as the record)."""
        cancelled = 0
        for key in keys:
            try:
                ReminderItem(*key).delete(condition=ReminderItem.sent_at.does_not_exist())
                cancelled += 1
            except DeleteError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
        return cancelled

    def due(self, now: datetime, limit: int = 100) -> list[Reminder]:
        query = ReminderItem.due_index.query(DUE_PARTITION, ReminderItem.gsi3sk <= _iso(now) + "~", limit=limit)
        return [_to_domain(i) for i in query]

    def claim(self, reminder: Reminder, now: datetime, lease: timedelta) -> str | None:
        token = uuid.uuid4().hex
        item = ReminderItem(*reminder.key)
        try:
            item.update(actions=[ReminderItem.claim_token.set(token),
                                 ReminderItem.claimed_until.set(now + lease),
                                 ReminderItem.attempts.add(1)],
                        condition=ReminderItem.gsi3pk.exists() & ReminderItem.sent_at.does_not_exist()
                        & (ReminderItem.claimed_until.does_not_exist() | (ReminderItem.claimed_until < now)))
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return token

    def mark_sent(self, reminder: Reminder, token: str, now: datetime, message_id: str) -> bool:
        item = ReminderItem(*reminder.key)
        try:
            item.update(actions=[ReminderItem.sent_at.set(now), ReminderItem.message_id.set(message_id),
                                 ReminderItem.gsi3pk.remove(), ReminderItem.gsi3sk.remove(),
                                 ReminderItem.claimed_until.remove()],
                        condition=ReminderItem.claim_token == token)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, reminder: Reminder, token: str) -> None:
        item = ReminderItem(*reminder.key)
        try:
            item.update(actions=[ReminderItem.claimed_until.remove(), ReminderItem.claim_token.remove()],
                        condition=ReminderItem.claim_token == token)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def sent_at(self, reminder: Reminder) -> datetime | None:
        item = ReminderItem.find(*reminder.key, consistent_read=True)
        return item.sent_at if item is not None else None

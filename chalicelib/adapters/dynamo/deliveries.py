"""Resident message deliveries, their statistics, per-recipient allowances and receipt numbers.

Items (main table):

- ``pk=DELIVERY#<event key>``, ``sk=DELIVERY``: one per event (the exactly-once claim), with the
  event, template, channel, result, the channel's message id and the recipient's keyed hash; never
  a phone number or a text. While queued for the end of quiet hours it carries the variables and
  ``gsi3pk=DUE#DELIVERY`` / ``gsi3sk=<due_at>#<key>`` (a sparse index, as reminders). TTL 400 days.
- ``pk=DELIVERYSTAT#<yyyy-mm>``, ``sk=<template>#<channel>#<result>``: ``n`` counted with ADD.
- ``pk=ALLOWANCE#<recipient hash>``, ``sk=<yyyy-mm-dd>``: messages taken today (ADD under the limit).
- ``pk=REPLYALERT#<consultation id>``, ``sk=REPLYALERT``: when the resident was last told of a new chat
  message and their read cursor then (``take_reply_alert``'s conditional write). TTL 400 days.
- ``pk=COUNTER#RECEIPT``, ``sk=<yymm>``: the month's last receipt number (atomic ADD), so that
  receipts ``<yymm>-<nnnn>`` are unique and short.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, UpdateError

from chalicelib.adapters.dynamo.base import MAIN, Gsi3, Gsi3Keys, KeyedItem
from chalicelib.domain.deliveries import Delivery, Result

DUE_PARTITION = "DUE#DELIVERY"
RESULT_PARTITION = "RESULT#DELIVERY"  # accepted 알림톡 awaiting their delivery report
KOREA = ZoneInfo("Asia/Seoul")  # statistics are per month in Korea time, as the console's
RETENTION = timedelta(days=400)


class DeliveryItem(KeyedItem, Gsi3Keys, table=MAIN):
    due_index = Gsi3()

    consultation_id = UnicodeAttribute()
    event = UnicodeAttribute()
    language = UnicodeAttribute(null=True)
    variables = UnicodeAttribute(null=True)  # JSON, while queued only
    result = UnicodeAttribute()
    due_at = UTCDateTimeAttribute(null=True)
    template = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    recipient = UnicodeAttribute(null=True)
    fallback = UnicodeAttribute(null=True)
    claim_token = UnicodeAttribute(null=True)
    claimed_until = UTCDateTimeAttribute(null=True)
    marked_at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute()


class CountItem(KeyedItem, table=MAIN):
    n = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class ReplyAlertItem(KeyedItem, table=MAIN):
    sent_at = UTCDateTimeAttribute(null=True)
    read_marker = UnicodeAttribute(null=True)  # the resident's read cursor when last told ("-": none)
    expires_at = NumberAttribute(null=True)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _key(key: str) -> tuple[str, str]:
    return f"DELIVERY#{key}", "DELIVERY"


def _conditional(exc: PutError | UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


class DynamoDeliveryLedger:
    def _new(self, d: Delivery, now: datetime, **extra: object) -> DeliveryItem:
        return DeliveryItem(*_key(d.key), consultation_id=d.consultation_id, event=d.event,
                            result=d.result.value, expires_at=int((now + RETENTION).timestamp()), **extra)

    def claim(self, delivery: Delivery, now: datetime, *, retry_failed: bool = False) -> str | None:
        token = uuid.uuid4().hex
        item = self._new(Delivery(**{**delivery.__dict__, "result": Result.ACCEPTED}), now, claim_token=token)
        condition = DeliveryItem.pk.does_not_exist()
        if retry_failed:
            condition = condition | (DeliveryItem.result == Result.FAILED.value)
        try:
            item.save(condition=condition)
        except PutError as exc:
            if _conditional(exc):
                return None
            raise
        return token

    def queue(self, delivery: Delivery) -> bool:
        assert delivery.due_at is not None
        item = self._new(Delivery(**{**delivery.__dict__, "result": Result.QUEUED}), delivery.due_at,
                         due_at=delivery.due_at, variables=json.dumps(delivery.variables, ensure_ascii=False),
                         gsi3pk=DUE_PARTITION, gsi3sk=f"{_iso(delivery.due_at)}#{delivery.key}")
        try:
            item.save(condition=DeliveryItem.pk.does_not_exist())
        except PutError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def due(self, now: datetime, limit: int = 100) -> list[Delivery]:
        query = DeliveryItem.due_index.query(DUE_PARTITION, DeliveryItem.gsi3sk <= _iso(now) + "~", limit=limit)
        return [Delivery(key=i.pk.removeprefix("DELIVERY#"), consultation_id=i.consultation_id, event=i.event,
                         language=i.language or "", variables=json.loads(i.variables or "{}"),
                         result=Result(i.result), due_at=i.due_at) for i in query]

    def claim_queued(self, key: str, now: datetime, lease: timedelta) -> str | None:
        token = uuid.uuid4().hex
        try:
            DeliveryItem(*_key(key)).update(
                actions=[DeliveryItem.claim_token.set(token), DeliveryItem.claimed_until.set(now + lease)],
                condition=DeliveryItem.gsi3pk.exists() & (DeliveryItem.claimed_until.does_not_exist()
                                                          | (DeliveryItem.claimed_until < now)))
        except UpdateError as exc:
            if _conditional(exc):
                return None
            raise
        return token

    def mark(self, delivery: Delivery, token: str, now: datetime) -> bool:
        actions = [DeliveryItem.result.set(delivery.result.value), DeliveryItem.marked_at.set(now),
                   DeliveryItem.variables.remove(), DeliveryItem.claimed_until.remove()]
        if delivery.awaits_result:
            actions += [DeliveryItem.gsi3pk.set(RESULT_PARTITION),
                        DeliveryItem.gsi3sk.set(f"{_iso(now)}#{delivery.key}")]
        else:
            actions += [DeliveryItem.gsi3pk.remove(), DeliveryItem.gsi3sk.remove()]
        for attr, value in ((DeliveryItem.template, delivery.template), (DeliveryItem.channel, delivery.channel),
                            (DeliveryItem.message_id, delivery.message_id), (DeliveryItem.fallback, delivery.fallback),
                            (DeliveryItem.recipient, delivery.recipient), (DeliveryItem.language, delivery.language)):
            if value:
                actions.append(attr.set(value))
        try:
            DeliveryItem(*_key(delivery.key)).update(actions=actions, condition=DeliveryItem.claim_token == token)
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        stat = CountItem(f"DELIVERYSTAT#{now.astimezone(KOREA).strftime('%Y-%m')}",
                         f"{delivery.template or delivery.event}#{delivery.channel}#{delivery.result.value}")
        stat.update(actions=[CountItem.n.add(1)])
        return True

    def awaiting_result(self, limit: int = 100) -> list[Delivery]:
        query = DeliveryItem.due_index.query(RESULT_PARTITION, limit=limit)
        return [Delivery(key=i.pk.removeprefix("DELIVERY#"), consultation_id=i.consultation_id, event=i.event,
                         language=i.language or "", result=Result(i.result), template=i.template or "",
                         channel=i.channel or "", message_id=i.message_id or "", recipient=i.recipient or "",
                         fallback=i.fallback or "") for i in query]

    def settle(self, delivery: Delivery, now: datetime) -> bool:
        """Record a delivery report of a message that awaited one (moves its count too)."""
        try:
            DeliveryItem(*_key(delivery.key)).update(
                actions=[DeliveryItem.result.set(delivery.result.value), DeliveryItem.channel.set(delivery.channel),
                         DeliveryItem.gsi3pk.remove(), DeliveryItem.gsi3sk.remove()],
                condition=DeliveryItem.gsi3pk == RESULT_PARTITION)
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        month = f"DELIVERYSTAT#{now.astimezone(KOREA).strftime('%Y-%m')}"
        CountItem(month, f"{delivery.template}#alimtalk#{Result.ACCEPTED.value}").update(
            actions=[CountItem.n.add(-1)])
        CountItem(month, f"{delivery.template}#{delivery.channel}#{delivery.result.value}").update(
            actions=[CountItem.n.add(1)])
        return True

    def take_allowance(self, recipient: str, day: str, limit: int) -> bool:
        item = CountItem(f"ALLOWANCE#{recipient}", day)
        expires = int((datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(days=2)).timestamp())
        try:
            item.update(actions=[CountItem.n.add(1), CountItem.expires_at.set(expires)],
                        condition=CountItem.n.does_not_exist() | (CountItem.n < limit))
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def take_reply_alert(self, consultation_id: str, read_marker: str, now: datetime,
                         window: timedelta) -> bool:
        item = ReplyAlertItem(f"REPLYALERT#{consultation_id}", "REPLYALERT")
        marker = read_marker or "-"
        try:
            item.update(actions=[ReplyAlertItem.sent_at.set(now), ReplyAlertItem.read_marker.set(marker),
                                 ReplyAlertItem.expires_at.set(int((now + RETENTION).timestamp()))],
                        condition=ReplyAlertItem.sent_at.does_not_exist()
                        | (ReplyAlertItem.read_marker != marker) | (ReplyAlertItem.sent_at <= now - window))
        except UpdateError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def counts(self, month: str) -> dict[str, int]:
        return {i.sk: int(i.n or 0) for i in CountItem.query(f"DELIVERYSTAT#{month}")}


class DynamoReceiptCounter:
    def next(self, local_now: datetime) -> str:
        period = local_now.strftime("%y%m")
        item = CountItem("COUNTER#RECEIPT", period)
        item.update(actions=[CountItem.n.add(1)])
        return f"{period}-{int(item.n or 0):04d}"

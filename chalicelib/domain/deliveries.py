"""Deliveries of resident messages: the record kept of each, quiet hours, the ledger port.

A record holds what operations needs to see that a message went out (its
event, template, channel, result, the channel's message id) and a keyed hash
of the recipient, never the phone number or the text. A message due in quiet
hours is recorded as ``queued`` with the instant the quiet hours end, and the
variables it needs (a time, a link, a receipt number: nothing personal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo


class Result(StrEnum):
    QUEUED = "queued"          # waits for the end of the quiet hours
    ACCEPTED = "accepted"      # the channel took it; no delivery report yet
    DELIVERED = "delivered"    # the channel reported it delivered (알림톡, or its SMS/LMS failover)
    FAILED = "failed"          # neither the channel nor the fallback took it
    LIMITED = "limited"        # the recipient's daily limit was reached: not sent
    NO_RECIPIENT = "no_recipient"  # no phone number (erased, or never given)


@dataclass(frozen=True)
class Delivery:
    key: str                   # the event, e.g. "booking_confirmed:<booking id>": one message per key
    consultation_id: str
    event: str
    language: str
    variables: dict[str, str] = field(default_factory=dict)
    result: Result = Result.QUEUED
    due_at: datetime | None = None
    template: str = ""
    channel: str = ""
    message_id: str = ""
    recipient: str = ""        # HMAC-SHA256 of the phone number under the stage's key
    fallback: str = ""         # SMS or LMS: what a failed 알림톡 became (for its delivery result)

    @property
    def awaits_result(self) -> bool:
        """Accepted as 알림톡 without a delivery report yet: its result is fetched later."""
        return self.result is Result.ACCEPTED and self.channel == "alimtalk" and bool(self.message_id)


def quiet_until(now: datetime, start: time, end: time, tz: str) -> datetime | None:
    """When the quiet hours around ``now`` end (``None``: not quiet now). ``start`` > ``end``
    spans midnight (21:00-08:00)."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    clock = local.time()
    spans_midnight = start > end
    quiet = (clock >= start or clock < end) if spans_midnight else (start <= clock < end)
    if not quiet:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone)


class DeliveryLedger(Protocol):
    """Exactly once per key: ``claim`` (or ``queue``) first, send, then ``mark``."""

    def claim(self, delivery: Delivery, now: datetime, *, retry_failed: bool = False) -> str | None:
        """A token when this call owns the key; None when it was claimed before (with ``retry_failed``:
        unless that attempt failed on every channel - a reminder is tried again on the job's next run)."""
        ...

    def queue(self, delivery: Delivery) -> bool: ...

    def due(self, now: datetime, limit: int = 100) -> list[Delivery]: ...

    def claim_queued(self, key: str, now: datetime, lease: timedelta) -> str | None: ...

    def mark(self, delivery: Delivery, token: str, now: datetime) -> bool: ...

    def take_allowance(self, recipient: str, day: str, limit: int) -> bool: ...

    def take_reply_alert(self, consultation_id: str, read_marker: str, now: datetime,
                         window: timedelta) -> bool:
        """The right to alert the resident of a new chat message: taken (True) when none was taken for the
        consultation yet, when the resident has read the thread since the last one (``read_marker``, their
        read cursor, differs from the one noted then), or when the last one is ``window`` old. One
        conditional write: of parallel attorney messages, one alert."""
        ...

    def counts(self, month: str) -> dict[str, int]: ...

    def awaiting_result(self, limit: int = 100) -> list[Delivery]: ...

    def settle(self, delivery: Delivery, now: datetime) -> bool: ...

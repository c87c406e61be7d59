"""Reminders before a booked consultation: what is due, to whom, exactly once.

Each booking gets one reminder per (offset, channel): by default 24 hours and
1 hour before the start, by SMS and e-mail to the attorney and by SMS to the
resident; and a follow-up after the consultation's time asking the attorney
to record the outcome (a negative offset, attorney channels only). Each is its
own record so that a failing channel is retried alone.
Delivery is claim → send → mark sent: the claim is a lease (a conditional
write), so two runs never send the same reminder, and a run killed between
claim and send leaves a lease that expires and is taken again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class Channel(StrEnum):
    ATTORNEY_SMS = "attorney_sms"
    ATTORNEY_EMAIL = "attorney_email"
    RESIDENT_SMS = "resident_sms"


CHANNELS = tuple(Channel)
LEASE = timedelta(minutes=4)  # shorter than the job's 5-minute period: a lost run is retried by the next


@dataclass(frozen=True)
class Reminder:
    booking_id: str
    consultation_id: str
    attorney_id: str
    start: datetime
    offset_minutes: int
    channel: Channel
    due_at: datetime

    @property
    def key(self) -> tuple[str, str]:
        return reminder_key(self.booking_id, self.offset_minutes, self.channel)

    @property
    def is_follow_up(self) -> bool:
        """After the consultation: ask the attorney for the outcome."""
        return self.offset_minutes < 0


def reminder_key(booking_id: str, offset_minutes: int, channel: Channel | str) -> tuple[str, str]:
    return f"REMINDER#{booking_id}", f"{offset_minutes:+06d}#{Channel(channel).value}"


FOLLOW_UP_CHANNELS = (Channel.ATTORNEY_SMS, Channel.ATTORNEY_EMAIL)


def _channels(offset: int) -> tuple[Channel, ...]:
    return FOLLOW_UP_CHANNELS if offset < 0 else CHANNELS


def plan(booking_id: str, consultation_id: str, attorney_id: str, start: datetime,
         offsets_minutes: tuple[int, ...], now: datetime, *, follow_up_after: timedelta | None = None
         ) -> list[Reminder]:
    """The reminders of a booking made at ``now``; offsets already past are skipped.

    ``follow_up_after``: when set, a follow-up to the attorney that long after the start.
    """
    if start.utcoffset() is None or now.utcoffset() is None:
        raise ValueError("aware datetimes required")
    offsets = set(offsets_minutes)
    if follow_up_after is not None:
        offsets.add(-int(follow_up_after.total_seconds() // 60))
    reminders: list[Reminder] = []
    for offset in sorted(offsets, reverse=True):
        due = start - timedelta(minutes=offset)
        if due <= now:
            continue
        reminders.extend(Reminder(booking_id, consultation_id, attorney_id, start, offset, channel, due)
                         for channel in _channels(offset))
    return reminders


def all_keys(booking_id: str, offsets_minutes: tuple[int, ...],
             follow_up_after: timedelta | None = None) -> list[tuple[str, str]]:
    """Every key a booking's reminders can have (to delete them when it is cancelled)."""
    offsets = set(offsets_minutes)
    if follow_up_after is not None:
        offsets.add(-int(follow_up_after.total_seconds() // 60))
    return [reminder_key(booking_id, o, c) for o in sorted(offsets) for c in _channels(o)]


@dataclass(frozen=True)
class RunSummary:
    due: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # claimed by another run, or already sent
    overdue: int = 0  # still unsent more than the alarm threshold after their due time

    def as_dict(self) -> dict[str, int]:
        return {"due": self.due, "sent": self.sent, "failed": self.failed, "skipped": self.skipped,
                "overdue": self.overdue}


class ReminderStore(Protocol):
    """Scheduled reminders: claimed before sending (a lease), marked after, exactly once."""

    def schedule(self, reminders: Iterable[Reminder]) -> None: ...

    def cancel(self, keys: Iterable[tuple[str, str]]) -> int:
        """Cancel the unsent reminders with these keys; how many."""
        ...

    def due(self, now: datetime, limit: int = 100) -> list[Reminder]: ...

    def claim(self, reminder: Reminder, now: datetime, lease: timedelta) -> str | None: ...

    def mark_sent(self, reminder: Reminder, token: str, now: datetime, message_id: str) -> bool: ...

    def release(self, reminder: Reminder, token: str) -> None: ...

    def sent_at(self, reminder: Reminder) -> datetime | None: ...

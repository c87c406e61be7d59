"""Consultation rooms: the messenger thread, video signalling, the phone view and closing.

Pure domain: no AWS, no HTTP.

- A *thread* belongs to one consultation and has two sides: the resident who
  owns the consultation and the attorney assigned to it. Messages are ordered
  by a *cursor* (``<16-digit epoch microseconds>-<8 hex>``): a cursor sorts
  as text in the order messages were committed, and is what a page passes back
  as ``since`` to poll for what is new.
- Posting is allowed while the consultation is matched, booked or in
  progress; afterwards the thread is closed.
- Each side has a read cursor and an unread count (messages of the other side
  after its read cursor).
- The video room opens only for the two participants, around the booked slot
  (``opens_before`` earlier, ``closes_after`` later) or at once for a
  real-time match (matched / in progress).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.consultations import Consultation, Reader, Status
from chalicelib.domain.translation import Translation

MESSAGE_ENTITY = "message"  # field cipher entity of a message (record id: the message id)
SIGNAL_ENTITY = "signal"    # field cipher entity of a signalling payload (record id: its cursor)
OUTCOME_ENTITY = "outcome"  # field cipher entity of the attorney's closing note

POSTING_STATUSES = frozenset({Status.MATCHED, Status.BOOKED, Status.IN_PROGRESS})
REALTIME_OPEN_STATUSES = frozenset({Status.MATCHED, Status.IN_PROGRESS})

CURSOR = re.compile(r"^\d{16}-[0-9a-f]{8}$")
ZERO_CURSOR = "0" * 16 + "-00000000"


class Side(StrEnum):
    RESIDENT = "resident"
    ATTORNEY = "attorney"

    @property
    def other(self) -> Side:
        return Side.ATTORNEY if self is Side.RESIDENT else Side.RESIDENT


class SignalType(StrEnum):
    OFFER = "offer"
    ANSWER = "answer"
    CANDIDATE = "candidate"
    HANGUP = "hangup"


class Outcome(StrEnum):
    ADVICE_GIVEN = "advice_given"
    WAGE_COMPLAINT_REFERRAL = "wage_complaint_referral"          # Ministry of Employment and Labor
    REMEDY_APPLICATION_REFERRAL = "remedy_application_referral"  # Labor Relations Commission
    STATE_REPRESENTATION_REFERRAL = "state_representation_referral"  # state-appointed labor attorney
    FOLLOW_UP_NEEDED = "follow_up_needed"
    NO_SHOW = "no_show"  # the resident never came: it does not count towards the attorney's annual cap


def counts_towards_annual_cap(outcome: Outcome) -> bool:
    """The annual cap counts work done or under way. A booking (or a real-time match) takes a place
    on the attorney's count when it is made; closed with any outcome but a no-show it keeps it, and a
    no-show (the resident never came) gives it back, as a cancelled, declined, withdrawn or handed-back
    booking does."""
    return outcome is not Outcome.NO_SHOW


# --- errors -------------------------------------------------------------------------------------

class RoomError(Exception):
    """Base class of the rooms' refusals."""


class ThreadClosedError(RoomError):
    def __init__(self, status: Status | None = None) -> None:
        self.status = status
        super().__init__(status)


class NotYetConnectedError(RoomError):
    """No attorney is assigned to the consultation yet."""


class MessageRateLimitedError(RoomError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(limit)


class RoomClosedError(RoomError):
    """The video room is not open; ``reason``: "unassigned" (no attorney or no time yet), "not_yet"
    (it opens at ``opens_at``) or "passed"."""

    def __init__(self, opens_at: datetime | None, closes_at: datetime | None, reason: str) -> None:
        self.opens_at, self.closes_at, self.reason = opens_at, closes_at, reason
        super().__init__(reason)


class NotStartedYetError(RoomError):
    """Closing (recording the outcome) before the booked slot has started."""

    def __init__(self, starts_at: datetime) -> None:
        self.starts_at = starts_at
        super().__init__(starts_at.isoformat(timespec="minutes"))


class OutcomeAlreadyRecordedError(RoomError):
    """The outcome of this consultation was already recorded."""


class NotParticipantError(RoomError):
    """Only the two participants may take part (admins may read the thread)."""


# --- values -------------------------------------------------------------------------------------

def new_cursor(now: datetime, after: str | None = None) -> str:
    """A fresh cursor at ``now``, strictly after ``after`` when given."""
    micros = int(now.astimezone(UTC).timestamp() * 1_000_000)
    if after is not None:
        micros = max(micros, int(after[:16]) + 1)
    return f"{micros:016d}-{secrets.token_hex(4)}"


def cursor_time(cursor: str) -> datetime:
    return datetime.fromtimestamp(int(cursor[:16]) / 1_000_000, tz=UTC)



@dataclass(frozen=True)
class Message:
    cursor: str  # position in the thread
    id: str  # stable id (the cipher binds the text to it)
    consultation_id: str
    side: Side
    text: str  # the original, as written
    sent_at: datetime
    translation: Translation | None = None  # a machine translation for the other side, when needed
    untranslated: str | None = None  # why a thread needing translation has none: "unsupported" | "unavailable"


@dataclass(frozen=True)
class SealedMessage:
    cursor: str
    id: str
    consultation_id: str
    side: Side
    sealed: bytes
    sent_at: datetime


@dataclass(frozen=True)
class ThreadState:
    """The thread's bookkeeping item: per-side read cursors and unread counts."""

    consultation_id: str
    closed: bool = False
    last_cursor: str | None = None
    read: dict[Side, str | None] | None = None
    unread: dict[Side, int] | None = None
    waiting_since: datetime | None = None

    def unread_by(self, side: Side) -> int:
        return (self.unread or {}).get(side, 0)

    def read_by(self, side: Side) -> str | None:
        return (self.read or {}).get(side)


@dataclass(frozen=True)
class Signal:
    cursor: str
    consultation_id: str
    side: Side
    type: SignalType
    sealed: bytes
    sent_at: datetime


@dataclass(frozen=True)
class RoomWindow:
    opens_at: datetime | None  # None: open now (real-time match)
    closes_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        if self.opens_at is not None and now < self.opens_at:
            return False
        return not (self.closes_at is not None and now > self.closes_at)


@dataclass(frozen=True)
class OutcomeRecord:
    consultation_id: str
    attorney_id: str
    outcome: Outcome
    recorded_at: datetime
    sealed_note: bytes | None = None


# --- rules --------------------------------------------------------------------------------------

def side_of(reader: Reader | None) -> Side | None:
    if reader is Reader.OWNER:
        return Side.RESIDENT
    if reader is Reader.ATTORNEY:
        return Side.ATTORNEY
    return None


def check_can_post(consultation: Consultation) -> None:
    if consultation.status not in POSTING_STATUSES:
        raise ThreadClosedError(consultation.status)
    if not consultation.attorney_id:
        raise NotYetConnectedError()


def room_window(consultation: Consultation, booked: tuple[datetime, datetime] | None, *,
                opens_before: timedelta, closes_after: timedelta) -> RoomWindow | None:
    """When the video room is open; ``None``: not at all (not matched yet, or finished)."""
    if consultation.status not in POSTING_STATUSES or not consultation.attorney_id:
        return None
    if booked is not None:
        start, end = booked
        return RoomWindow(start - opens_before, end + closes_after)
    if consultation.status in REALTIME_OPEN_STATUSES:
        return RoomWindow(None, None)
    return None


def check_room_open(window: RoomWindow | None, now: datetime) -> None:
    if window is None:
        raise RoomClosedError(None, None, "unassigned")
    if not window.is_open(now):
        if window.opens_at is not None and now < window.opens_at:
            raise RoomClosedError(window.opens_at, window.closes_at, "not_yet")
        raise RoomClosedError(window.opens_at, window.closes_at, "passed")


# --- ports --------------------------------------------------------------------------------------

class ThreadStore(Protocol):
    def post(self, message: SealedMessage, *, rate_key: str, rate_limit: int, now: datetime,
             retention: timedelta) -> str:
        """Store ``message`` (its cursor may be moved later to keep the thread's order) and
        update the thread: the other side's unread count, the resident's waiting mark.
        Returns the stored cursor. Closed thread → ``ThreadClosedError``; the sender at
        ``rate_limit`` messages this minute → ``MessageRateLimitedError``."""
        ...

    def messages(self, consultation_id: str, since: str | None, limit: int) -> list[SealedMessage]: ...

    def state(self, consultation_id: str) -> ThreadState: ...

    def mark_read(self, consultation_id: str, side: Side, until: str) -> ThreadState: ...

    def close(self, consultation_id: str) -> None: ...

    def erase(self, consultation_id: str) -> int:
        """Delete the consultation's messages, signals and outcome note (its owner left); how many."""
        ...

    def waiting(self, older_than: datetime, limit: int = 100) -> list[tuple[str, datetime]]:
        """Threads whose resident message has waited since before ``older_than`` (not yet nudged)."""
        ...

    def mark_nudged(self, consultation_id: str, waiting_since: datetime, now: datetime) -> bool:
        """Claim the nudge for this waiting period (exactly once)."""
        ...

    def add_signal(self, signal: Signal, ttl: timedelta) -> None: ...

    def signals(self, consultation_id: str, since: str | None, now: datetime) -> list[Signal]: ...

    def save_outcome(self, record: OutcomeRecord, unload: tuple[str, int] | None = None) -> None:
        """Store once; again → ``OutcomeAlreadyRecordedError``. ``unload`` (attorney id, year): in the same
        write, take the consultation off that attorney's count for that year (a no-show)."""
        ...

    def outcome(self, consultation_id: str) -> OutcomeRecord | None: ...


class BookedSlots(Protocol):
    def __call__(self, consultation_id: str) -> tuple[datetime, datetime] | None: ...


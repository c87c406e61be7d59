"""Real-time offers: one attorney at a time is offered a waiting consultation.

Offer life cycle (``OFFER_TRANSITIONS`` is the whole truth)::

    pending ─→ accepted        (the offered attorney, before the deadline: first valid accept wins)
        ├───→ declined         (the offered attorney says no → the next attorney)
        ├───→ expired          (deadline passed, the offers job → the next attorney)
        └───→ withdrawn        (the window closed, or the attorney was deactivated / reassigned)

A real-time request (``RealtimeRequest``) waits in its category's queue
(oldest first) while it is offered to one attorney after another, never the
same one twice. It leaves the queue when an attorney accepts, or when it is
*moved on*: after ``Policy.max_offer_attempts`` offers, when nobody eligible
is left, or when the service window that was serving it closes. Moved on
means: the consultation stays ``submitted`` (same mode), ``realtime_failed``
is set, and the resident is told plainly — reservation link and the phone
line — so the request is not lost and can be booked.

Pure domain: every rule takes ``now``. The ports the real-time services (``services/realtime_queue.py``,
``services/duty.py``) work over are at the end: the store itself and what they need of the roster, the
load counters and the residents' messages.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Principal
from chalicelib.domain.matching import AttorneyLoad
from chalicelib.domain.message_templates import ResidentEvent

DEFAULT_ESTIMATE_MINUTES = 5  # wait per position when no acceptance was measured yet
ACCEPT_SAMPLES = 20  # acceptance durations kept per category (rolling)


class OfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


OFFER_TRANSITIONS = MappingProxyType({
    OfferStatus.PENDING: frozenset({OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED,
                                    OfferStatus.WITHDRAWN}),
    OfferStatus.ACCEPTED: frozenset(),
    OfferStatus.DECLINED: frozenset(),
    OfferStatus.EXPIRED: frozenset(),
    OfferStatus.WITHDRAWN: frozenset(),
})


class MoveOnReason(StrEnum):
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    NO_CANDIDATE = "no_candidate"
    WINDOW_CLOSED = "window_closed"
    CLOSED = "closed"  # the consultation was closed meanwhile (withdrawn, expired, erased)


class OfferError(Exception):
    """Base of the offer rules' refusals."""


class OfferNotFoundError(OfferError):
    """Unknown offer, or one made to another attorney (indistinguishable on purpose)."""


class OfferUnavailableError(OfferError):
    """The offer can no longer be accepted or declined; ``reason``: its status (accepted, declined,
    expired, withdrawn) or "closed" when it is gone."""

    def __init__(self, status: OfferStatus | str | None = None) -> None:
        self.status = OfferStatus(status) if status else None
        self.reason = self.status.value if self.status is not None and self.status is not OfferStatus.PENDING \
            else "closed"
        super().__init__(self.reason)


class NotOnRosterError(OfferError):
    """The account is not linked to an active attorney profile."""


class UnknownAttorneyError(OfferError):
    """No attorney with this id is on the roster."""


class ChangedMeanwhileError(Exception):
    """A transaction's condition failed: someone else changed the offer, request or consultation
    between the read and the write (``codes``: the store's reason per item, for the log)."""

    def __init__(self, codes: Sequence[str | None]) -> None:
        super().__init__(f"changed meanwhile: {list(codes)}")
        self.codes = list(codes)


@dataclass(frozen=True)
class Offer:
    id: str
    consultation_id: str
    attorney_id: str
    category: str
    region: str
    method: str
    offered_at: datetime
    deadline: datetime
    attempt: int  # 1-based
    reason: dict[str, object] = field(default_factory=dict)  # AssignmentReason.as_dict()
    status: OfferStatus = OfferStatus.PENDING
    answered_at: datetime | None = None

    def answerable(self, attorney_id: str, now: datetime) -> bool:
        return self.status is OfferStatus.PENDING and self.attorney_id == attorney_id and now < self.deadline

    def is_due(self, now: datetime) -> bool:
        return self.status is OfferStatus.PENDING and now >= self.deadline


def resolved(offer: Offer, target: OfferStatus, now: datetime) -> Offer:
    """``offer`` after moving to ``target``; an offer already answered → ``OfferUnavailableError``."""
    target = OfferStatus(target)
    if target not in OFFER_TRANSITIONS[offer.status]:
        raise OfferUnavailableError(offer.status)
    if target is OfferStatus.ACCEPTED and now >= offer.deadline:
        raise OfferUnavailableError(OfferStatus.EXPIRED)
    return replace(offer, status=target, answered_at=now)


def deadline_of(now: datetime, timeout_seconds: int, calendar: ServiceCalendar) -> datetime:
    """Now + the answer time, but never after the end of the current window."""
    deadline = now + timedelta(seconds=timeout_seconds)
    end = calendar.current_window_end(now)
    return min(deadline, end) if end is not None else deadline


@dataclass(frozen=True)
class RealtimeRequest:
    """The real-time side of one consultation: its place in the queue and who was tried."""

    consultation_id: str
    category: str
    region: str
    queued_at: datetime
    tried: tuple[str, ...] = ()
    current_offer: str | None = None
    failed: bool = False
    move_on_reason: MoveOnReason | None = None
    matched: bool = False

    @property
    def attempts(self) -> int:
        return len(self.tried)

    @property
    def waiting(self) -> bool:
        return not self.failed and not self.matched


def serving_window_end(calendar: ServiceCalendar, queued_at: datetime) -> datetime:
    """End of the service window that serves a request queued at ``queued_at``.

    Queued inside a window: that window. Queued outside: the next window.
    Once this moment has passed, the request had its chance and is moved on.
    """
    end = calendar.current_window_end(queued_at)
    if end is not None:
        return end
    opening = calendar.next_opening(queued_at)
    closing = calendar.current_window_end(opening)
    assert closing is not None
    return closing


def must_move_on(request: RealtimeRequest, now: datetime, calendar: ServiceCalendar,
                 max_attempts: int) -> MoveOnReason | None:
    """Why a waiting request (with no pending offer) must leave the queue now, or None."""
    if not request.waiting:
        return None
    if now >= serving_window_end(calendar, request.queued_at):
        return MoveOnReason.WINDOW_CLOSED
    if request.current_offer is None and request.attempts >= max_attempts:
        return MoveOnReason.ATTEMPTS_EXHAUSTED
    return None


def estimate_minutes(position: int, accept_seconds: Sequence[float]) -> int:
    """An honest wait estimate: position × median recent acceptance time (5 min without history)."""
    if position <= 0:
        return 0
    per = statistics.median(accept_seconds) / 60 if accept_seconds else DEFAULT_ESTIMATE_MINUTES
    return max(1, round(position * per))


def rolled(samples: Iterable[float], new: float, keep: int = ACCEPT_SAMPLES) -> list[float]:
    """The rolling acceptance-time sample with ``new`` appended (oldest dropped)."""
    out = [float(s) for s in samples] + [max(0.0, float(new))]
    return out[-keep:]


def attorney_id_of(principal: Principal) -> str:
    """The roster id of a signed-in attorney; an account not linked to a profile → ``NotOnRosterError``."""
    if not principal.attorney_id:
        raise NotOnRosterError()
    return principal.attorney_id


# --- ports --------------------------------------------------------------------------------------

class RealtimeStore(Protocol):
    """The queue, the offers, duty and busy state (``adapters/dynamo/offers.py``). Every change that must
    be atomic is one method; when its condition fails (someone else changed the offer, request or
    consultation between the read and the write) it raises ``ChangedMeanwhileError``."""

    # the queue
    def enqueue(self, request: RealtimeRequest, sort_key: str) -> bool:
        """Put a request in its category's queue, once (False: it was already there or handled)."""
        ...

    def request(self, consultation_id: str) -> RealtimeRequest | None: ...

    def requests(self, consultation_ids: Iterable[str]) -> dict[str, RealtimeRequest]: ...

    def queue(self, category: str, limit: int = 50) -> list[tuple[str, bool]]:
        """(consultation id, offered) of the category's waiting requests, oldest first."""
        ...

    def position(self, request: RealtimeRequest) -> int:
        """1-based rank of the request among its category's waiting requests."""
        ...

    def move_on(self, request: RealtimeRequest, reason: MoveOnReason, now: datetime) -> bool:
        """Take a waiting request (with no pending offer) out of the queue, marked failed."""
        ...

    def forget(self, consultation_id: str, now: datetime) -> bool:
        """A closed consultation leaves real-time matching (its pending offer withdrawn); idempotent."""
        ...

    def mark_matched(self, request: RealtimeRequest) -> None:
        """Assigned by hand: the request leaves the queue."""
        ...

    # candidates and duty
    def on_duty(self, category: str, region: str) -> list[str]:
        """Ids of attorneys on duty for (category, region)."""
        ...

    def profiles(self, attorney_ids: Iterable[str]) -> list[Attorney]: ...

    def busy(self, attorney_ids: Iterable[str], now: datetime) -> set[str]:
        """Those of ``attorney_ids`` holding an offer or consulting in real time at ``now``."""
        ...

    def set_duty(self, attorney: Attorney, on_duty: bool) -> None:
        """The profile's flag and the duty entries of every coverage pair, together."""
        ...

    def release_busy(self, attorney_id: str, consultation_id: str) -> None: ...

    # offers
    def offer(self, offer_id: str) -> Offer | None: ...

    def pending_of(self, attorney_id: str) -> list[Offer]: ...

    def due(self, now: datetime, limit: int = 100) -> list[Offer]:
        """Pending offers whose deadline has passed."""
        ...

    def create_offer(self, offer: Offer, request: RealtimeRequest, now: datetime) -> None:
        """The offer, the consultation submitted → offered, the attorney tried and busy: together."""
        ...

    def close_offer(self, offer: Offer, target: OfferStatus, now: datetime, request: RealtimeRequest) -> None:
        """A pending offer declined / expired / withdrawn: the consultation back to submitted, the
        request without a current offer, the attorney no longer busy with it: together."""
        ...

    def accept(self, offer: Offer, request: RealtimeRequest, now: datetime, *, year: int, cap: int,
               busy_until: datetime) -> None:
        """First valid accept wins: offer accepted, consultation matched, load counted under ``cap``."""
        ...

    def reassign(self, consultation_id: str, sort_key: str, previous: str | None, attorney_id: str,
                 expected: Status, now: datetime, *, year: int, cap: int, previous_year: int | None,
                 reason: dict[str, object]) -> None:
        """An admin's manual assignment: the consultation matched to ``attorney_id``, the load moved."""
        ...

    # acceptance times
    def accept_seconds(self, category: str) -> list[float]: ...

    def save_accept_seconds(self, category: str, samples: list[float]) -> None: ...


class AttorneyProfiles(Protocol):
    """What real-time matching reads and writes of the roster (``adapters/dynamo/attorneys.py``)."""

    def get(self, attorney_id: str) -> Attorney | None: ...

    def contact(self, attorney_id: str) -> AttorneyContact | None: ...

    def save(self, attorney: Attorney, contact: AttorneyContact | None, now: datetime) -> None: ...


class LoadCounts(Protocol):
    """This year's assignment counts (``adapters/dynamo/loads.py``), read by key."""

    def get_many(self, attorney_ids: Iterable[str], year: int) -> Mapping[str, AttorneyLoad]: ...


class ResidentContacts(Protocol):
    def resident(self, consultation_id: str) -> tuple[str, str] | None:
        """(phone in E.164, language) of the consultation's resident, or None if erased."""
        ...


class ResidentMessages(Protocol):
    """The residents' templated messages, each sent once per key (``services/resident_messages.py``)."""

    def tell(self, key: str, consultation_id: str, event: ResidentEvent, variables: Mapping[str, str | datetime],
             path: str = "", *, urgent: bool = False, retry_failed: bool = False) -> str: ...

    def realtime_accepted(self, consultation_id: str, attorney_name: str, method: str) -> str: ...


__all__ = [
    "DEFAULT_ESTIMATE_MINUTES",
    "OFFER_TRANSITIONS",
    "AttorneyProfiles",
    "ChangedMeanwhileError",
    "LoadCounts",
    "MoveOnReason",
    "NotOnRosterError",
    "Offer",
    "OfferError",
    "OfferNotFoundError",
    "OfferStatus",
    "OfferUnavailableError",
    "RealtimeRequest",
    "RealtimeStore",
    "ResidentContacts",
    "ResidentMessages",
    "UnknownAttorneyError",
    "attorney_id_of",
    "deadline_of",
    "estimate_minutes",
    "must_move_on",
    "resolved",
    "rolled",
    "serving_window_end",
]

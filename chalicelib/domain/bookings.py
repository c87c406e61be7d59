"""Reservations: slot claims, bookings, holds, and the rules around them.

A booking gives one consultation one attorney's slot. Three kinds of record
make it work, all keyed so that a conditional write decides every race:

* a **slot claim** per (attorney, slot start): whoever writes it first owns
  the slot. A claim is either a *booking* (lasts until cancelled) or a *hold*
  (lasts ``hold_until``; a hold whose time has passed is free for everyone,
  whether or not the database has deleted it yet);
* the consultation's **active booking** (at most one: it is written on the
  condition that none exists, together with the consultation's move to
  ``booked``), and its **history** (cancelled, declined, rescheduled ones);
* the consultation's **hold** pointer (the one slot it currently holds).

Who is a candidate for a consultation (:func:`reservation_pool`): active
attorneys who cover its category in the rings ``0..ring`` around its region,
have not declined it before, and are under their annual cap. Listing and
booking build the pool with the same function from the same kind of reads,
so a listed slot is never refused for a reason listing knew.

Pure domain: ``now`` is always a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from chalicelib.domain import languages
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.availability import Availability
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Consultation, Status
from chalicelib.domain.limits import Quota
from chalicelib.domain.matching import AttorneyLoad, ConsultationFacts, PoolLevels, at_cap, ring_of
from chalicelib.domain.reminders import Reminder
from chalicelib.domain.slots import AttorneySchedule

# A consultation may be booked (or rebooked) only in these states.
BOOKABLE = frozenset({Status.SUBMITTED, Status.BOOKED})


class ClaimKind(StrEnum):
    BOOKED = "booked"
    HOLD = "hold"


class BookingStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"      # by the resident or an admin
    DECLINED = "declined"        # by the attorney, with a reason
    RESCHEDULED = "rescheduled"  # replaced by a booking at another time


# --- errors (data only: chalicelib/api/error_table.py maps them to a status, a code and a message) --

class ReservationError(Exception):
    """Base class of the reservation rules' refusals."""


class SlotTakenError(ReservationError):
    def __init__(self, attorney_id: str | None = None) -> None:
        self.attorney_id = attorney_id
        super().__init__(attorney_id)


class NotBookableError(ReservationError):
    def __init__(self, status: Status) -> None:
        self.status = Status(status)
        super().__init__(self.status.value)


class NotHoldableError(ReservationError):
    """A hold is for a reservation request not booked yet; ``reason``: "realtime" or "booked"."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class NoBookingError(ReservationError):
    """The consultation has no active booking."""


class BookingChangedError(ReservationError):
    """The booking changed between reading and writing."""


class TooLateToCancelError(ReservationError):
    def __init__(self, deadline: datetime, notice_minutes: int) -> None:
        self.deadline, self.notice_minutes = deadline, notice_minutes
        super().__init__(deadline.isoformat(timespec="minutes"), notice_minutes)


class TooLateToRescheduleError(ReservationError):
    def __init__(self, deadline: datetime, notice_minutes: int) -> None:
        self.deadline, self.notice_minutes = deadline, notice_minutes
        super().__init__(deadline.isoformat(timespec="minutes"), notice_minutes)


class AttorneyNotFoundError(ReservationError):
    """No attorney with this id."""


# --- values -------------------------------------------------------------------------------------

def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("aware datetime required (got a naive datetime)")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class SlotClaim:
    """Who owns (attorney, start): a booking, or a hold until ``hold_until``."""

    attorney_id: str
    start: datetime
    consultation_id: str
    kind: ClaimKind
    hold_until: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", utc(self.start))
        object.__setattr__(self, "kind", ClaimKind(self.kind))
        if self.kind is ClaimKind.HOLD and self.hold_until is None:
            raise ValueError("a hold needs hold_until")

    def blocks(self, consultation_id: str, now: datetime) -> bool:
        """Does this claim keep ``consultation_id`` from taking the slot at ``now``?

        A booking blocks everyone (its own consultation too: it already has it).
        A hold blocks others until it runs out; its own consultation may convert it.
        """
        if self.kind is ClaimKind.BOOKED:
            return True
        assert self.hold_until is not None
        return self.consultation_id != consultation_id and self.hold_until > now


@dataclass(frozen=True)
class Booking:
    """A consultation's booking with one attorney at one slot."""

    id: str
    consultation_id: str
    attorney_id: str
    start: datetime
    end: datetime
    method: Method
    booked_at: datetime
    load_year: int  # the year whose load counter this booking incremented
    reason: Mapping[str, object] = field(default_factory=dict)  # AssignmentReason.as_dict()
    status: BookingStatus = BookingStatus.ACTIVE
    ended_at: datetime | None = None
    ended_by: str | None = None  # role: resident / admin / attorney
    sealed_note: bytes | None = None  # the attorney's decline reason, sealed

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", utc(self.start))
        object.__setattr__(self, "end", utc(self.end))
        object.__setattr__(self, "method", Method(self.method))
        object.__setattr__(self, "status", BookingStatus(self.status))

    def claim(self) -> SlotClaim:
        return SlotClaim(self.attorney_id, self.start, self.consultation_id, ClaimKind.BOOKED)

    def ended(self, status: BookingStatus, now: datetime, by: str, sealed_note: bytes | None = None) -> Booking:
        if status is BookingStatus.ACTIVE:
            raise ValueError("an ended booking is not active")
        return replace(self, status=status, ended_at=now, ended_by=by, sealed_note=sealed_note)


@dataclass(frozen=True)
class Hold:
    """A consultation's hold on one attorney's slot, until ``until``."""

    consultation_id: str
    attorney_id: str
    start: datetime
    end: datetime
    until: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end", "until"):
            object.__setattr__(self, name, utc(getattr(self, name)))

    def is_live(self, now: datetime) -> bool:
        return self.until > now

    def claim(self) -> SlotClaim:
        return SlotClaim(self.attorney_id, self.start, self.consultation_id, ClaimKind.HOLD, self.until)


@dataclass(frozen=True)
class BookingState:
    """Everything booked for one consultation: the active booking, its hold, its history."""

    active: Booking | None = None
    hold: Hold | None = None
    history: tuple[Booking, ...] = ()

    @property
    def declined_by(self) -> frozenset[str]:
        """Attorneys who declined this consultation: never offered it again."""
        return frozenset(b.attorney_id for b in self.history if b.status is BookingStatus.DECLINED)

    def live_hold(self, now: datetime) -> Hold | None:
        return self.hold if self.hold is not None and self.hold.is_live(now) else None


@dataclass(frozen=True)
class Snapshot:
    """What the pool is built from, read by key in one go."""

    attorneys: Mapping[str, Attorney]
    availabilities: Mapping[str, Availability | None]
    loads: Mapping[str, AttorneyLoad]
    claims: Mapping[str, SlotClaim] = field(default_factory=dict)  # attorney id -> claim at the asked start


# --- plans: what one repository transaction must do -------------------------------------------

@dataclass(frozen=True)
class BookingPlan:
    """Book (or rebook) ``booking``, atomically.

    Claim its slot (free, an expired hold or this consultation's own hold),
    store it as the active booking (none before; or exactly ``previous``),
    move the consultation from ``expected`` to ``booked`` with the attorney,
    and count it on the attorney's load under ``cap`` (unless the attorney
    stays the same). With ``previous``: free its slot, keep it in the history
    as rescheduled and uncount it if the attorney changes. With ``hold``:
    drop the pointer, and the hold's own claim if it is elsewhere.
    """

    booking: Booking
    consultation: Consultation
    expected: Status
    cap: int
    now: datetime
    previous: Booking | None = None
    hold: Hold | None = None
    reminders: tuple[Reminder, ...] = ()  # the new booking's, written in the same transaction
    dropped_reminders: tuple[tuple[str, str], ...] = ()  # keys of the previous booking's reminders
    quotas: tuple[Quota, ...] = ()  # abuse limits this change counts against (TooManyBookingChangesError)
    mode: Mode | None = None  # a real-time request booked from the queue becomes a reservation (same write)
    # the chosen attorney's profile and load counter as the choice read them (consistently): what their
    # ranking index entries move from; None: the store reads them
    counter: tuple[Attorney, AttorneyLoad] | None = None

    @property
    def counts_load(self) -> bool:
        return self.previous is None or self.previous.attorney_id != self.booking.attorney_id

    @property
    def releases_hold_claim(self) -> bool:
        """The hold's claim must be deleted (it is live and not the slot being booked)."""
        h = self.hold
        return (h is not None and h.is_live(self.now)
                and (h.attorney_id, h.start) != (self.booking.attorney_id, self.booking.start))


@dataclass(frozen=True)
class EndPlan:
    """End the active booking (cancelled or declined): free the slot, keep it in the history,
    move the consultation back to ``submitted`` without attorney, uncount the load."""

    active: Booking
    ended: Booking
    consultation: Consultation
    now: datetime
    dropped_reminders: tuple[tuple[str, str], ...] = ()  # keys of the ended booking's reminders
    quotas: tuple[Quota, ...] = ()  # abuse limits this change counts against (TooManyBookingChangesError)


@dataclass(frozen=True)
class WithdrawPlan:
    """The resident withdraws the request, in one write: the consultation ``expected`` → ``withdrawn``
    (closed at ``now``, TTL ``expires_at``), the owner's open count released, and when there is one the
    active booking ended (slot freed, kept in the history as cancelled, load uncounted, reminders
    dropped) and the hold released."""

    consultation: Consultation
    expected: Status
    now: datetime
    expires_at: datetime
    active: Booking | None = None
    ended: Booking | None = None
    hold: Hold | None = None
    dropped_reminders: tuple[tuple[str, str], ...] = ()
    unload: tuple[str, int] | None = None  # (attorney, year) of a real-time match: off their annual count


@dataclass(frozen=True)
class HoldPlan:
    """Hold ``hold``'s slot (free, an expired hold or this consultation's own hold) and point the
    consultation at it; release ``previous`` (this consultation's earlier hold) if still live."""

    hold: Hold
    now: datetime
    previous: Hold | None = None

    @property
    def releases_previous(self) -> bool:
        p = self.previous
        return (p is not None and p.is_live(self.now)
                and (p.attorney_id, p.start) != (self.hold.attorney_id, self.hold.start))


# --- rules --------------------------------------------------------------------------------------

def change_deadline(booking: Booking, notice_minutes: int) -> datetime:
    """Until when a resident may cancel or move ``booking`` online."""
    return booking.start - timedelta(minutes=notice_minutes)


def check_resident_may_change(booking: Booking, now: datetime, notice_minutes: int, *,
                              rescheduling: bool) -> None:
    """Raise unless a resident may still cancel (or move) ``booking`` at ``now``."""
    deadline = change_deadline(booking, notice_minutes)
    if utc(now) > deadline:
        raise (TooLateToRescheduleError if rescheduling else TooLateToCancelError)(deadline, notice_minutes)


def check_bookable(consultation: Consultation) -> None:
    if consultation.status not in BOOKABLE:
        raise NotBookableError(consultation.status)


def how_it_happens(method: Method, language: str, phone: str) -> str:
    """How the consultation will take place, in the resident's language (catalogue messages
    ``how.<method>`` and ``how.with_phone`` with the programme's ``phone``; English for a language
    Maeul does not speak)."""
    lang = language if languages.is_supported(language) else "en"
    return languages.text(lang, "how.with_phone", how=languages.text(lang, f"how.{Method(method).value}"),
                          phone=phone)


def candidate_regions(region: str, ring: int) -> list[frozenset[str]]:
    """The rings 0..2 around ``region``; the first ``ring + 1`` are always searched."""
    from chalicelib.domain.regions import rings

    all_rings = list(rings(region))
    return [frozenset().union(*all_rings[: ring + 1]), *all_rings[ring + 1:]]


def usable(attorney: Attorney, facts: ConsultationFacts, availability: Availability | None,
           load: AttorneyLoad | None, now: datetime, *, programme_cap: int,
           excluded: Iterable[str] = (), tz: str) -> bool:
    """Could this attorney take the consultation at some time at all (ignoring the calendar)?

    Decides whether the pool must widen to the next ring: it does not depend on
    the dates asked, so listing and booking widen alike.
    """
    return (attorney.active and facts.category in attorney.categories
            and attorney.id not in set(excluded) and availability is not None
            and any(availability.week)
            and not at_cap(attorney, load, programme_cap, now, tz))


def reservation_pool(facts: ConsultationFacts, snapshot: Snapshot, claims: Iterable[SlotClaim],
                     now: datetime, *, programme_cap: int, excluded: Iterable[str] = (),
                     tz: str) -> tuple[list[Attorney], list[AttorneySchedule]]:
    """The candidate attorneys (for ``matching.choose``) and their schedules (for ``slots``).

    ``claims`` are slot claims of any attorneys; those that block this
    consultation at ``now`` count as booked starts. Inactive attorneys, those
    not taking the category, those who declined it and those without an
    availability are left out; attorneys at their cap are kept with
    ``at_cap`` set (slot generation skips them, matching explains why).
    """
    skip = set(excluded)
    booked: dict[str, set[datetime]] = {}
    for claim in claims:
        if claim.blocks(facts.consultation_id, now):
            booked.setdefault(claim.attorney_id, set()).add(claim.start)
    attorneys: list[Attorney] = []
    schedules: list[AttorneySchedule] = []
    for attorney_id in sorted(snapshot.attorneys):
        attorney = snapshot.attorneys[attorney_id]
        availability = snapshot.availabilities.get(attorney_id)
        if (availability is None or not attorney.active or facts.category not in attorney.categories
                or attorney_id in skip or ring_of(attorney, facts.region) is None):
            continue
        attorneys.append(attorney)
        schedules.append(AttorneySchedule(
            attorney_id, availability, frozenset(booked.get(attorney_id, ())),
            at_cap(attorney, snapshot.loads.get(attorney_id), programme_cap, now, tz)))
    return attorneys, schedules


def leave_credits(roster: Sequence[Attorney], loads: Mapping[str, AttorneyLoad],
                  availabilities: Mapping[str, Availability | None], day: date) -> dict[str, float]:
    """The leave credit to store for each active attorney away (leave or extra closed day) on a day of
    ``day``'s year up to ``day`` not credited yet (a missed night is caught up, and so is the year so
    far on the first run): ``matching.leave_credit_to_level``, what brings them level with their pool
    (through ``matching.PoolLevels``: the roster indexed by region once).
    Attorneys with nothing to credit are left out."""
    first_of_year = date(day.year, 1, 1)
    levels = PoolLevels(roster, loads, day.year)
    found: dict[str, float] = {}
    for attorney in roster:
        availability = availabilities.get(attorney.id)
        if availability is None or not attorney.active:
            continue
        load = (loads.get(attorney.id) or AttorneyLoad.empty(attorney.id, day.year)).for_year(day.year)
        through = load.leave_credited_through
        first = first_of_year if through is None or through.year != day.year else through + timedelta(days=1)
        if availability.days_away(first, day):
            found[attorney.id] = levels.leave_credit(attorney)
    return found


# --- ports --------------------------------------------------------------------------------------

class Roster(Protocol):
    def covering(self, category: str, region: str) -> list[str]:
        """Ids of active attorneys serving (category, region)."""
        ...


class BookingRepository(Protocol):
    """Availability, slot claims and bookings; every write that must be atomic is one method."""

    def availability(self, attorney_id: str) -> Availability | None: ...

    def save_availability(self, attorney_id: str, availability: Availability, now: datetime) -> None: ...

    def snapshot(self, attorney_ids: Iterable[str], year: int, *, claims_at: datetime | None = None,
                 consistent: bool = False) -> Snapshot:
        """Profiles, availabilities, load counters of ``year`` (and the claims at ``claims_at``) of
        these attorneys, read by key (one batch read)."""
        ...

    def claims_between(self, first: datetime, last: datetime) -> list[SlotClaim]:
        """Every claim (any attorney) with first <= start <= last (one index query per month)."""
        ...

    def state_of(self, consultation_id: str) -> BookingState: ...

    def book(self, plan: BookingPlan) -> None:
        """Raise ``SlotTakenError`` (slot claimed, or the attorney reached the cap meanwhile) or
        ``BookingChangedError`` (the consultation or its booking changed meanwhile)."""
        ...

    def end(self, plan: EndPlan) -> None:
        """Raise ``BookingChangedError`` when the booking or the consultation changed meanwhile."""
        ...

    def hold(self, plan: HoldPlan) -> None:
        """Raise ``SlotTakenError`` or ``BookingChangedError`` (the consultation is not bookable)."""
        ...

    def withdraw(self, plan: WithdrawPlan) -> None:
        """Raise ``BookingChangedError`` when the consultation or its booking changed meanwhile."""
        ...

    def erase_notes(self, consultation_id: str) -> int:
        """Remove the attorneys' sealed decline reasons about a consultation; how many."""
        ...

    def take_quota(self, quota: Quota) -> int | None:
        """Count one more against ``quota`` on its own: the new count, or None at the limit."""
        ...


__all__: Sequence[str] = [
    "BOOKABLE",
    "AttorneyNotFoundError",
    "Booking",
    "BookingChangedError",
    "BookingPlan",
    "BookingRepository",
    "BookingState",
    "BookingStatus",
    "ClaimKind",
    "EndPlan",
    "Hold",
    "HoldPlan",
    "NoBookingError",
    "NotBookableError",
    "NotHoldableError",
    "ReservationError",
    "Roster",
    "SlotClaim",
    "SlotTakenError",
    "Snapshot",
    "TooLateToCancelError",
    "TooLateToRescheduleError",
    "WithdrawPlan",
    "candidate_regions",
    "change_deadline",
    "check_bookable",
    "check_resident_may_change",
    "how_it_happens",
    "leave_credits",
    "reservation_pool",
    "usable",
    "utc",
]

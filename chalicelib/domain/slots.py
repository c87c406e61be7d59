"""Reservation slots: which start times can be booked, and with whom.

Slots lie on one grid per service window: the first starts when the window
opens, each following one a slot length later, and the last must end by the
window's close (with 30 minutes and 10:00–11:30 / 14:00–17:00: 10:00, 10:30,
11:00, 14:00 … 16:30). Every attorney is booked on that grid, so a claim on
(attorney, start) is enough to keep an attorney from being booked twice.

A start is bookable when it is on the grid of a service day (weekends,
Korean public holidays and the calendar's extra closed days have none), is
at least the minimum notice after ``now``, and its local date is at most the
horizon in days after today. It is *open* when at least one candidate
attorney is free at it: not at their annual cap, their availability covers
the whole slot (no leave, no closed day) and no booking of theirs overlaps
it. Listing (:func:`open_slots`) and booking (:func:`free_attorneys`) share
these rules, so a listed slot is never refused for a reason listing knew.

Pure domain: ``now`` is always a parameter; policy numbers come in as a
:class:`SlotRules` built by the caller from ``settings.Policy``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from chalicelib.domain.availability import Availability
from chalicelib.domain.calendar import ServiceCalendar

__all__ = [
    "AttorneySchedule",
    "InvalidSlotError",
    "OpenSlot",
    "SlotError",
    "SlotProblem",
    "SlotRangeError",
    "SlotRules",
    "check_range",
    "check_slot",
    "default_range",
    "free_attorneys",
    "last_bookable_day",
    "open_slots",
    "slot_problem",
    "slot_starts_on",
]


class SlotError(ValueError):
    """Base class of slot errors."""


class SlotRangeError(SlotError):
    """A requested date range that cannot be listed; ``reason``: "not_a_date" (``field``), "reversed",
    "beyond_horizon" (``last_day``: the last bookable one) or "too_long" (``max_days``)."""

    def __init__(self, reason: str, **data: object) -> None:
        self.reason = reason
        for name, value in data.items():
            setattr(self, name, value)
        super().__init__(reason, *data.values())


class SlotProblem(StrEnum):
    """Why a start time cannot be booked at all (whoever is free)."""

    CLOSED_DAY = "closed_day"
    NOT_A_SLOT_START = "not_a_slot_start"
    PAST = "past"
    INSIDE_MIN_NOTICE = "inside_min_notice"
    BEYOND_HORIZON = "beyond_horizon"


class InvalidSlotError(SlotError):
    """A start time that is not a bookable slot; ``problem`` says why, ``reason`` the same in detail (a
    closed day is a "holiday", a "weekend" or the centre's "closed_day") and ``data`` gives the numbers
    (``day``, ``time``, ``holiday``, ``starts``, ``earliest``, ``minutes``, ``horizon_days``, ``last_day``)."""

    def __init__(self, problem: SlotProblem, data: dict[str, str]) -> None:
        super().__init__(problem.value, data)
        self.problem = problem
        self.data = data
        for name, value in data.items():
            setattr(self, name, value)
        self.reason = data.get("reason") or problem.value


@dataclass(frozen=True, slots=True)
class SlotRules:
    """The policy numbers of reservations (from ``settings.Policy``)."""

    slot_minutes: int = 30
    min_notice_minutes: int = 60
    horizon_days: int = 14

    def __post_init__(self) -> None:
        if not 1 <= self.slot_minutes <= 24 * 60:
            raise ValueError("slot_minutes must be between 1 and 1440")
        if self.min_notice_minutes < 0:
            raise ValueError("min_notice_minutes must not be negative")
        if self.horizon_days < 0:
            raise ValueError("horizon_days must not be negative")

    @property
    def slot_length(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    @property
    def min_notice(self) -> timedelta:
        return timedelta(minutes=self.min_notice_minutes)


@dataclass(frozen=True)
class AttorneySchedule:
    """What slot generation needs to know about one candidate attorney.

    ``booked_starts`` are the starts of the attorney's active bookings (each
    one slot long); ``at_cap`` is whether they have reached their annual cap
    (``matching.at_cap``).
    """

    attorney_id: str
    availability: Availability
    booked_starts: frozenset[datetime] = frozenset()
    at_cap: bool = False

    def __post_init__(self) -> None:
        booked = frozenset(self.booked_starts)
        for b in booked:
            _require_aware(b)
        object.__setattr__(self, "booked_starts", booked)

    def is_free(self, start: datetime, end: datetime) -> bool:
        """Free for [start, end): under cap, available, no overlapping booking."""
        if self.at_cap or not self.availability.is_available(start, end):
            return False
        length = end - start
        return not any(b < end and start < b + length for b in self.booked_starts)


@dataclass(frozen=True, slots=True)
class OpenSlot:
    """An open slot and the attorneys free at it (the booking chooses among them)."""

    start: datetime
    end: datetime
    attorney_ids: frozenset[str]


def slot_starts_on(calendar: ServiceCalendar, rules: SlotRules, day: date) -> list[datetime]:
    """The grid of slot starts on ``day`` (aware, calendar zone); empty when closed."""
    starts: list[datetime] = []
    length = rules.slot_length
    for opens, closes in calendar.windows_on(day):
        s = opens
        while s + length <= closes:
            starts.append(s)
            s += length
    return starts


def last_bookable_day(calendar: ServiceCalendar, rules: SlotRules, now: datetime) -> date:
    """The last local date on which a slot can be booked (today + horizon days)."""
    return calendar.local_date(now) + timedelta(days=rules.horizon_days)


def default_range(calendar: ServiceCalendar, rules: SlotRules, now: datetime) -> tuple[date, date]:
    """Today through the last bookable day: what to list when no range is asked for."""
    return calendar.local_date(now), last_bookable_day(calendar, rules, now)


def check_range(calendar: ServiceCalendar, rules: SlotRules, now: datetime, first: date,
                last: date) -> None:
    """Raise :class:`SlotRangeError` unless [first, last] (local dates, both included)
    can be listed: first ≤ last, last within the horizon, at most horizon + 1 days."""
    for d, name in ((first, "from"), (last, "to")):
        if isinstance(d, datetime) or not isinstance(d, date):
            raise SlotRangeError("not_a_date", field=name)
    if first > last:
        raise SlotRangeError("reversed", first=first.isoformat(), last=last.isoformat())
    limit = last_bookable_day(calendar, rules, now)
    if last > limit:
        raise SlotRangeError("beyond_horizon", horizon_days=rules.horizon_days, last_day=limit.isoformat())
    span = (last - first).days + 1
    if span > rules.horizon_days + 1:
        raise SlotRangeError("too_long", max_days=rules.horizon_days + 1, first=first.isoformat(),
                             last=last.isoformat(), days=span)


def slot_problem(calendar: ServiceCalendar, rules: SlotRules, now: datetime,
                 start: datetime) -> tuple[SlotProblem, dict[str, str]] | None:
    """Why ``start`` cannot be booked by anyone, with the numbers a message needs; None if it can."""
    local = calendar.to_local(_require_aware(start))
    now_local = calendar.to_local(now)
    day = local.date()
    when = {"day": day.isoformat(), "time": f"{local:%H:%M}"}
    if not calendar.is_service_day(day):
        holiday = calendar.holiday_name(day) or ""
        reason = "holiday" if holiday else "weekend" if day.weekday() >= 5 else "closed_day"
        return SlotProblem.CLOSED_DAY, {**when, "holiday": holiday, "reason": reason}
    grid = slot_starts_on(calendar, rules, day)
    if local not in grid:
        return SlotProblem.NOT_A_SLOT_START, {**when, "starts": ", ".join(f"{s:%H:%M}" for s in grid)}
    if local <= now_local:
        return SlotProblem.PAST, when
    if local < now_local + rules.min_notice:
        return SlotProblem.INSIDE_MIN_NOTICE, {**when, "minutes": str(rules.min_notice_minutes),
                                               "earliest": f"{now_local + rules.min_notice:%Y-%m-%d %H:%M}"}
    limit = last_bookable_day(calendar, rules, now)
    if day > limit:
        return SlotProblem.BEYOND_HORIZON, {**when, "horizon_days": str(rules.horizon_days),
                                            "last_day": limit.isoformat()}
    return None


def check_slot(calendar: ServiceCalendar, rules: SlotRules, now: datetime,
               start: datetime) -> datetime:
    """Raise :class:`InvalidSlotError` unless ``start`` is bookable; return the slot's end."""
    problem = slot_problem(calendar, rules, now, start)
    if problem is not None:
        raise InvalidSlotError(*problem)
    return calendar.to_local(start) + rules.slot_length


def free_attorneys(calendar: ServiceCalendar, rules: SlotRules, schedules: Iterable[AttorneySchedule],
                   now: datetime, start: datetime) -> frozenset[str]:
    """The attorneys free at the slot starting at ``start`` (what booking chooses among).

    Raises :class:`InvalidSlotError` when ``start`` is not bookable at all;
    returns an empty set when it is, but nobody is free (someone got there first).
    """
    end = check_slot(calendar, rules, now, start)
    local = calendar.to_local(start)
    return frozenset(s.attorney_id for s in _unique(schedules) if s.is_free(local, end))


def open_slots(calendar: ServiceCalendar, rules: SlotRules, schedules: Iterable[AttorneySchedule],
               now: datetime, first: date, last: date) -> list[OpenSlot]:
    """Open slots from ``first`` to ``last`` (local dates, both included), in time order:
    the union over the candidate attorneys, each slot with those free at it."""
    check_range(calendar, rules, now, first, last)
    roster = _unique(schedules)
    slots: list[OpenSlot] = []
    day = first
    while day <= last:
        for start in slot_starts_on(calendar, rules, day):
            if slot_problem(calendar, rules, now, start) is not None:
                continue
            end = start + rules.slot_length
            free = frozenset(s.attorney_id for s in roster if s.is_free(start, end))
            if free:
                slots.append(OpenSlot(start=start, end=end, attorney_ids=free))
        day += timedelta(days=1)
    return slots


def _unique(schedules: Iterable[AttorneySchedule]) -> Sequence[AttorneySchedule]:
    roster = list(schedules)
    ids = [s.attorney_id for s in roster]
    if len(set(ids)) != len(ids):
        raise ValueError("one schedule per attorney: duplicate attorney ids")
    return roster


def _require_aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("aware datetime required (got a naive datetime)")
    return moment

"""An attorney's availability: a weekly template plus date exceptions.

The weekly template says, per weekday, during which local wall-clock ranges
the attorney takes reserved consultations. Date exceptions take whole days
out: out-of-office ranges (leave, inclusive of both ends) and extra closed
days. The programme's own calendar (weekends, public holidays, the service
windows) is not part of this object: slot generation intersects the two.

When an attorney edits their template it must lie inside the service windows
(:meth:`Availability.check_within`); a stored template read back later is not
re-checked, so a change of the programme's hours never makes old records
unreadable (slot generation clips to the windows anyway).

Pure domain: no I/O, nothing reads the clock. Serialises to and from plain
JSON-able dicts::

    {"timezone": "Asia/Seoul",
     "weekly": {"mon": [{"start": "10:00", "end": "11:30"}], "tue": [], ...},
     "leaves": [{"from": "2026-12-01", "to": "2026-12-04"}],
     "closed_days": ["2026-12-24"]}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain.calendar import DEFAULT_TZ, ServiceCalendar

__all__ = [
    "MAX_CLOSED_DAYS",
    "MAX_LEAVES",
    "MAX_LEAVE_DAYS",
    "MAX_RANGES_PER_DAY",
    "WEEKDAYS",
    "Availability",
    "AvailabilityError",
    "AvailabilityOutsideWindowsError",
    "InvalidAvailabilityError",
    "Leave",
    "TimeRange",
    "allowed_windows_text",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Bounds that keep one attorney's record small (it is stored as one item).
MAX_RANGES_PER_DAY = 12
MAX_LEAVES = 50
MAX_CLOSED_DAYS = 100
MAX_LEAVE_DAYS = 366


class AvailabilityError(ValueError):
    """An availability that cannot be accepted; ``field`` names the offending part."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidAvailabilityError(AvailabilityError):
    """Malformed or self-contradictory availability (bad time, overlap, reversed range)."""


class AvailabilityOutsideWindowsError(AvailabilityError):
    """A weekly range that does not lie inside one service window on a service weekday."""

    def __init__(self, message: str, allowed: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self.allowed = allowed


def allowed_windows_text(calendar: ServiceCalendar) -> str:
    """The service windows as people read them, e.g. ``"10:00–11:30, 14:00–17:00"``."""
    return ", ".join(str(TimeRange(w.start, w.end)) for w in calendar.windows)


@dataclass(frozen=True, slots=True, order=True)
class TimeRange:
    """A half-open local wall-clock range [start, end) with minute precision."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for t in (self.start, self.end):
            if not isinstance(t, time):
                raise InvalidAvailabilityError(f"expected a time of day, got {type(t).__name__}")
            if t.tzinfo is not None:
                raise InvalidAvailabilityError("times of day are local wall-clock times (no zone)")
            if t.second or t.microsecond:
                raise InvalidAvailabilityError(f"{t.isoformat()} must be whole minutes (HH:MM)")
        if not self.start < self.end:
            raise InvalidAvailabilityError(
                f"range {self.start:%H:%M}–{self.end:%H:%M} must start before it ends")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def covers(self, start: time, end: time) -> bool:
        """True if [start, end) lies inside this range."""
        return self.start <= start and end <= self.end


@dataclass(frozen=True, slots=True, order=True)
class Leave:
    """An out-of-office range of whole days, both ends included."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        for d in (self.first_day, self.last_day):
            if isinstance(d, datetime) or not isinstance(d, date):
                raise InvalidAvailabilityError(f"leave days must be dates, got {type(d).__name__}")
        if self.last_day < self.first_day:
            raise InvalidAvailabilityError(
                f"leave ends ({self.last_day.isoformat()}) before it starts "
                f"({self.first_day.isoformat()})")
        if self.days > MAX_LEAVE_DAYS:
            raise InvalidAvailabilityError(
                f"a leave covers at most {MAX_LEAVE_DAYS} days; split longer absences "
                "or deactivate the attorney")

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def covers(self, d: date) -> bool:
        return self.first_day <= d <= self.last_day


def _normalise_day(day: int, ranges: Iterable[TimeRange]) -> tuple[TimeRange, ...]:
    """Sort, reject overlaps, merge ranges that touch (10:00–10:30 + 10:30–11:00)."""
    ordered = list(ranges)
    for r in ordered:
        if not isinstance(r, TimeRange):
            raise InvalidAvailabilityError(f"expected TimeRange, got {type(r).__name__}")
    ordered.sort()
    if len(ordered) > MAX_RANGES_PER_DAY:
        raise InvalidAvailabilityError(
            f"at most {MAX_RANGES_PER_DAY} ranges per day", field=f"weekly.{WEEKDAYS[day]}")
    merged: list[TimeRange] = []
    for r in ordered:
        if merged and r.start < merged[-1].end:
            raise InvalidAvailabilityError(
                f"{_WEEKDAY_NAMES[day]}: ranges {merged[-1]} and {r} overlap",
                field=f"weekly.{WEEKDAYS[day]}")
        if merged and r.start == merged[-1].end:
            merged[-1] = TimeRange(merged[-1].start, r.end)
        else:
            merged.append(r)
    return tuple(merged)


@dataclass(frozen=True)
class Availability:
    """Weekly template (index 0 = Monday … 6 = Sunday) plus date exceptions.

    Build it with :meth:`of` (accepts a mapping of weekday → ranges) or
    :meth:`from_dict`; the constructor normalises what it is given.
    """

    week: tuple[tuple[TimeRange, ...], ...] = ((),) * 7
    leaves: tuple[Leave, ...] = ()
    closed_days: frozenset[date] = frozenset()
    tz: str = DEFAULT_TZ
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        week = tuple(self.week)
        if len(week) != 7:
            raise InvalidAvailabilityError("the weekly template has exactly 7 days (Monday first)")
        object.__setattr__(self, "week", tuple(_normalise_day(i, rs) for i, rs in enumerate(week)))
        leaves = tuple(sorted(set(self.leaves)))
        for lv in leaves:
            if not isinstance(lv, Leave):
                raise InvalidAvailabilityError(f"expected Leave, got {type(lv).__name__}")
        if len(leaves) > MAX_LEAVES:
            raise InvalidAvailabilityError(f"at most {MAX_LEAVES} leave ranges", field="leaves")
        object.__setattr__(self, "leaves", leaves)
        closed = frozenset(self.closed_days)
        for d in closed:
            if isinstance(d, datetime) or not isinstance(d, date):
                raise InvalidAvailabilityError(
                    f"closed days must be dates, got {type(d).__name__}", field="closed_days")
        if len(closed) > MAX_CLOSED_DAYS:
            raise InvalidAvailabilityError(f"at most {MAX_CLOSED_DAYS} closed days", field="closed_days")
        object.__setattr__(self, "closed_days", closed)
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise InvalidAvailabilityError(f"unknown time zone {self.tz!r}", field="timezone") from exc
        object.__setattr__(self, "_zone", zone)

    # -- construction ---------------------------------------------------------

    @classmethod
    def of(
        cls,
        weekly: Mapping[int | str, Iterable[TimeRange | tuple[time, time]]],
        leaves: Iterable[Leave | tuple[date, date]] = (),
        closed_days: Iterable[date] = (),
        tz: str = DEFAULT_TZ,
    ) -> Availability:
        """Build from ``{weekday: [(start, end), ...]}``; weekday is 0–6 or "mon"…"sun"."""
        week: list[list[TimeRange]] = [[] for _ in range(7)]
        for key, ranges in weekly.items():
            day = _weekday_index(key)
            week[day].extend(r if isinstance(r, TimeRange) else TimeRange(*r) for r in ranges)
        return cls(
            week=tuple(tuple(rs) for rs in week),
            leaves=tuple(lv if isinstance(lv, Leave) else Leave(*lv) for lv in leaves),
            closed_days=frozenset(closed_days),
            tz=tz,
        )

    @classmethod
    def full(cls, calendar: ServiceCalendar) -> Availability:
        """Every service window on every weekday: the widest template allowed."""
        ranges = tuple(TimeRange(w.start, w.end) for w in calendar.windows)
        return cls(week=(ranges,) * 5 + ((), ()), tz=calendar.tz.key)

    def replace_exceptions(
        self, leaves: Iterable[Leave] | None = None, closed_days: Iterable[date] | None = None
    ) -> Availability:
        """A copy with new leaves and/or closed days, the weekly template unchanged."""
        return Availability(
            week=self.week,
            leaves=self.leaves if leaves is None else tuple(leaves),
            closed_days=self.closed_days if closed_days is None else frozenset(closed_days),
            tz=self.tz,
        )

    def pruned(self, before: date) -> Availability:
        """Drop exceptions that ended before ``before`` (keep this year's for leave credit)."""
        return self.replace_exceptions(
            leaves=[lv for lv in self.leaves if lv.last_day >= before],
            closed_days=[d for d in self.closed_days if d >= before],
        )

    # -- validation against the programme ------------------------------------

    def check_within(self, calendar: ServiceCalendar) -> None:
        """Raise :class:`AvailabilityOutsideWindowsError` unless every weekly range lies
        inside one service window on a weekday (service never runs on weekends)."""
        allowed = allowed_windows_text(calendar)
        for day, ranges in enumerate(self.week):
            for i, r in enumerate(ranges):
                where = f"weekly.{WEEKDAYS[day]}[{i}]"
                if day >= 5:
                    raise AvailabilityOutsideWindowsError(
                        f"{_WEEKDAY_NAMES[day]} {r} is outside the service hours: service runs "
                        f"Monday to Friday, {allowed}", allowed, field=where)
                if not any(w.start <= r.start and r.end <= w.end for w in calendar.windows):
                    raise AvailabilityOutsideWindowsError(
                        f"{_WEEKDAY_NAMES[day]} {r} is outside the service windows; "
                        f"each range must lie inside one of: {allowed}", allowed, field=where)

    # -- questions --------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def is_away(self, d: date) -> bool:
        """True on a leave day or an extra closed day."""
        return d in self.closed_days or any(lv.covers(d) for lv in self.leaves)

    def ranges_on(self, d: date) -> tuple[TimeRange, ...]:
        """The template's local ranges for date ``d``; empty when away."""
        if self.is_away(d):
            return ()
        return self.week[d.weekday()]

    def free_intervals_on(self, d: date) -> list[tuple[datetime, datetime]]:
        """Aware (start, end) intervals the attorney is available on ``d``."""
        return [
            (datetime.combine(d, r.start, tzinfo=self._zone), datetime.combine(d, r.end, tzinfo=self._zone))
            for r in self.ranges_on(d)
        ]

    def is_available(self, start: datetime, end: datetime) -> bool:
        """True if the attorney's template covers all of [start, end) on one non-away day."""
        local_start, local_end = _aware(start).astimezone(self._zone), _aware(end).astimezone(self._zone)
        if not local_start < local_end:
            raise ValueError("start must be before end")
        d = local_start.date()
        if local_end.date() != d:
            return False  # no range crosses midnight
        s, e = local_start.time(), local_end.time()
        return any(r.covers(s, e) for r in self.ranges_on(d))

    def days_away(self, first: date, last: date) -> int:
        """Calendar days in [first, last] covered by a leave or an extra closed day."""
        if last < first:
            return 0
        away: set[date] = {d for d in self.closed_days if first <= d <= last}
        for lv in self.leaves:
            lo, hi = max(first, lv.first_day), min(last, lv.last_day)
            day = lo
            while day <= hi:
                away.add(day)
                day += timedelta(days=1)
        return len(away)

    # -- plain data ---------------------------------------------------------------

    def to_dict(self) -> dict[str, object]:
        return {
            "timezone": self.tz,
            "weekly": {
                WEEKDAYS[i]: [{"start": f"{r.start:%H:%M}", "end": f"{r.end:%H:%M}"} for r in rs]
                for i, rs in enumerate(self.week)
            },
            "leaves": [{"from": lv.first_day.isoformat(), "to": lv.last_day.isoformat()}
                       for lv in self.leaves],
            "closed_days": [d.isoformat() for d in sorted(self.closed_days)],
        }

    @classmethod
    def from_dict(cls, data: object, calendar: ServiceCalendar | None = None) -> Availability:
        """Parse :meth:`to_dict`'s shape. With ``calendar``, also :meth:`check_within` it
        (do so for edits; stored records are read back without it)."""
        if not isinstance(data, Mapping):
            raise InvalidAvailabilityError("availability must be a JSON object")
        unknown = sorted(set(data) - {"timezone", "weekly", "leaves", "closed_days"})
        if unknown:
            raise InvalidAvailabilityError(f"unknown fields: {', '.join(map(str, unknown))}",
                                           field=str(unknown[0]))
        tz = data.get("timezone", DEFAULT_TZ)
        if not isinstance(tz, str):
            raise InvalidAvailabilityError("timezone must be a string", field="timezone")
        weekly = data.get("weekly", {})
        if not isinstance(weekly, Mapping):
            raise InvalidAvailabilityError(
                'weekly must be an object such as {"mon": [{"start": "10:00", "end": "11:30"}]}',
                field="weekly")
        week: list[list[TimeRange]] = [[] for _ in range(7)]
        for key, ranges in weekly.items():
            if key not in WEEKDAYS:
                raise InvalidAvailabilityError(
                    f"unknown weekday {key!r}; use one of {', '.join(WEEKDAYS)}", field=f"weekly.{key}")
            if not isinstance(ranges, list):
                raise InvalidAvailabilityError("expected a list of ranges", field=f"weekly.{key}")
            for i, item in enumerate(ranges):
                where = f"weekly.{key}[{i}]"
                if not isinstance(item, Mapping) or set(item) != {"start", "end"}:
                    raise InvalidAvailabilityError(
                        'each range is {"start": "HH:MM", "end": "HH:MM"}', field=where)
                with _blamed_on(where):
                    week[WEEKDAYS.index(key)].append(
                        TimeRange(_parse_time(item["start"], where), _parse_time(item["end"], where)))
        leaves_raw = data.get("leaves", [])
        if not isinstance(leaves_raw, list):
            raise InvalidAvailabilityError("leaves must be a list", field="leaves")
        leaves: list[Leave] = []
        for i, item in enumerate(leaves_raw):
            where = f"leaves[{i}]"
            if not isinstance(item, Mapping) or set(item) != {"from", "to"}:
                raise InvalidAvailabilityError(
                    'each leave is {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"} (both days included)',
                    field=where)
            with _blamed_on(where):
                leaves.append(Leave(_parse_date(item["from"], where), _parse_date(item["to"], where)))
        closed_raw = data.get("closed_days", [])
        if not isinstance(closed_raw, list):
            raise InvalidAvailabilityError("closed_days must be a list of dates", field="closed_days")
        closed = [_parse_date(d, f"closed_days[{i}]") for i, d in enumerate(closed_raw)]
        availability = cls(week=tuple(tuple(rs) for rs in week), leaves=tuple(leaves),
                           closed_days=frozenset(closed), tz=tz)
        if calendar is not None:
            availability.check_within(calendar)
        return availability


def _weekday_index(key: int | str) -> int:
    if isinstance(key, bool):
        raise InvalidAvailabilityError(f"unknown weekday {key!r}")
    if isinstance(key, int) and 0 <= key <= 6:
        return key
    if isinstance(key, str) and key in WEEKDAYS:
        return WEEKDAYS.index(key)
    raise InvalidAvailabilityError(f"unknown weekday {key!r}; use 0–6 or one of {', '.join(WEEKDAYS)}")


@contextmanager
def _blamed_on(where: str) -> Iterator[None]:
    """An availability error raised inside names ``where`` unless it names a field already."""
    try:
        yield
    except AvailabilityError as exc:
        if exc.field is None:
            exc.field = where
        raise


def _parse_time(value: object, where: str) -> time:
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidAvailabilityError(f"{value!r} is not a time of day (HH:MM, e.g. \"10:00\")", field=where)


def _parse_date(value: object, where: str) -> date:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidAvailabilityError(f"{value!r} is not a date (YYYY-MM-DD)", field=where)


def _aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("aware datetime required (got a naive datetime)")
    return moment

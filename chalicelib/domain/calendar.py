"""Service calendar: when consultations are staffed.

Service runs on weekdays in fixed daily windows (wall-clock time in the
calendar's zone, Asia/Seoul by default) and is closed on weekends, on Korean
public holidays including substitute holidays (대체공휴일) as listed by the
``holidays`` package, and on any extra closed days supplied by the caller.

The clock is a port: every method takes the instant explicitly and nothing
here reads the current time. Instants must be timezone-aware; they are
converted to the calendar's zone before any comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = [
    "DEFAULT_TZ",
    "DEFAULT_WINDOWS",
    "NoServiceWindowError",
    "ServiceCalendar",
    "ServiceWindow",
    "korean_holidays",
]

DEFAULT_TZ = "Asia/Seoul"

# How far next_opening() searches before giving up (only reachable when the
# caller closes a very long run of days via extra_closed_days).
_MAX_LOOKAHEAD_DAYS = 800


class NoServiceWindowError(LookupError):
    """Raised when no service window exists within the search horizon."""


@dataclass(frozen=True, slots=True)
class ServiceWindow:
    """A daily half-open service window [start, end) in local wall-clock time."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if not isinstance(self.start, time) or not isinstance(self.end, time):
            raise TypeError("ServiceWindow start and end must be datetime.time")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("ServiceWindow times must be naive (calendar-local)")
        if not self.start < self.end:
            raise ValueError(
                f"ServiceWindow start {self.start} must be before end {self.end}"
            )

    def contains(self, t: time) -> bool:
        """True if local wall-clock time ``t`` falls in [start, end)."""
        return self.start <= t < self.end


DEFAULT_WINDOWS: tuple[ServiceWindow, ...] = (
    ServiceWindow(time(10, 0), time(11, 30)),
    ServiceWindow(time(14, 0), time(17, 0)),
)


@lru_cache(maxsize=64)
def korean_holidays(year: int) -> Mapping[date, str]:
    """Korean public holidays of ``year`` (Korean names), cached per year.

    Includes substitute holidays. Built once per year because constructing
    the ``holidays`` object is comparatively slow; the result is a read-only
    plain mapping, so lookups never trigger the package's lazy expansion.
    """
    table = holidays.country_holidays("KR", years=year, language="ko")
    return MappingProxyType(dict(table.items()))


def _require_date(d: date) -> date:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(
            f"expected a datetime.date, got {type(d).__name__}; "
            "convert instants with ServiceCalendar.local_date()"
        )
    return d


class ServiceCalendar:
    """Answers "are we open?" and "when do we open next?" for given instants."""

    __slots__ = ("_extra_closed", "_tz", "_windows")

    def __init__(
        self,
        windows: Sequence[ServiceWindow],
        tz: str = DEFAULT_TZ,
        extra_closed_days: Iterable[date] = frozenset(),
    ) -> None:
        for w in windows:
            if not isinstance(w, ServiceWindow):
                raise TypeError(f"expected ServiceWindow, got {type(w).__name__}")
        ordered = tuple(sorted(windows, key=lambda w: w.start))
        if not ordered:
            raise ValueError("at least one service window is required")
        for prev, nxt in pairwise(ordered):
            if nxt.start < prev.end:
                raise ValueError(f"service windows overlap: {prev} and {nxt}")
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        self._windows = ordered
        self._tz = zone
        self._extra_closed = frozenset(_require_date(d) for d in extra_closed_days)

    def __repr__(self) -> str:
        spans = ", ".join(f"{w.start:%H:%M}-{w.end:%H:%M}" for w in self._windows)
        return (
            f"ServiceCalendar(windows=[{spans}], tz={self._tz.key!r}, "
            f"extra_closed_days={len(self._extra_closed)})"
        )

    @property
    def windows(self) -> tuple[ServiceWindow, ...]:
        """The daily windows, sorted by start."""
        return self._windows

    @property
    def tz(self) -> ZoneInfo:
        """The calendar's time zone."""
        return self._tz

    @property
    def extra_closed_days(self) -> frozenset[date]:
        """Caller-supplied closed days (besides weekends and holidays)."""
        return self._extra_closed

    # -- instants -----------------------------------------------------------

    def to_local(self, now: datetime) -> datetime:
        """Convert an aware instant to the calendar's zone."""
        if not isinstance(now, datetime):
            raise TypeError(f"expected a datetime, got {type(now).__name__}")
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("aware datetime required (got a naive datetime)")
        return now.astimezone(self._tz)

    def local_date(self, now: datetime) -> date:
        """The calendar-local date of an aware instant."""
        return self.to_local(now).date()

    # -- days ---------------------------------------------------------------

    def holiday_name(self, d: date) -> str | None:
        """Korean public-holiday name for ``d``, or None if not a holiday."""
        _require_date(d)
        return korean_holidays(d.year).get(d)

    def is_service_day(self, d: date) -> bool:
        """True on weekdays that are neither public holidays nor extra closed days."""
        _require_date(d)
        return (
            d.weekday() < 5
            and d not in self._extra_closed
            and d not in korean_holidays(d.year)
        )

    def windows_on(self, d: date) -> list[tuple[datetime, datetime]]:
        """Aware (start, end) pairs of the windows on ``d``; empty if closed."""
        if not self.is_service_day(d):
            return []
        return [
            (
                datetime.combine(d, w.start, tzinfo=self._tz),
                datetime.combine(d, w.end, tzinfo=self._tz),
            )
            for w in self._windows
        ]

    # -- open / closed ------------------------------------------------------

    def window_at(self, now: datetime) -> ServiceWindow | None:
        """The window containing ``now``, or None when closed."""
        local = self.to_local(now)
        if not self.is_service_day(local.date()):
            return None
        t = local.time()
        for w in self._windows:
            if w.contains(t):
                return w
        return None

    def is_open(self, now: datetime) -> bool:
        """True if ``now`` falls inside a service window."""
        return self.window_at(now) is not None

    def current_window_end(self, now: datetime) -> datetime | None:
        """Aware end of the window containing ``now``, or None when closed."""
        local = self.to_local(now)
        w = self.window_at(local)
        if w is None:
            return None
        return datetime.combine(local.date(), w.end, tzinfo=self._tz)

    def next_opening(self, now: datetime) -> datetime:
        """Start of the next window strictly after ``now``.

        When closed this is the moment service resumes; when open it is the
        start of the window after the current one. (A closed instant can never
        equal a window start, because windows include their start.)
        """
        local = self.to_local(now)
        day = local.date()
        for _ in range(_MAX_LOOKAHEAD_DAYS):
            for start, _end in self.windows_on(day):
                if start > local:
                    return start
            day += timedelta(days=1)
        raise NoServiceWindowError(
            f"no service window within {_MAX_LOOKAHEAD_DAYS} days after {local.isoformat()}"
        )

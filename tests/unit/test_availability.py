"""Attorney availability: weekly template inside the service windows, leave, closed days."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.availability import (
    WEEKDAYS,
    Availability,
    AvailabilityError,
    AvailabilityOutsideWindowsError,
    InvalidAvailabilityError,
    Leave,
    TimeRange,
    allowed_windows_text,
)
from chalicelib.domain.calendar import DEFAULT_WINDOWS, ServiceCalendar

KST = ZoneInfo("Asia/Seoul")
CAL = ServiceCalendar(DEFAULT_WINDOWS)
ALLOWED = "10:00–11:30, 14:00–17:00"


def t(hh: int, mm: int = 0) -> time:
    return time(hh, mm)


def kst(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=KST)


# -- ranges ------------------------------------------------------------------------


def test_time_range_validation() -> None:
    assert str(TimeRange(t(10), t(11, 30))) == "10:00–11:30"
    with pytest.raises(InvalidAvailabilityError, match="start before it ends"):
        TimeRange(t(11), t(10))
    with pytest.raises(InvalidAvailabilityError):
        TimeRange(t(10), t(10))
    with pytest.raises(InvalidAvailabilityError, match="whole minutes"):
        TimeRange(time(10, 0, 30), t(11))
    with pytest.raises(InvalidAvailabilityError, match="no zone"):
        TimeRange(time(10, tzinfo=KST), t(11))


def test_touching_ranges_merge_and_overlaps_are_refused() -> None:
    a = Availability.of({"mon": [(t(10, 30), t(11)), (t(10), t(10, 30))]})
    assert a.week[0] == (TimeRange(t(10), t(11)),)
    with pytest.raises(InvalidAvailabilityError, match="overlap") as info:
        Availability.of({"tue": [(t(10), t(11)), (t(10, 30), t(11, 30))]})
    assert info.value.field == "weekly.tue"


def test_leave_validation() -> None:
    assert Leave(date(2026, 4, 1), date(2026, 6, 30)).days == 91
    with pytest.raises(InvalidAvailabilityError, match="before it starts"):
        Leave(date(2026, 6, 30), date(2026, 4, 1))
    with pytest.raises(InvalidAvailabilityError, match="at most 366"):
        Leave(date(2026, 1, 1), date(2027, 1, 2))


# -- inside the service windows -------------------------------------------------------------


def test_allowed_windows_text() -> None:
    assert allowed_windows_text(CAL) == ALLOWED


def test_template_inside_windows_is_accepted() -> None:
    Availability.full(CAL).check_within(CAL)
    Availability.of({"mon": [(t(10), t(11)), (t(15), t(17))], "fri": [(t(14), t(14, 30))]}).check_within(CAL)


@pytest.mark.parametrize(
    ("weekly", "field"),
    [
        ({"mon": [(t(9, 30), t(11))]}, "weekly.mon[0]"),  # starts before opening
        ({"tue": [(t(10), t(11)), (t(11), t(12))]}, "weekly.tue[0]"),  # merged 10:00–12:00 runs past 11:30
        ({"wed": [(t(11), t(14, 30))]}, "weekly.wed[0]"),  # spans the lunch gap
        ({"thu": [(t(16), t(18))]}, "weekly.thu[0]"),  # after closing
        ({"sat": [(t(10), t(11))]}, "weekly.sat[0]"),  # no service on weekends
    ],
)
def test_template_outside_windows_names_the_allowed_windows(weekly: dict, field: str) -> None:
    availability = Availability.of(weekly)
    with pytest.raises(AvailabilityOutsideWindowsError) as info:
        availability.check_within(CAL)
    assert ALLOWED in str(info.value)
    assert info.value.allowed == ALLOWED
    assert info.value.field == field


def test_from_dict_with_calendar_checks_windows_but_stored_records_read_back() -> None:
    data = {"weekly": {"mon": [{"start": "09:00", "end": "10:30"}]}}
    with pytest.raises(AvailabilityOutsideWindowsError, match="10:00–11:30, 14:00–17:00"):
        Availability.from_dict(data, CAL)
    # A stored template from before an hours change is still readable.
    assert Availability.from_dict(data).week[0] == (TimeRange(t(9), t(10, 30)),)


# -- questions ------------------------------------------------------------------------------


def template() -> Availability:
    return Availability.of(
        {"mon": [(t(10), t(11, 30))], "tue": [(t(14), t(16))], "wed": [(t(10), t(11)), (t(14), t(17))]},
        leaves=[(date(2026, 12, 7), date(2026, 12, 8))],  # Mon-Tue
        closed_days=[date(2026, 12, 2)],  # a Wednesday
    )


def test_is_available_inside_template_only() -> None:
    a = template()
    # Tue 2026-12-01
    assert a.is_available(kst(2026, 12, 1, 14), kst(2026, 12, 1, 14, 30))
    assert a.is_available(kst(2026, 12, 1, 15, 30), kst(2026, 12, 1, 16))  # ends exactly at the edge
    assert not a.is_available(kst(2026, 12, 1, 15, 45), kst(2026, 12, 1, 16, 15))  # runs past 16:00
    assert not a.is_available(kst(2026, 12, 1, 10), kst(2026, 12, 1, 10, 30))  # Tuesday has no morning
    assert not a.is_available(kst(2026, 12, 3, 10), kst(2026, 12, 3, 10, 30))  # nothing on Thursdays
    # Mon 2026-11-30
    assert a.is_available(kst(2026, 11, 30, 11), kst(2026, 11, 30, 11, 30))


def test_leave_and_closed_days_take_whole_days_out() -> None:
    a = template()
    assert not a.is_available(kst(2026, 12, 2, 10), kst(2026, 12, 2, 10, 30))  # closed day
    assert a.is_available(kst(2026, 12, 9, 10), kst(2026, 12, 9, 10, 30))  # the next Wednesday
    assert not a.is_available(kst(2026, 12, 7, 10), kst(2026, 12, 7, 10, 30))  # first day of leave
    assert not a.is_available(kst(2026, 12, 8, 14), kst(2026, 12, 8, 14, 30))  # last day of leave
    assert a.is_available(kst(2026, 12, 14, 10), kst(2026, 12, 14, 10, 30))  # back
    assert a.is_away(date(2026, 12, 2)) and a.is_away(date(2026, 12, 8))
    assert not a.is_away(date(2026, 12, 9))


def test_free_intervals_on() -> None:
    a = template()
    assert a.free_intervals_on(date(2026, 12, 9)) == [
        (kst(2026, 12, 9, 10), kst(2026, 12, 9, 11)),
        (kst(2026, 12, 9, 14), kst(2026, 12, 9, 17)),
    ]
    assert a.free_intervals_on(date(2026, 12, 2)) == []  # closed day
    assert a.free_intervals_on(date(2026, 12, 7)) == []  # leave
    assert a.free_intervals_on(date(2026, 12, 5)) == []  # Saturday
    for start, end in a.free_intervals_on(date(2026, 12, 9)):
        assert start.utcoffset() == timedelta(hours=9) == end.utcoffset()


def test_instants_in_other_zones_are_converted() -> None:
    a = template()
    utc = UTC
    # 05:00-05:30 UTC = 14:00-14:30 KST on Tuesday 2026-12-01
    assert a.is_available(datetime(2026, 12, 1, 5, tzinfo=utc), datetime(2026, 12, 1, 5, 30, tzinfo=utc))
    assert not a.is_available(datetime(2026, 12, 1, 1, tzinfo=utc), datetime(2026, 12, 1, 1, 30, tzinfo=utc))
    with pytest.raises(ValueError, match="aware"):
        a.is_available(datetime(2026, 12, 1, 14), datetime(2026, 12, 1, 14, 30))
    with pytest.raises(ValueError):
        a.is_available(kst(2026, 12, 1, 14, 30), kst(2026, 12, 1, 14))


def test_days_away_counts_each_day_once() -> None:
    a = Availability.of({}, leaves=[(date(2026, 4, 1), date(2026, 6, 30)),
                                    (date(2026, 6, 29), date(2026, 7, 2))],
                        closed_days=[date(2026, 6, 30), date(2026, 8, 3)])
    assert a.days_away(date(2026, 1, 1), date(2026, 12, 31)) == 91 + 2 + 1
    assert a.days_away(date(2026, 1, 1), date(2026, 5, 1)) == 31  # all of April and 1 May
    assert a.days_away(date(2026, 7, 1), date(2026, 6, 1)) == 0


def test_pruned_drops_old_exceptions_only() -> None:
    a = Availability.of({}, leaves=[(date(2025, 12, 20), date(2026, 1, 3)),
                                    (date(2025, 3, 1), date(2025, 3, 2))],
                        closed_days=[date(2025, 5, 5), date(2026, 2, 2)])
    p = a.pruned(date(2026, 1, 1))
    assert p.leaves == (Leave(date(2025, 12, 20), date(2026, 1, 3)),)
    assert p.closed_days == frozenset({date(2026, 2, 2)})


# -- plain data ------------------------------------------------------------------------------


def test_to_dict_shape() -> None:
    data = template().to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["timezone"] == "Asia/Seoul"
    assert list(data["weekly"]) == list(WEEKDAYS)
    assert data["weekly"]["mon"] == [{"start": "10:00", "end": "11:30"}]
    assert data["leaves"] == [{"from": "2026-12-07", "to": "2026-12-08"}]
    assert data["closed_days"] == ["2026-12-02"]


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        ([], None, "JSON object"),
        ({"weekly": {}, "colour": "red"}, "colour", "unknown fields"),
        ({"weekly": {"monday": []}}, "weekly.monday", "unknown weekday"),
        ({"weekly": {"mon": {"start": "10:00"}}}, "weekly.mon", "list"),
        ({"weekly": {"mon": [{"start": "10:00"}]}}, "weekly.mon[0]", "HH:MM"),
        ({"weekly": {"mon": [{"start": "9:00", "end": "10:00"}]}}, "weekly.mon[0]", "not a time"),
        ({"weekly": {"mon": [{"start": "11:00", "end": "10:00"}]}}, "weekly.mon[0]", "start before"),
        ({"weekly": {"mon": [{"start": 10, "end": "11:00"}]}}, "weekly.mon[0]", "not a time"),
        ({"leaves": [{"from": "2026-12-09", "to": "2026-12-01"}]}, "leaves[0]", "before it starts"),
        ({"leaves": [{"from": "2026-12-01"}]}, "leaves[0]", "both days included"),
        ({"leaves": [{"from": "2026-13-01", "to": "2026-12-01"}]}, "leaves[0]", "not a date"),
        ({"closed_days": ["2026/12/24"]}, "closed_days[0]", "not a date"),
        ({"closed_days": "2026-12-24"}, "closed_days", "list"),
        ({"timezone": "Mars/Base"}, "timezone", "time zone"),
    ],
)
def test_from_dict_errors_name_the_field(data: object, field: str | None, fragment: str) -> None:
    with pytest.raises(InvalidAvailabilityError) as info:
        Availability.from_dict(data)
    assert fragment in str(info.value)
    assert info.value.field == field
    assert isinstance(info.value, AvailabilityError) and isinstance(info.value, ValueError)


_QUARTERS = [t(h, m) for h in range(10, 18) for m in (0, 15, 30, 45) if t(h, m) <= t(17)]


@st.composite
def availabilities(draw: st.DrawFn) -> Availability:
    week = []
    for day in range(7):
        points = sorted(draw(st.sets(st.sampled_from(_QUARTERS), max_size=6)))
        pairs = [TimeRange(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]
        week.append(tuple(pairs if day < 5 else ()))
    base = date(2026, 1, 1)
    leaves = []
    for first, length in draw(st.lists(st.tuples(st.integers(0, 364), st.integers(0, 40)), max_size=4)):
        leaves.append(Leave(base + timedelta(days=first), base + timedelta(days=first + length)))
    closed = draw(st.sets(st.integers(0, 364).map(lambda n: base + timedelta(days=n)), max_size=5))
    return Availability(week=tuple(week), leaves=tuple(leaves), closed_days=frozenset(closed))


@settings(max_examples=150, deadline=None)
@given(availabilities())
def test_round_trip_through_plain_data(a: Availability) -> None:
    data = json.loads(json.dumps(a.to_dict()))
    assert Availability.from_dict(data) == a
    assert Availability.from_dict(data).to_dict() == data


@settings(max_examples=100, deadline=None)
@given(availabilities(), st.integers(0, 364), st.sampled_from(_QUARTERS[:-1]), st.sampled_from([15, 30, 45]))
def test_is_available_agrees_with_free_intervals(a: Availability, day_n: int, start: time,
                                                 minutes: int) -> None:
    d = date(2026, 1, 1) + timedelta(days=day_n)
    s = datetime.combine(d, start, tzinfo=KST)
    e = s + timedelta(minutes=minutes)
    inside = any(lo <= s and e <= hi for lo, hi in a.free_intervals_on(d))
    assert a.is_available(s, e) == inside
    if a.is_away(d):
        assert not inside

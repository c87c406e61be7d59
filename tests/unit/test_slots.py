"""Reservation slots on real 2026 dates: exclusions, range checks, and listing = booking."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.availability import Availability, Leave, TimeRange
from chalicelib.domain.calendar import DEFAULT_WINDOWS, ServiceCalendar
from chalicelib.domain.slots import (
    AttorneySchedule,
    InvalidSlotError,
    OpenSlot,
    SlotProblem,
    SlotRangeError,
    SlotRules,
    check_range,
    default_range,
    free_attorneys,
    last_bookable_day,
    open_slots,
    slot_starts_on,
)

KST = ZoneInfo("Asia/Seoul")
CAL = ServiceCalendar(DEFAULT_WINDOWS)
RULES = SlotRules()  # 30 minutes, 60 minutes' notice, 14 days ahead
FULL = Availability.full(CAL)


def kst(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=KST)


def sched(aid: str, availability: Availability = FULL, booked: tuple[datetime, ...] = (),
          at_cap: bool = False) -> AttorneySchedule:
    return AttorneySchedule(aid, availability, frozenset(booked), at_cap)


def by_day(slots: list[OpenSlot]) -> dict[date, list[str]]:
    days: dict[date, list[str]] = {}
    for s in slots:
        days.setdefault(s.start.date(), []).append(f"{s.start:%H:%M}")
    return days


DAY = ["10:00", "10:30", "11:00", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"]


# -- the grid --------------------------------------------------------------------------


def test_grid_fits_each_window() -> None:
    tue = date(2026, 12, 1)
    assert [f"{s:%H:%M}" for s in slot_starts_on(CAL, RULES, tue)] == DAY
    assert [f"{s:%H:%M}" for s in slot_starts_on(CAL, SlotRules(slot_minutes=45), tue)] == [
        "10:00", "10:45", "14:00", "14:45", "15:30", "16:15"]
    # An hour-long slot cannot start at 11:00: it would run past 11:30.
    assert [f"{s:%H:%M}" for s in slot_starts_on(CAL, SlotRules(slot_minutes=60), tue)] == [
        "10:00", "14:00", "15:00", "16:00"]
    assert slot_starts_on(CAL, RULES, date(2026, 12, 5)) == []  # Saturday
    assert all(s.tzinfo == KST for s in slot_starts_on(CAL, RULES, tue))


def test_open_slots_shape() -> None:
    now = kst(2026, 11, 30, 9)
    slots = open_slots(CAL, RULES, [sched("a")], now, date(2026, 12, 1), date(2026, 12, 1))
    assert len(slots) == 9
    first = slots[0]
    assert first == OpenSlot(kst(2026, 12, 1, 10), kst(2026, 12, 1, 10, 30), frozenset({"a"}))
    assert first.start.utcoffset() == timedelta(hours=9)


# -- closed days -----------------------------------------------------------------------


def test_weekends_and_substitute_and_public_holidays_have_no_slots() -> None:
    # Thu 2026-10-01 09:00. In range: Sat 10-03 (개천절) and Sun 10-04, Mon 10-05 (its
    # substitute holiday, 대체공휴일), Fri 10-09 (한글날), weekend 10-10/11.
    now = kst(2026, 10, 1, 9)
    slots = open_slots(CAL, RULES, [sched("a")], now, date(2026, 10, 1), date(2026, 10, 15))
    days = by_day(slots)
    assert sorted(days) == [date(2026, 10, d) for d in (1, 2, 6, 7, 8, 12, 13, 14, 15)]
    assert all(times == DAY for times in days.values())
    for closed, reason in ((kst(2026, 10, 5, 10), "holiday"), (kst(2026, 10, 10, 10), "weekend")):
        with pytest.raises(InvalidSlotError) as info:
            free_attorneys(CAL, RULES, [sched("a")], now, closed)
        assert info.value.problem is SlotProblem.CLOSED_DAY and info.value.reason == reason
    with pytest.raises(InvalidSlotError) as substitute:
        free_attorneys(CAL, RULES, [sched("a")], now, kst(2026, 10, 5, 10))
    assert "대체" in substitute.value.data["holiday"] and substitute.value.data["day"] == "2026-10-05"


def test_christmas_2026_has_no_slots() -> None:
    now = kst(2026, 12, 21, 9)  # Monday
    days = by_day(open_slots(CAL, RULES, [sched("a")], now, date(2026, 12, 21), date(2026, 12, 28)))
    assert sorted(days) == [date(2026, 12, d) for d in (21, 22, 23, 24, 28)]
    with pytest.raises(InvalidSlotError) as info:
        free_attorneys(CAL, RULES, [sched("a")], now, kst(2026, 12, 25, 14))
    assert "기독탄신일" in info.value.data["holiday"]


def test_extra_closed_day_of_the_centre() -> None:
    cal = ServiceCalendar(DEFAULT_WINDOWS, extra_closed_days=[date(2026, 12, 31)])
    now = kst(2026, 12, 29, 9)
    days = by_day(open_slots(cal, RULES, [sched("a")], now, date(2026, 12, 29), date(2026, 12, 31)))
    assert sorted(days) == [date(2026, 12, 29), date(2026, 12, 30)]


# -- now, notice, horizon ---------------------------------------------------------------------


def test_past_and_minimum_notice() -> None:
    now = kst(2026, 12, 1, 10, 10)  # Tuesday
    days = by_day(open_slots(CAL, RULES, [sched("a")], now, date(2026, 12, 1), date(2026, 12, 1)))
    assert days[date(2026, 12, 1)] == DAY[3:]  # 10:00 has begun; 10:30 and 11:00 are within the hour
    problems = {}
    for hh, mm in ((10, 0), (10, 30), (11, 0)):
        with pytest.raises(InvalidSlotError) as info:
            free_attorneys(CAL, RULES, [sched("a")], now, kst(2026, 12, 1, hh, mm))
        problems[f"{hh}:{mm:02d}"] = info.value.problem
    assert problems == {"10:00": SlotProblem.PAST, "10:30": SlotProblem.INSIDE_MIN_NOTICE,
                        "11:00": SlotProblem.INSIDE_MIN_NOTICE}
    assert free_attorneys(CAL, RULES, [sched("a")], now, kst(2026, 12, 1, 14)) == {"a"}

    no_notice = SlotRules(min_notice_minutes=0)
    days = by_day(open_slots(CAL, no_notice, [sched("a")], now, date(2026, 12, 1), date(2026, 12, 1)))
    assert days[date(2026, 12, 1)] == DAY[1:]  # past still excluded


def test_minimum_notice_boundary_is_inclusive() -> None:
    now = kst(2026, 12, 1, 9, 30)
    assert free_attorneys(CAL, RULES, [sched("a")], now, kst(2026, 12, 1, 10, 30)) == {"a"}
    with pytest.raises(InvalidSlotError) as info:
        free_attorneys(CAL, RULES, [sched("a")], now, kst(2026, 12, 1, 10))
    assert info.value.data["minutes"] == "60" and info.value.data["earliest"] == "2026-12-01 10:30"


def test_horizon() -> None:
    now = kst(2026, 12, 1, 9)  # Tuesday; 14 days ahead is Tuesday 2026-12-15
    assert last_bookable_day(CAL, RULES, now) == date(2026, 12, 15)
    assert default_range(CAL, RULES, now) == (date(2026, 12, 1), date(2026, 12, 15))
    days = by_day(open_slots(CAL, RULES, [sched("a")], now, date(2026, 12, 1), date(2026, 12, 15)))
    assert max(days) == date(2026, 12, 15)
    assert free_attorneys(CAL, RULES, [sched("a")], now, kst(2026, 12, 15, 16, 30)) == {"a"}
    with pytest.raises(InvalidSlotError) as info:
        free_attorneys(CAL, RULES, [sched("a")], now, kst(2026, 12, 16, 10))
    assert info.value.problem is SlotProblem.BEYOND_HORIZON and info.value.data["last_day"] == "2026-12-15"


# -- range checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "last", "reason", "data"),
    [
        (date(2026, 12, 5), date(2026, 12, 3), "reversed", {"first": "2026-12-05", "last": "2026-12-03"}),
        (date(2026, 12, 1), date(2026, 12, 16), "beyond_horizon", {"last_day": "2026-12-15"}),
        (date(2027, 1, 4), date(2027, 1, 8), "beyond_horizon", {"last_day": "2026-12-15"}),
        (date(2026, 11, 20), date(2026, 12, 5), "too_long", {"max_days": 15, "days": 16}),
    ],
)
def test_bad_ranges_are_refused_with_the_numbers_for_a_clear_message(first: date, last: date, reason: str,
                                                                     data: dict[str, object]) -> None:
    now = kst(2026, 12, 1, 9)
    with pytest.raises(SlotRangeError) as info:
        open_slots(CAL, RULES, [sched("a")], now, first, last)
    assert info.value.reason == reason and {k: getattr(info.value, k) for k in data} == data
    with pytest.raises(SlotRangeError):
        check_range(CAL, RULES, now, first, last)


def test_range_reaching_into_the_past_is_fine_and_shows_nothing_past() -> None:
    now = kst(2026, 12, 3, 9)
    days = by_day(open_slots(CAL, RULES, [sched("a")], now, date(2026, 11, 30), date(2026, 12, 3)))
    assert sorted(days) == [date(2026, 12, 3)]
    with pytest.raises(SlotRangeError) as info:
        check_range(CAL, RULES, now, kst(2026, 12, 3), date(2026, 12, 4))  # type: ignore[arg-type]
    assert info.value.reason == "not_a_date" and info.value.field == "from"


# -- attorneys -----------------------------------------------------------------------------


def test_attorney_on_leave_or_closed_day_is_not_offered() -> None:
    now = kst(2026, 11, 30, 9)
    a = sched("a", FULL.replace_exceptions(leaves=[Leave(date(2026, 12, 2), date(2026, 12, 3))]))
    b = sched("b", FULL.replace_exceptions(closed_days=[date(2026, 12, 2)]))
    slots = open_slots(CAL, RULES, [a, b], now, date(2026, 12, 1), date(2026, 12, 4))
    who = {s.start.date(): set() for s in slots}
    for s in slots:
        who[s.start.date()] |= s.attorney_ids
    assert who == {date(2026, 12, 1): {"a", "b"}, date(2026, 12, 3): {"b"}, date(2026, 12, 4): {"a", "b"}}
    with pytest.raises(InvalidSlotError):
        free_attorneys(CAL, RULES, [a, b], now, kst(2026, 12, 2, 10, 15))  # not a slot start
    assert free_attorneys(CAL, RULES, [a, b], now, kst(2026, 12, 2, 10)) == frozenset()


def test_attorney_at_cap_is_not_offered() -> None:
    now = kst(2026, 11, 30, 9)
    slots = open_slots(CAL, RULES, [sched("a", at_cap=True), sched("b")], now,
                       date(2026, 12, 1), date(2026, 12, 1))
    assert len(slots) == 9 and all(s.attorney_ids == {"b"} for s in slots)
    assert open_slots(CAL, RULES, [sched("a", at_cap=True)], now, date(2026, 12, 1), date(2026, 12, 1)) == []


def test_booked_attorney_is_not_offered_at_that_start() -> None:
    now = kst(2026, 11, 30, 9)
    taken = kst(2026, 12, 1, 10)
    a = sched("a", booked=(taken,))
    b = sched("b", booked=(datetime(2026, 12, 1, 1, 0, tzinfo=UTC),))  # the same instant in UTC
    slots = {s.start: s.attorney_ids for s in open_slots(CAL, RULES, [a, sched("c"), b], now,
                                                         date(2026, 12, 1), date(2026, 12, 1))}
    assert slots[taken] == {"c"}
    assert slots[kst(2026, 12, 1, 10, 30)] == {"a", "b", "c"}
    assert free_attorneys(CAL, RULES, [a, b], now, taken) == frozenset()
    assert taken not in {s.start for s in open_slots(CAL, RULES, [a, b], now, date(2026, 12, 1),
                                                     date(2026, 12, 1))}


def test_booking_made_under_a_longer_slot_blocks_the_overlap() -> None:
    now = kst(2026, 11, 30, 9)
    a = sched("a", booked=(kst(2026, 12, 1, 14, 15),))  # off the 30-minute grid
    listed = open_slots(CAL, RULES, [a], now, date(2026, 12, 1), date(2026, 12, 1))
    slots = {f"{s.start:%H:%M}" for s in listed}
    assert "14:00" not in slots and "14:30" not in slots and "15:00" in slots


def test_slot_must_fit_inside_the_attorneys_availability() -> None:
    now = kst(2026, 11, 30, 9)
    part = Availability.of({d: [(time(10, 15), time(11, 30)), (time(14), time(14, 45))] for d in range(5)})
    days = by_day(open_slots(CAL, RULES, [sched("a", part)], now, date(2026, 12, 1), date(2026, 12, 1)))
    # 10:00 would start before they do; 14:30 would run past 14:45.
    assert days[date(2026, 12, 1)] == ["10:30", "11:00", "14:00"]


def test_availability_outside_the_windows_is_clipped_to_them() -> None:
    # A stored template from before an hours change: it never yields a slot outside the windows.
    wide = Availability(week=((TimeRange(time(8), time(19)),),) * 5 + ((), ()))
    days = by_day(open_slots(CAL, RULES, [sched("a", wide)], kst(2026, 11, 30, 9),
                             date(2026, 12, 1), date(2026, 12, 1)))
    assert days[date(2026, 12, 1)] == DAY


def test_naive_and_duplicate_inputs_are_refused() -> None:
    now = kst(2026, 11, 30, 9)
    with pytest.raises(ValueError, match="aware"):
        free_attorneys(CAL, RULES, [sched("a")], now, datetime(2026, 12, 1, 10))
    with pytest.raises(ValueError, match="duplicate"):
        open_slots(CAL, RULES, [sched("a"), sched("a")], now, date(2026, 12, 1), date(2026, 12, 1))
    with pytest.raises(ValueError):
        AttorneySchedule("a", FULL, frozenset({datetime(2026, 12, 1, 10)}))
    with pytest.raises(ValueError):
        SlotRules(slot_minutes=0)


# -- listing and booking share one rule (property-based) --------------------------------------

_QUARTERS = [time(h, m) for h in range(10, 17) for m in (0, 15, 30, 45)] + [time(17)]
_BASE = date(2026, 12, 21)  # Monday; Christmas (Fri) and a weekend fall in the next days


@st.composite
def schedules(draw: st.DrawFn) -> list[AttorneySchedule]:
    result = []
    for n in range(draw(st.integers(1, 4))):
        week = []
        for _day in range(5):
            points = sorted(draw(st.sets(st.sampled_from(_QUARTERS), max_size=6)))
            week.append(tuple(TimeRange(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)))
        leaves = [Leave(_BASE + timedelta(days=a), _BASE + timedelta(days=a + b))
                  for a, b in draw(st.lists(st.tuples(st.integers(0, 14), st.integers(0, 3)), max_size=2))]
        closed = draw(st.sets(st.integers(0, 14).map(lambda k: _BASE + timedelta(days=k)), max_size=2))
        availability = Availability(week=tuple(week) + ((), ()), leaves=tuple(leaves),
                                    closed_days=frozenset(closed))
        booked = draw(st.sets(st.tuples(st.integers(0, 14), st.sampled_from(_QUARTERS[:-1])), max_size=8))
        result.append(AttorneySchedule(
            attorney_id=f"att-{n}",
            availability=availability,
            booked_starts=frozenset(datetime.combine(_BASE + timedelta(days=d), t, tzinfo=KST)
                                    for d, t in booked),
            at_cap=draw(st.booleans()) and draw(st.booleans()),
        ))
    return result


def _oracle(rules: SlotRules, roster: list[AttorneySchedule], now: datetime, first: date,
            last: date) -> dict[datetime, frozenset[str]]:
    """Open slots by minute arithmetic, written without slots.py."""
    length = rules.slot_minutes
    today = now.astimezone(KST).date()
    found: dict[datetime, frozenset[str]] = {}
    day = first
    while day <= last:
        if day.weekday() < 5 and CAL.holiday_name(day) is None and day <= today + timedelta(
                days=rules.horizon_days):
            for w_start, w_end in ((600, 690), (840, 1020)):
                m = w_start
                while m + length <= w_end:
                    start = datetime.combine(day, time(m // 60, m % 60), tzinfo=KST)
                    if start > now and start >= now + timedelta(minutes=rules.min_notice_minutes):
                        free = set()
                        for s in roster:
                            a = s.availability
                            if s.at_cap or day in a.closed_days or any(
                                    lv.first_day <= day <= lv.last_day for lv in a.leaves):
                                continue
                            fits = any(r.start.hour * 60 + r.start.minute <= m
                                       and m + length <= r.end.hour * 60 + r.end.minute
                                       for r in a.week[day.weekday()])
                            clash = any(abs((b - start).total_seconds()) < length * 60
                                        for b in s.booked_starts)
                            if fits and not clash:
                                free.add(s.attorney_id)
                        if free:
                            found[start] = frozenset(free)
                    m += length
        day += timedelta(days=1)
    return found


@settings(max_examples=120, deadline=None)
@given(
    roster=schedules(),
    now_offset=st.integers(0, 3 * 24 * 60 - 1),
    span=st.tuples(st.integers(0, 14), st.integers(0, 14)),
    slot_minutes=st.sampled_from([30, 45]),
    notice=st.sampled_from([0, 60, 120]),
)
def test_listing_and_booking_agree(roster: list[AttorneySchedule], now_offset: int, span: tuple[int, int],
                                   slot_minutes: int, notice: int) -> None:
    rules = SlotRules(slot_minutes=slot_minutes, min_notice_minutes=notice, horizon_days=14)
    now = kst(2026, 12, 21) + timedelta(minutes=now_offset)
    today = now.date()
    first, last = sorted(today + timedelta(days=k) for k in span)
    last = min(last, last_bookable_day(CAL, rules, now))
    first = min(first, last)

    listed = open_slots(CAL, rules, roster, now, first, last)
    assert {s.start: s.attorney_ids for s in listed} == _oracle(rules, roster, now, first, last)
    for s in listed:
        assert free_attorneys(CAL, rules, roster, now, s.start) == s.attorney_ids  # booking would accept
        assert s.end - s.start == timedelta(minutes=slot_minutes)
    listed_starts = {s.start for s in listed}
    day = first
    while day <= last:
        for start in slot_starts_on(CAL, rules, day):
            if start in listed_starts:
                continue
            try:
                assert free_attorneys(CAL, rules, roster, now, start) == frozenset()
            except InvalidSlotError:
                pass
        day += timedelta(days=1)

"""Service calendar tests on real 2026-2027 Korean dates (no clock, no network)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.calendar import (
    DEFAULT_WINDOWS,
    ServiceCalendar,
    ServiceWindow,
    korean_holidays,
)

KST = ZoneInfo("Asia/Seoul")
UTC = UTC


def kst(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=KST)


@pytest.fixture(scope="module")
def cal() -> ServiceCalendar:
    return ServiceCalendar(DEFAULT_WINDOWS)


# -- plain days --------------------------------------------------------------


def test_saturday_is_closed(cal: ServiceCalendar) -> None:
    sat = date(2026, 12, 5)
    assert sat.weekday() == 5
    assert not cal.is_service_day(sat)
    assert cal.windows_on(sat) == []
    assert not cal.is_open(kst(2026, 12, 5, 10, 30))
    assert cal.window_at(kst(2026, 12, 5, 15, 0)) is None
    assert cal.next_opening(kst(2026, 12, 5, 10, 30)) == kst(2026, 12, 7, 10, 0)


def test_plain_weekday_window_boundaries(cal: ServiceCalendar) -> None:
    tue = date(2026, 12, 1)
    assert tue.weekday() == 1 and cal.holiday_name(tue) is None
    assert cal.is_service_day(tue)

    assert not cal.is_open(kst(2026, 12, 1, 9, 59, 59, 999999))
    assert cal.is_open(kst(2026, 12, 1, 10, 0))
    assert cal.is_open(kst(2026, 12, 1, 11, 29, 59, 999999))
    assert not cal.is_open(kst(2026, 12, 1, 11, 30))  # half-open: end excluded
    assert not cal.is_open(kst(2026, 12, 1, 13, 59, 59))
    assert cal.is_open(kst(2026, 12, 1, 14, 0))
    assert cal.is_open(kst(2026, 12, 1, 16, 59, 59, 999999))
    assert not cal.is_open(kst(2026, 12, 1, 17, 0))

    assert cal.window_at(kst(2026, 12, 1, 10, 0)) == DEFAULT_WINDOWS[0]
    assert cal.window_at(kst(2026, 12, 1, 14, 0)) == DEFAULT_WINDOWS[1]


def test_windows_on_weekday_are_aware_kst_pairs(cal: ServiceCalendar) -> None:
    assert cal.windows_on(date(2026, 12, 1)) == [
        (kst(2026, 12, 1, 10, 0), kst(2026, 12, 1, 11, 30)),
        (kst(2026, 12, 1, 14, 0), kst(2026, 12, 1, 17, 0)),
    ]
    for start, end in cal.windows_on(date(2026, 12, 1)):
        assert start.utcoffset() == timedelta(hours=9)
        assert end.utcoffset() == timedelta(hours=9)


def test_current_window_end(cal: ServiceCalendar) -> None:
    assert cal.current_window_end(kst(2026, 12, 1, 10, 15)) == kst(2026, 12, 1, 11, 30)
    assert cal.current_window_end(kst(2026, 12, 1, 14, 0)) == kst(2026, 12, 1, 17, 0)
    assert cal.current_window_end(kst(2026, 12, 1, 11, 30)) is None
    assert cal.current_window_end(kst(2026, 12, 5, 10, 15)) is None  # Saturday


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (kst(2026, 12, 1, 8, 0), kst(2026, 12, 1, 10, 0)),  # before opening
        (kst(2026, 12, 1, 10, 0), kst(2026, 12, 1, 14, 0)),  # open at start: next one
        (kst(2026, 12, 1, 10, 15), kst(2026, 12, 1, 14, 0)),  # open
        (kst(2026, 12, 1, 11, 30), kst(2026, 12, 1, 14, 0)),  # lunch gap
        (kst(2026, 12, 1, 14, 0), kst(2026, 12, 2, 10, 0)),  # open in last window
        (kst(2026, 12, 1, 17, 0), kst(2026, 12, 2, 10, 0)),  # after closing
    ],
)
def test_next_opening_on_weekdays(cal: ServiceCalendar, now: datetime, expected: datetime) -> None:
    assert cal.next_opening(now) == expected


# -- holidays ----------------------------------------------------------------


def test_chuseok_2026_is_closed(cal: ServiceCalendar) -> None:
    # 2026-09-24 (Thu) 추석 전날, 09-25 (Fri) 추석, 09-26 (Sat) 추석 다음날.
    expected = {
        date(2026, 9, 24): "추석 전날",
        date(2026, 9, 25): "추석",
        date(2026, 9, 26): "추석 다음날",
    }
    for d, name in expected.items():
        assert cal.holiday_name(d) == name
        assert not cal.is_service_day(d)
        assert cal.windows_on(d) == []
    assert not cal.is_open(kst(2026, 9, 24, 10, 30))
    assert not cal.is_open(kst(2026, 9, 25, 15, 0))
    # The third day falls on a Saturday, which earns no substitute holiday for
    # Chuseok (only a Sunday or an overlap does): Monday 09-28 is a normal day.
    assert cal.holiday_name(date(2026, 9, 28)) is None
    assert cal.next_opening(kst(2026, 9, 23, 17, 0)) == kst(2026, 9, 28, 10, 0)


def test_chuseok_2027_is_closed(cal: ServiceCalendar) -> None:
    for d in (date(2027, 9, 14), date(2027, 9, 15), date(2027, 9, 16)):  # Tue-Thu
        assert cal.holiday_name(d) is not None and "추석" in cal.holiday_name(d)
        assert not cal.is_service_day(d)
    assert cal.next_opening(kst(2027, 9, 13, 17, 0)) == kst(2027, 9, 17, 10, 0)


@pytest.mark.parametrize(
    ("d", "base_holiday"),
    [
        (date(2026, 3, 2), "삼일절"),  # 03-01 was a Sunday
        (date(2026, 5, 25), "부처님오신날"),  # 05-24 was a Sunday
        (date(2026, 8, 17), "광복절"),  # 08-15 was a Saturday
        (date(2026, 10, 5), "개천절"),  # 10-03 was a Saturday
        (date(2027, 2, 9), "설날"),  # 설날 holidays spanned Sat-Mon
        (date(2027, 12, 27), "기독탄신일"),  # Christmas 2027 is a Saturday
    ],
)
def test_substitute_holidays_are_closed(cal: ServiceCalendar, d: date, base_holiday: str) -> None:
    assert d.weekday() < 5
    name = cal.holiday_name(d)
    assert name is not None
    assert name.startswith(base_holiday) and "대체" in name  # e.g. "광복절 대체 휴일"
    assert not cal.is_service_day(d)
    assert not cal.is_open(datetime.combine(d, time(10, 30), tzinfo=KST))


def test_christmas_2026_friday_reopens_monday(cal: ServiceCalendar) -> None:
    xmas = date(2026, 12, 25)
    assert xmas.weekday() == 4
    assert cal.holiday_name(xmas) == "기독탄신일"
    assert not cal.is_service_day(xmas)
    assert not cal.is_open(kst(2026, 12, 25, 10, 30))
    assert cal.next_opening(kst(2026, 12, 24, 17, 0)) == kst(2026, 12, 28, 10, 0)
    assert cal.next_opening(kst(2026, 12, 25, 12, 0)) == kst(2026, 12, 28, 10, 0)


@pytest.mark.parametrize(
    ("friday_close", "tuesday_open"),
    [
        # Mon 2026-08-17 is the substitute holiday for Liberation Day.
        (kst(2026, 8, 14, 17, 0), kst(2026, 8, 18, 10, 0)),
        # Mon 2026-10-05 is the substitute holiday for National Foundation Day.
        (kst(2026, 10, 2, 17, 0), kst(2026, 10, 6, 10, 0)),
    ],
)
def test_friday_evening_before_holiday_monday_skips_to_tuesday(
    cal: ServiceCalendar, friday_close: datetime, tuesday_open: datetime
) -> None:
    assert friday_close.weekday() == 4
    assert cal.is_service_day(friday_close.date())
    assert cal.next_opening(friday_close) == tuesday_open


def test_holiday_table_is_cached_per_year() -> None:
    assert korean_holidays(2026) is korean_holidays(2026)
    assert date(2026, 9, 25) in korean_holidays(2026)
    assert date(2026, 9, 25) not in korean_holidays(2027)


# -- time zones --------------------------------------------------------------


def test_utc_input_is_converted_to_kst(cal: ServiceCalendar) -> None:
    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 KST
    assert cal.is_open(now)
    assert cal.window_at(now) == DEFAULT_WINDOWS[0]
    assert cal.current_window_end(now) == kst(2026, 12, 1, 11, 30)
    nxt = cal.next_opening(now)
    assert nxt == kst(2026, 12, 1, 14, 0)
    assert nxt.tzinfo == KST and nxt.utcoffset() == timedelta(hours=9)
    assert not cal.is_open(datetime(2026, 12, 1, 0, 59, 59, tzinfo=UTC))  # 09:59:59 KST


def test_utc_friday_evening_is_kst_saturday(cal: ServiceCalendar) -> None:
    now = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # Sat 2026-12-05 08:30 KST
    assert cal.local_date(now) == date(2026, 12, 5)
    assert not cal.is_open(now)
    assert cal.next_opening(now) == kst(2026, 12, 7, 10, 0)


def test_other_fixed_offset_input(cal: ServiceCalendar) -> None:
    pst = timezone(timedelta(hours=-8))
    now = datetime(2026, 11, 30, 21, 0, tzinfo=pst)  # 2026-12-01 14:00 KST
    assert cal.window_at(now) == DEFAULT_WINDOWS[1]


@pytest.mark.parametrize(
    "method", ["is_open", "window_at", "next_opening", "current_window_end", "to_local"]
)
def test_naive_datetime_raises(cal: ServiceCalendar, method: str) -> None:
    with pytest.raises(ValueError, match="aware datetime required"):
        getattr(cal, method)(datetime(2026, 12, 1, 10, 0))


def test_day_methods_reject_datetimes(cal: ServiceCalendar) -> None:
    with pytest.raises(TypeError):
        cal.is_service_day(kst(2026, 12, 1, 10, 0))  # type: ignore[arg-type]


# -- configuration -----------------------------------------------------------


def test_extra_closed_days(cal: ServiceCalendar) -> None:
    closed = date(2026, 12, 2)  # a plain Wednesday
    custom = ServiceCalendar(DEFAULT_WINDOWS, extra_closed_days=frozenset({closed}))
    assert cal.is_service_day(closed)
    assert not custom.is_service_day(closed)
    assert custom.holiday_name(closed) is None
    assert not custom.is_open(kst(2026, 12, 2, 10, 30))
    assert custom.next_opening(kst(2026, 12, 1, 17, 0)) == kst(2026, 12, 3, 10, 0)


def test_custom_windows_from_settings() -> None:
    single = ServiceCalendar([ServiceWindow(time(9, 0), time(18, 0))])
    assert single.is_open(kst(2026, 12, 1, 12, 0))
    assert single.next_opening(kst(2026, 12, 1, 12, 0)) == kst(2026, 12, 2, 9, 0)


def test_windows_are_sorted() -> None:
    cal = ServiceCalendar(list(reversed(DEFAULT_WINDOWS)))
    assert cal.windows == DEFAULT_WINDOWS


@pytest.mark.parametrize(
    "windows",
    [
        [],
        [ServiceWindow(time(10), time(12)), ServiceWindow(time(11), time(13))],
    ],
)
def test_invalid_window_sets_rejected(windows: list[ServiceWindow]) -> None:
    with pytest.raises(ValueError):
        ServiceCalendar(windows)


def test_invalid_window_rejected() -> None:
    with pytest.raises(ValueError):
        ServiceWindow(time(12), time(12))
    with pytest.raises(ValueError):
        ServiceWindow(time(17), time(10))


def test_unknown_time_zone_rejected() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        ServiceCalendar(DEFAULT_WINDOWS, tz="Mars/Olympus_Mons")

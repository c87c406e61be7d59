"""The local scheduler's reading of EventBridge crons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ops.cron import CronError, matches


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_minute() -> None:
    assert matches(("*", "*", "*", "*", "?", "*"), at("2026-12-01T00:07"))


def test_steps_ranges_and_weekday_names() -> None:
    cron = ("*/5", "1-8", "?", "*", "MON-FRI", "*")  # every 5 min, 10:00-17:59 KST, weekdays
    assert matches(cron, at("2026-12-01T01:05"))      # Tuesday
    assert not matches(cron, at("2026-12-01T01:06"))
    assert not matches(cron, at("2026-12-01T09:05"))
    assert not matches(cron, at("2026-12-05T01:05"))  # Saturday


def test_day_of_week_numbers_count_from_sunday() -> None:
    assert matches(("0", "0", "?", "*", "1", "*"), at("2026-11-29T00:00"))  # Sunday
    assert not matches(("0", "0", "?", "*", "1", "*"), at("2026-11-30T00:00"))


def test_lists_and_months() -> None:
    cron = ("0,30", "2", "1", "JAN,DEC", "?", "*")
    assert matches(cron, at("2026-12-01T02:30"))
    assert not matches(cron, at("2026-11-01T02:30"))


@pytest.mark.parametrize("cron", [("60", "*", "*", "*", "?", "*"), ("*", "*", "*", "*", "XYZ", "*"),
                                  ("*", "*", "*")])
def test_bad_expressions_are_refused(cron) -> None:
    with pytest.raises(CronError):
        matches(cron, at("2026-12-01T00:00"))

"""The local stage's shifted clock (``MAEUL_CLOCK``): its forms, one clock for every process, and
no clock override on any stage but ``local``."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.clock import ClockSettingError, as_of, parse_clock, pinned, system_clock
from chalicelib.composition import Container
from chalicelib.settings import Settings, SettingsError
from ops.processes import ROOT

KST = ZoneInfo("Asia/Seoul")
MONDAY_OPENING = datetime(2026, 12, 7, 10, 0, 30, tzinfo=KST)


def test_an_instant_is_read_when_the_process_starts_and_advances_normally() -> None:
    started = time.monotonic() - 2.0  # the process began two seconds ago
    clock = parse_clock(MONDAY_OPENING.isoformat(), started=started)
    elapsed = clock() - MONDAY_OPENING
    assert timedelta(seconds=1.9) < elapsed < timedelta(seconds=10)
    first = clock()
    time.sleep(0.05)
    assert clock() > first


def test_a_pinned_instant_gives_every_process_the_same_clock() -> None:
    value = pinned(MONDAY_OPENING, at=time.monotonic() - 60)
    one = parse_clock(value, started=time.monotonic())
    other = parse_clock(value, started=time.monotonic() - 3600)  # started an hour earlier: no matter
    assert abs(one() - other()) < timedelta(milliseconds=50)
    assert timedelta(seconds=59) < one() - MONDAY_OPENING < timedelta(seconds=70)


@pytest.mark.parametrize(("text", "offset"), [("+3d", timedelta(days=3)), ("-2h30m", -timedelta(hours=2, minutes=30)),
                                              ("+90s", timedelta(seconds=90)), ("-1d2h3m4s", -timedelta(days=1, hours=2,
                                                                                                        minutes=3,
                                                                                                        seconds=4))])
def test_an_offset_moves_the_machines_clock(text: str, offset: timedelta) -> None:
    assert parse_clock(text).offset == offset
    assert abs(parse_clock(text)() - (system_clock() + offset)) < timedelta(seconds=1)


@pytest.mark.parametrize("text", ["tuesday", "2026-12-07T10:00:30", "+", "+3w", "2026-12-07T10:00+09:00@soon"])
def test_anything_else_is_refused_with_the_forms_it_takes(text: str) -> None:
    with pytest.raises(ClockSettingError, match="2026-12-07T10:00:30"):
        parse_clock(text)


def test_the_local_stage_runs_on_the_shifted_clock() -> None:
    container = Container(Settings.from_env({"MAEUL_STAGE": "local", "MAEUL_CLOCK": pinned(MONDAY_OPENING)}))
    assert abs(container.clock() - MONDAY_OPENING) < timedelta(seconds=5)
    assert container.calendar.is_open(container.clock())
    plain = Container(Settings.from_env({"MAEUL_STAGE": "local"}))
    assert abs(plain.clock() - datetime.now(UTC)) < timedelta(seconds=1)


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_any_other_stage_refuses_a_clock_override(stage: str) -> None:
    with pytest.raises(SettingsError, match="only the local stage"):
        Settings.from_env({"MAEUL_STAGE": stage, "MAEUL_CLOCK": "+1d"})


def test_a_bad_clock_stops_the_local_stage_with_the_forms_it_takes() -> None:
    with pytest.raises(SettingsError, match="is not a clock"):
        Settings.from_env({"MAEUL_STAGE": "local", "MAEUL_CLOCK": "next monday"})


def test_scripts_tick_runs_as_of_the_shifted_clock(tmp_path) -> None:
    """``scripts/tick`` without ``--at`` runs as of the local clock: a stack started with
    ``make run AT=…`` and its hand-run jobs agree."""
    env = {**os.environ, "MAEUL_CLOCK": pinned(MONDAY_OPENING), "MAEUL_RUN_DIR": str(tmp_path)}
    code = "from ops.tick import local_now; print(local_now().isoformat())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert timedelta(0) <= datetime.fromisoformat(out.strip()) - MONDAY_OPENING < timedelta(seconds=30)


def test_a_job_run_as_of_an_instant_reads_it_on_every_service_clock_and_only_in_its_own_run() -> None:
    """``scripts/tick --at`` runs a job as of an instant: not only the job's ``now`` but every clock the
    container handed to its services reads it (a resident reminder queued 'in the quiet hours' of the
    real clock was the bug), while a request served meanwhile on another thread keeps the real clock;
    EventBridge's own events (no ``at``) run on the real clock."""
    from chalice import Chalice

    from chalicelib import composition
    from chalicelib.jobs import _register
    from chalicelib.jobs.base import Job, scheduled_event

    real = datetime(2026, 12, 6, 22, 21, tzinfo=KST)  # quiet hours
    container = Container(Settings.from_env({"MAEUL_STAGE": "local"}), clock=lambda: real)
    service_clock = container.clock  # what a service is built with
    runs: list[dict[str, datetime]] = []

    def run(_container, now):
        seen = {"now": now, "service": service_clock()}
        other = threading.Thread(target=lambda: seen.__setitem__("other thread", service_clock()))
        other.start()
        other.join()
        runs.append(seen)
        return {}

    app = Chalice("as-of")
    _register(app, Job("reminders", ("*/5", "*", "*", "*", "?", "*"), "test", run))
    composition.use_container(container)  # the root conftest puts the installed one back
    app.handler_map["reminders"](scheduled_event(MONDAY_OPENING), None)
    app.handler_map["reminders"]({**scheduled_event(MONDAY_OPENING), "detail": {}}, None)  # EventBridge's own
    ticked, scheduled = runs
    assert ticked["now"] == MONDAY_OPENING
    assert timedelta(0) <= ticked["service"] - MONDAY_OPENING < timedelta(seconds=5)
    assert ticked["other thread"] == real
    assert scheduled == {"now": real, "service": real, "other thread": real}
    assert service_clock() == real


def test_as_of_reads_the_instant_at_its_start_and_advances() -> None:
    clock = Container(Settings.from_env({"MAEUL_STAGE": "local"}), clock=lambda: MONDAY_OPENING).clock
    with as_of(MONDAY_OPENING + timedelta(days=90)):
        inside = clock()
        time.sleep(0.02)
        later = clock()
    assert timedelta(days=90) <= inside - MONDAY_OPENING < timedelta(days=90, seconds=5)
    assert later > inside
    assert clock() == MONDAY_OPENING
    with pytest.raises(ClockSettingError):
        with as_of(datetime(2027, 1, 1)):  # no offset: which 1 January?
            pass


def test_the_container_clock_passes_its_own_controls_through() -> None:
    class Adjustable:
        def __init__(self) -> None:
            self.now = MONDAY_OPENING

        def __call__(self) -> datetime:
            return self.now

        def advance(self, by: timedelta) -> None:
            self.now += by

    container = Container(Settings.from_env({"MAEUL_STAGE": "local"}), clock=Adjustable())
    container.clock.advance(timedelta(hours=2))
    assert container.clock() == MONDAY_OPENING + timedelta(hours=2)

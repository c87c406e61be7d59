"""The pid file and the one-time stop of ``make run`` (ops/supervisor.py), with real short-lived processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops.processes import ROOT
from ops.supervisor import PID_FILE_NAME, cmdline, is_recorded_process, start_time, stop_leftovers


@pytest.fixture
def spawn() -> Iterator:
    """Start ``argv`` in its own session, as make run's services are; killed at the end whatever happens."""
    started: list[subprocess.Popen] = []

    def _spawn(*argv: str) -> subprocess.Popen:
        proc = subprocess.Popen(list(argv), start_new_session=True)
        started.append(proc)
        _until(lambda: cmdline(proc.pid) is not None)  # /proc shows the new argv a moment after exec
        return proc

    yield _spawn
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def _until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _record(proc: subprocess.Popen, **overrides: object) -> dict:
    return {"name": "sleeper", "pid": proc.pid, "pgid": proc.pid, "port": None,
            "cmdline": list(proc.args), "start_time": start_time(proc.pid), **overrides}


def _write(run_dir: Path, runner: dict, services: list[dict]) -> Path:
    path = run_dir / PID_FILE_NAME
    path.write_text(json.dumps({"runner": runner, "services": services}), encoding="utf-8")
    return path


def _alive(proc: subprocess.Popen) -> bool:
    return proc.poll() is None


def test_the_leftovers_of_a_dead_runner_are_stopped_and_the_pid_file_removed(tmp_path: Path, spawn) -> None:
    sleeper = spawn("sleep", "30")
    path = _write(tmp_path, {"pid": _dead_pid(), "cmdline": ["python", "-m", "ops.run"]}, [_record(sleeper)])
    assert is_recorded_process(_record(sleeper))

    stopped = stop_leftovers(tmp_path)

    assert stopped == [f"sleeper (pid {sleeper.pid})"]
    assert sleeper.wait(5) == -signal.SIGTERM
    assert not path.exists()


def test_a_recorded_pid_running_another_command_line_is_not_touched(tmp_path: Path, spawn) -> None:
    sleeper = spawn("sleep", "30")
    _write(tmp_path, {"pid": _dead_pid(), "cmdline": ["python", "-m", "ops.run"]},
           [_record(sleeper, cmdline=[sys.executable, "-m", "ops.emulator_server", "-p", "4566"])])

    assert stop_leftovers(tmp_path, grace=0.2) == []
    time.sleep(0.2)
    assert _alive(sleeper)


def test_a_recorded_pid_reused_by_a_later_process_with_the_same_command_line_is_not_touched(
        tmp_path: Path, spawn) -> None:
    sleeper = spawn("sleep", "30")
    _write(tmp_path, {"pid": _dead_pid(), "cmdline": ["python", "-m", "ops.run"]},
           [_record(sleeper, start_time=start_time(sleeper.pid) - 1)])

    assert stop_leftovers(tmp_path, grace=0.2) == []
    time.sleep(0.2)
    assert _alive(sleeper)


def test_nothing_is_stopped_while_the_runner_that_wrote_the_pid_file_is_alive(tmp_path: Path, spawn) -> None:
    runner, sleeper = spawn("sleep", "31"), spawn("sleep", "30")
    path = _write(tmp_path, _record(runner), [_record(sleeper)])

    assert stop_leftovers(tmp_path, grace=0.2) == []
    time.sleep(0.2)
    assert _alive(sleeper) and path.exists()


def test_a_zombie_has_no_command_line(spawn) -> None:
    sleeper = spawn("sleep", "30")
    assert cmdline(sleeper.pid) == ["sleep", "30"]
    os.kill(sleeper.pid, signal.SIGKILL)
    _until(lambda: cmdline(sleeper.pid) is None)
    assert cmdline(sleeper.pid) is None  # not reaped yet: a zombie is not the process recorded


_RUNNER = """
import sys, time
from pathlib import Path
from ops.processes import Service
from ops.supervisor import Supervisor

deaf = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
services = Supervisor(Path(sys.argv[1]), grace=float(sys.argv[2]))
services.install_signal_handlers()
try:
    for n in range(3):
        services.start(Service(f"deaf {n}", [sys.executable, "-c", deaf], None))
    def deaf_yet(pid):  # is SIGTERM ignored yet (SigIgn in /proc/<pid>/status)?
        status = Path(f"/proc/{pid}/status").read_text()
        return int(status.split("SigIgn:")[1].split()[0], 16) & (1 << 14)
    while not all(deaf_yet(s.process.pid) for s in services.services):
        time.sleep(0.01)
    print("running", flush=True)
    services.wait_while_all_run()
except KeyboardInterrupt:
    print("stopping", flush=True)
finally:
    services.stop_all()
import signal  # the interpreter restores default actions while it exits; ignored ones stay ignored
ignored = all(signal.getsignal(n) is signal.SIG_IGN for n in (signal.SIGINT, signal.SIGTERM))
print("stopped", ignored, flush=True)
"""


def _run_supervisor(tmp_path: Path, grace: float,
                    signals: list[tuple[float, int]]) -> tuple[float, list[int], str]:
    """Supervise three services that ignore SIGTERM, send ``signals``; (stop seconds, pids, output)."""
    runner = subprocess.Popen([sys.executable, "-c", _RUNNER, str(tmp_path), str(grace)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    pids: list[int] = []
    try:
        assert runner.stdout is not None
        assert runner.stdout.readline() == b"running\n"
        services = json.loads((tmp_path / PID_FILE_NAME).read_text())["services"]
        pids = [s["pid"] for s in services]
        _until(lambda: all(cmdline(pid) for pid in pids))
        assert len(pids) == 3 and all(cmdline(pid) for pid in pids)
        began = time.monotonic()
        for delay, signum in signals:
            time.sleep(delay)
            runner.send_signal(signum)
        output = runner.stdout.read().decode()
        runner.wait(10)
        return time.monotonic() - began, pids, output
    finally:
        for pid in [runner.pid, *pids]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        runner.wait(5)


def test_a_second_interrupt_while_stopping_kills_the_rest_instead_of_abandoning_them(tmp_path: Path) -> None:
    seconds, pids, output = _run_supervisor(
        tmp_path, grace=5.0, signals=[(0, signal.SIGINT), (0.5, signal.SIGINT), (0.1, signal.SIGTERM)])

    assert "stopped True" in output, output  # a Ctrl-C while it exits changes nothing
    assert "killing what is left" in output, output
    assert seconds < 3  # the grace was 5 s: the second interrupt cut it short
    assert [pid for pid in pids if cmdline(pid)] == []
    assert not (tmp_path / PID_FILE_NAME).exists()


def test_services_that_ignore_sigterm_are_killed_after_the_shared_grace(tmp_path: Path) -> None:
    grace = 2.0
    seconds, pids, output = _run_supervisor(tmp_path, grace=grace, signals=[(0, signal.SIGTERM)])

    assert "stopped True" in output, output
    # one deadline for all three, not one each: one at a time would take three graces at least (the bound
    # leaves a busy machine a whole grace of slack; it was 2.5 s for 1 s and failed under load)
    assert grace <= seconds < 3 * grace
    assert [pid for pid in pids if cmdline(pid)] == []
    assert not (tmp_path / PID_FILE_NAME).exists()

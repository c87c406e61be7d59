"""`make run`'s runner: the whole local stack comes up, answers, and stops leaving nothing behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from ops.processes import ROOT, free_port, port_in_use, wait_http
from ops.supervisor import PID_FILE_NAME, is_recorded_process


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(cmdline)
    return found


def _processes_of_run(run_dir: Path) -> list[int]:
    """The live processes started with ``MAEUL_RUN_DIR=run_dir``: the runner and everything it started."""
    marker = b"\0MAEUL_RUN_DIR=" + str(run_dir).encode() + b"\0"
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if marker in b"\0" + environ:
            found.append(int(proc.name))
    return found


@dataclass
class Run:
    """``python -m ops.run`` on free ports with its own run dir, as ``make run`` starts it."""

    run_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: {
        "MAEUL_AWS_PORT": free_port(), "MAEUL_APP_PORT": free_port(), "MAEUL_IDP_PORT": free_port(),
        "MAEUL_SENS_PORT": free_port()})
    runners: list[subprocess.Popen] = field(default_factory=list)

    @property
    def app(self) -> str:
        return f"http://127.0.0.1:{self.ports['MAEUL_APP_PORT']}"

    def start(self, log_name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        env = {**os.environ, **{k: str(v) for k, v in self.ports.items()}, "MAEUL_RUN_DIR": str(self.run_dir)}
        env.pop("MAEUL_STACK_ENV_FILE", None)
        log_path = self.run_dir / log_name
        with open(log_path, "wb") as log:
            runner = subprocess.Popen([sys.executable, "-m", "ops.run", *args], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.runners.append(runner)
        return runner, log_path

    def wait_running(self, runner: subprocess.Popen, log_path: Path) -> str:
        deadline = time.monotonic() + 180
        while b"is running" not in log_path.read_bytes():
            assert runner.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        wait_http(f"{self.app}/api/health", 10)
        return log_path.read_text()

    def recorded_services(self) -> list[dict]:
        return json.loads((self.run_dir / PID_FILE_NAME).read_text())["services"]

    def assert_nothing_left(self) -> None:
        assert _processes_of_run(self.run_dir) == []
        for port in self.ports.values():
            assert not port_in_use(port), port
            assert _processes_mentioning(f" {port}") == [], port
        assert not (self.run_dir / PID_FILE_NAME).exists()

    def kill_everything(self) -> None:
        """SIGKILL the runners' process groups and every process of the run, then reap the runners.

        Nothing here waits before everything has been sent SIGKILL, and no failure skips a step.
        """
        pids = [r.pid for r in self.runners if r.poll() is None] + _processes_of_run(self.run_dir)
        for pid in pids:
            with contextlib.suppress(OSError):
                if os.getpgid(pid) == pid:  # the runner and each service lead their own process group
                    os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for runner in self.runners:
            with contextlib.suppress(Exception):
                runner.wait(10)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    """A run whose every process is killed at the end, whether the test passed or not."""
    the_run = Run(tmp_path)
    try:
        yield the_run
    finally:
        the_run.kill_everything()


def test_killed_run_leftovers_stopped_shifted_clock_served_and_two_ctrl_cs_stop_everything(run: Run) -> None:
    """One life of ``make run``, as people live it (two starts, each with the whole stack):

    1. it is killed outright (SIGKILL: no clean-up; its services live on in their own sessions);
    2. ``make run AT=…`` on a Sunday: the next start stops those leftovers and says so, and the
       stack comes up with its clock on Monday 10:00 KST (banner and pages say so; the service is
       open);
    3. Ctrl-C, and Ctrl-C again half a second later: every process stops in under 3 seconds.
    """
    first, first_log = run.start("run-1.log")
    run.wait_running(first, first_log)
    leftovers = run.recorded_services()
    assert {s["name"] for s in leftovers} == {"emulator", "identity provider", "SENS emulator", "dev translator",
                                              "app", "scheduler"}
    first.kill()
    first.wait(10)
    assert all(is_recorded_process(s) for s in leftovers)
    assert port_in_use(run.ports["MAEUL_APP_PORT"])

    runner, log_path = run.start("run-2.log", "--at", "2026-12-07T10:00:30+09:00")
    banner = run.wait_running(runner, log_path)
    assert "stopped what an earlier 'make run' left running" in banner, banner
    for service in leftovers:
        assert f"{service['name']} (pid {service['pid']}" in banner, banner
    assert [s["name"] for s in leftovers if is_recorded_process(s)] == []
    assert requests.get(f"{run.app}/api/health", timeout=10).json() == {"status": "ok"}
    assert len(requests.get(f"{run.app}/api/meta", timeout=10).json()["regions"]) == 31
    idp = requests.get(f"http://127.0.0.1:{run.ports['MAEUL_IDP_PORT']}/health", timeout=10)
    assert idp.status_code == 200
    sens = requests.get(f"http://127.0.0.1:{run.ports['MAEUL_SENS_PORT']}/health", timeout=10)
    assert sens.status_code == 200
    assert run.app in banner and "in memory" in banner
    assert "The clock is SHIFTED" in banner and "2026-12-07 10:0" in banner, banner
    landing = requests.get(f"{run.app}/?lang=en", timeout=10).text
    assert "shifted clock" in landing and "2026-12-07 10:0" in landing
    assert 'class="card hours open"' in landing, landing[:2000]  # open: Monday 10:00 KST
    recorded = run.recorded_services()
    assert all(is_recorded_process(s) for s in recorded)

    began = time.monotonic()
    runner.send_signal(signal.SIGINT)
    time.sleep(0.5)
    runner.send_signal(signal.SIGINT)  # nothing happens if the runner is already gone
    runner.wait(30)
    stop_seconds = time.monotonic() - began

    assert runner.returncode == 0, log_path.read_text()
    assert stop_seconds < 3, stop_seconds
    assert [s["name"] for s in recorded if is_recorded_process(s)] == []
    run.assert_nothing_left()


def test_a_clock_that_is_not_an_instant_is_refused_before_anything_starts(run: Run) -> None:
    runner, log_path = run.start("run.log", "--at", "next monday")
    assert runner.wait(60) == 2
    assert "2026-12-07T10:00:30+09:00" in log_path.read_text()  # says what it takes
    run.assert_nothing_left()

"""`make run`'s runner: the whole local stack comes up, answers, and stops leaving nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from ops.processes import ROOT, free_port, port_in_use, wait_http


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


def test_the_local_stack_starts_serves_and_stops_cleanly(tmp_path: Path) -> None:
    ports = {"MAEUL_AWS_PORT": free_port(), "MAEUL_APP_PORT": free_port(), "MAEUL_IDP_PORT": free_port()}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "MAEUL_RUN_DIR": str(tmp_path)}
    env.pop("MAEUL_STACK_ENV_FILE", None)
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115
    runner = subprocess.Popen([sys.executable, "-m", "ops.run"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    app = f"http://127.0.0.1:{ports['MAEUL_APP_PORT']}"
    try:
        deadline = time.monotonic() + 180
        while b"is running" not in (tmp_path / "run.log").read_bytes():
            assert runner.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            time.sleep(0.5)
        wait_http(f"{app}/api/health", 10)
        assert requests.get(f"{app}/api/health", timeout=10).json() == {"status": "ok"}
        meta = requests.get(f"{app}/api/meta", timeout=10).json()
        assert len(meta["regions"]) == 31
        idp = requests.get(f"http://127.0.0.1:{ports['MAEUL_IDP_PORT']}/health", timeout=10)
        assert idp.status_code == 200
        banner = (tmp_path / "run.log").read_text()
        assert app in banner and "in memory" in banner
    finally:
        runner.send_signal(signal.SIGTERM)
        runner.wait(60)
        log.close()
    assert runner.returncode == 0, (tmp_path / "run.log").read_text()
    for port in ports.values():
        assert not port_in_use(port), port
    for port in ports.values():
        assert _processes_mentioning(f" {port}") == [], port

"""`scripts/tick` runs every scheduled function once, as of --at."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from chalicelib.jobs import JOBS
from ops.processes import ROOT

pytestmark = pytest.mark.emulator


def run_tick(stack_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **stack_env}
    return subprocess.run([sys.executable, "-m", "ops.tick", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_tick_runs_and_says_what_it_ran(stack_env) -> None:
    result = run_tick(stack_env, "--at", "2026-12-01T09:00:00+09:00")
    assert result.returncode == 0, result.stderr
    if JOBS:
        for job in JOBS:
            assert job.name in result.stdout
    else:
        assert "no scheduled functions" in result.stdout


def test_tick_refuses_a_time_without_offset(stack_env) -> None:
    result = run_tick(stack_env, "--at", "2026-12-01T09:00:00")
    assert result.returncode != 0
    assert "offset" in result.stderr

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


def test_tick_runs_and_says_what_it_ran(private_stack) -> None:
    """On a stack of its own: every job runs, ``ranking_year`` included, which opens the year's ranking
    index and stores join and leave credits; on the shared stack that would change how the other
    tests' attorneys rank."""
    result = run_tick(private_stack.env, "--at", "2026-12-01T09:00:00+09:00")
    assert result.returncode == 0, result.stderr
    if JOBS:
        for job in JOBS:
            assert job.name in result.stdout
    else:
        assert "no scheduled functions" in result.stdout
    assert private_stack.container.ranking_index.is_open(2026)  # ranking_year opened it


def test_tick_refuses_a_time_without_offset(stack_env) -> None:
    result = run_tick(stack_env, "--at", "2026-12-01T09:00:00")
    assert result.returncode != 0
    assert "offset" in result.stderr


def test_tick_json_is_the_results_alone_and_the_runs_metrics_go_to_stderr(stack_env) -> None:
    import json

    result = run_tick(stack_env, "--at", "2026-12-01T09:00:00+09:00", "--json", "--only", "offers")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)  # nothing else on stdout
    assert [j["job"] for j in doc["jobs"]] == ["offers"]
    emf = [json.loads(line) for line in result.stderr.splitlines() if line.startswith('{"_aws"')]
    [directive] = emf[0]["_aws"]["CloudWatchMetrics"]
    assert "JobRuns" in {m["Name"] for m in directive["Metrics"]} and emf[0]["job"] == "offers"

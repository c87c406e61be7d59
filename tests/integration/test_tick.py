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


def test_tick_runs_and_says_what_it_ran(stack_env, container) -> None:
    try:
        result = run_tick(stack_env, "--at", "2026-12-01T09:00:00+09:00")
        assert result.returncode == 0, result.stderr
        if JOBS:
            for job in JOBS:
                assert job.name in result.stdout
        else:
            assert "no scheduled functions" in result.stdout
        assert container.ranking_index.is_open(2026)  # ranking_year opened it
    finally:
        close_ranking_year(container, 2026)


def close_ranking_year(container, year: int) -> None:
    """Drop the opening markers ``ranking_year`` wrote, so that the other tests of this worker's stack
    rank the pool as before (their attorneys are saved at other instants than the year opened)."""
    from chalicelib.adapters.dynamo.ranking import OPEN_SK, RankItem, rank_pk
    from chalicelib.domain.categories import CATEGORIES
    from chalicelib.domain.ranking_index import Partition
    from chalicelib.domain.regions import REGION_CODES

    container.tables  # noqa: B018 - bind the models
    with RankItem.batch_write() as batch:
        for c in CATEGORIES:
            for r in REGION_CODES:
                batch.delete(RankItem(rank_pk(Partition(year, c.code, r)), OPEN_SK))


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

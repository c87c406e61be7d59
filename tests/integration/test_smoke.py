"""``scripts/smoke``'s checks (ops/smoke.py) against a running app, and against nothing."""

from __future__ import annotations

import pytest

from ops import processes
from ops.smoke import check
from tests.support import local_site

pytestmark = pytest.mark.emulator


def test_a_running_stage_passes_the_smoke_test(stack_env, container) -> None:
    with local_site(stack_env, container) as (base, _env):
        assert check(base) == []


def test_nothing_listening_fails_it() -> None:
    problems = check(f"http://127.0.0.1:{processes.free_port()}", timeout=2)
    assert problems and "ConnectionError" in problems[0]

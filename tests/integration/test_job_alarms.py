"""A failing scheduled job alarms the operators once per streak, through the real alarm path:
the job health record on DynamoDB, the operator alarms topic, the local outbox (ops/outbox.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from chalice import Chalice

from chalicelib.jobs import FAILURE_STREAK_GAP, _register
from chalicelib.jobs.base import Job, scheduled_event
from ops.outbox import drain_alarms, ensure_alarm_outbox

pytestmark = pytest.mark.emulator

T0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _failing(name: str):
    def run(_container, _now):
        raise RuntimeError("the store is unreachable")
    app = Chalice(app_name="alarm-test")
    _register(app, Job(name, ("*", "*", "?", "*", "MON-FRI", "*"), "fails", run))
    return app


@pytest.fixture
def outbox(private_stack, tmp_path):
    session = boto3.session.Session(region_name="ap-northeast-2")
    ensure_alarm_outbox(session, private_stack.env["MAEUL_OPERATOR_ALARMS_TOPIC_ARN"])
    archive = tmp_path / "outbox.jsonl"
    drain_alarms(session, archive)  # start from an empty outbox
    archive.unlink(missing_ok=True)
    return lambda: [m for m in drain_alarms(session, archive) if m["to"].startswith("operators")]


def _run(app: Chalice, name: str, at: datetime) -> None:
    """One scheduled invocation as Lambda makes it (the handler Chalice registered)."""
    with pytest.raises(RuntimeError):  # the run still fails: Lambda's error metric counts every one
        app.handler_map[name](scheduled_event(at), None)


def test_a_failing_job_alarms_once_per_streak(private_stack, outbox) -> None:
    app = _failing("flaky_every_minute")
    for minute in range(5):  # five failed runs in a row, one a minute
        _run(app, "flaky_every_minute", T0 + timedelta(minutes=minute))
    sent = outbox()
    assert len(sent) == 1, sent
    assert "flaky_every_minute failed" in sent[0]["text"] and "RuntimeError" in sent[0]["text"]
    # failures stop for longer than the gap (the job recovered), then it fails again: a new streak
    _run(app, "flaky_every_minute", T0 + timedelta(minutes=4) + FAILURE_STREAK_GAP + timedelta(minutes=1))
    assert len(outbox()) == 2  # the outbox keeps what it drained: the first alarm and this one


def test_each_job_has_its_own_streak(private_stack, outbox) -> None:
    first, second = _failing("job_a"), _failing("job_b")
    _run(first, "job_a", T0)
    _run(second, "job_b", T0)
    _run(first, "job_a", T0 + timedelta(minutes=1))
    assert sorted(m["text"].split(" ", 1)[0] for m in outbox()) == ["job_a", "job_b"]

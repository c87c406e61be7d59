"""Business and operational metrics as CloudWatch EMF lines (Powertools Metrics): the documents
that come out, the jobs' and the audit trail's counts, and no personal data in a dimension."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from chalice import Chalice

from chalicelib import composition
from chalicelib.adapters.emf_metrics import EmfMetrics
from chalicelib.domain.audit import AccessEvent, LoginEvent, LoginResult
from chalicelib.domain.metrics import flatten
from chalicelib.jobs import _register
from chalicelib.jobs.base import Job, scheduled_event
from chalicelib.services.audit_counts import CountedAuditLog
from tests.twins.memory import MemoryAuditLog

AT = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def emf_lines(text: str) -> list[dict]:
    """The EMF documents among the captured output's lines."""
    found = []
    for line in text.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and "_aws" in doc:
            found.append(doc)
    return found


def metrics_of(doc: dict) -> dict[str, float]:
    """Metric name -> value (Powertools writes a metric's values as a list)."""
    [directive] = doc["_aws"]["CloudWatchMetrics"]
    values = {m["Name"]: doc[m["Name"]] for m in directive["Metrics"]}
    return {name: sum(v) if isinstance(v, list) else v for name, v in values.items()}


def dimensions_of(doc: dict) -> dict[str, str]:
    [directive] = doc["_aws"]["CloudWatchMetrics"]
    [names] = directive["Dimensions"]
    return {name: doc[name] for name in names}


def test_a_record_is_one_emf_document_in_the_maeul_namespace(capsys) -> None:
    EmfMetrics(stage="prod").record({"offers.offered": 3, "JobRuns": 1}, job="offers")
    [doc] = emf_lines(capsys.readouterr().out)
    [directive] = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Maeul"
    assert isinstance(doc["_aws"]["Timestamp"], int)
    assert metrics_of(doc) == {"offers.offered": 3, "JobRuns": 1}
    assert {m["Unit"] for m in directive["Metrics"]} == {"Count"}
    assert dimensions_of(doc) == {"service": "maeul", "stage": "prod", "job": "offers"}


def test_nothing_is_written_for_no_counts(capsys) -> None:
    EmfMetrics(stage="prod").record({}, job="offers")
    assert emf_lines(capsys.readouterr().out) == []


@pytest.mark.parametrize("dimensions", [
    {"subject": "kakao:894376729970279445"},  # not a kind: a person
    {"action": "hong@example.org"},
    {"provider": "010-1234-5678"},
    {"job": "Offers For 홍길동"},
])
def test_a_dimension_that_could_carry_personal_data_is_refused(dimensions, capsys) -> None:
    with pytest.raises(ValueError):
        EmfMetrics(stage="prod").record({"SignIns": 1}, **dimensions)
    assert emf_lines(capsys.readouterr().out) == []


def test_a_job_summary_becomes_counts_named_after_the_job() -> None:
    summary = {"queued": 2, "results": {"delivered": 5, "failed": 1}, "open": True, "note": "x", "late": -1}
    assert flatten(summary, "resident_messages") == {
        "resident_messages.queued": 2, "resident_messages.results.delivered": 5,
        "resident_messages.results.failed": 1}


class _Health:
    def starts_streak(self, *_args) -> bool:
        return False


def _job_app(run) -> Chalice:
    app = Chalice(app_name="metrics-test")
    _register(app, Job("offers", ("*", "*", "?", "*", "MON-FRI", "*"), "test", run))
    return app


@pytest.fixture
def container():
    installed = SimpleNamespace(metrics=EmfMetrics(stage="local"), clock=lambda: AT, job_health=_Health(),
                                notifier=None)
    composition.use_container(installed)  # type: ignore[arg-type]
    yield installed
    composition.use_container(None)


def test_every_job_run_counts_itself_and_its_summary(container, capsys) -> None:
    app = _job_app(lambda _c, _now: {"expired": 1, "offered": 4, "moved_on": 0})
    assert app.handler_map["offers"](scheduled_event(AT), None) == {"expired": 1, "offered": 4, "moved_on": 0}
    [doc] = emf_lines(capsys.readouterr().out)
    assert metrics_of(doc) == {"JobRuns": 1, "offers.expired": 1, "offers.offered": 4, "offers.moved_on": 0}
    assert dimensions_of(doc)["job"] == "offers"


def test_a_failed_job_run_counts_a_failure_and_still_fails(container, capsys) -> None:
    def run(_c, _now):
        raise RuntimeError("store unreachable")
    with pytest.raises(RuntimeError):
        _job_app(run).handler_map["offers"](scheduled_event(AT), None)
    docs = emf_lines(capsys.readouterr().out)
    assert [metrics_of(d) for d in docs] == [{"JobFailures": 1}]


def test_sign_ins_and_staff_accesses_are_counted_by_kind_only(capsys) -> None:
    inner = MemoryAuditLog()
    audit = CountedAuditLog(inner, EmfMetrics(stage="prod"))
    audit.record_login(LoginEvent(AT, "kakao", LoginResult.FAILURE, "state_mismatch", "203.0.113.9",
                                  "Mozilla/5.0", subject="kakao:894376729970279445"))
    audit.record_access(AccessEvent(AT, actor="kakao:111", actor_role="attorney", owner="naver:abc",
                                    record="consultation:1234", action="read_phone", ip="203.0.113.9"))
    out = capsys.readouterr().out
    login, access = emf_lines(out)
    assert metrics_of(login) == {"SignIns": 1}
    assert dimensions_of(login) == {"service": "maeul", "stage": "prod", "provider": "kakao", "result": "failure"}
    assert metrics_of(access) == {"StaffAccesses": 1}
    assert dimensions_of(access)["action"] == "read_phone"
    for personal in ("894376729970279445", "203.0.113.9", "naver:abc", "kakao:111", "consultation:1234", "Mozilla"):
        assert personal not in out
    assert len(inner.logins) == 1 and len(inner.access) == 1  # the audit trail itself is unchanged
    assert audit.logins_of("kakao:894376729970279445")[0].reason == "state_mismatch"

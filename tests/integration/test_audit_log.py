"""The audit trail: one contract, run against DynamoDB on the emulator and the in-memory twin."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.adapters.memory import MemoryAuditLog
from chalicelib.domain.audit import AccessEvent, LoginEvent, LoginResult

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["dynamodb", "memory"])
def audit(request):
    if request.param == "memory":
        return MemoryAuditLog()
    return request.getfixturevalue("container").audit


def login(subject, minutes, result=LoginResult.SUCCESS, ip="203.0.113.7"):
    return LoginEvent(at=T0 + timedelta(minutes=minutes), provider="kakao", result=result,
                      reason="ok" if result is LoginResult.SUCCESS else "state_mismatch",
                      ip=ip, user_agent="pytest", subject=subject)


def test_login_history_is_newest_first_and_per_subject(audit) -> None:
    subject = f"kakao:{id(audit)}"
    for minutes in (0, 5, 2):
        audit.record_login(login(subject, minutes))
    audit.record_login(login("kakao:someone-else", 3))
    history = audit.logins_of(subject)
    assert [e.at for e in history] == [T0 + timedelta(minutes=m) for m in (5, 2, 0)]
    assert all(e.subject == subject for e in history)


def test_failures_are_counted_by_address_and_by_account(audit) -> None:
    ip = f"198.51.100.{id(audit) % 200}"
    subject = f"naver:{id(audit)}"
    audit.record_login(login(subject, 0, LoginResult.FAILURE, ip))
    audit.record_login(login(subject, 1, LoginResult.FAILURE, ip))
    audit.record_login(login(subject, 2, LoginResult.SUCCESS, ip))
    assert audit.failures_from(ip, T0) == 2
    assert audit.failures_from(ip, T0 + timedelta(minutes=1)) == 1
    assert audit.failures_of(subject, T0) == 2


def test_access_log_filters_by_actor_and_owner(audit) -> None:
    actor = f"kakao:admin-{id(audit)}"
    for minutes, owner in ((0, "kakao:r1"), (10, "kakao:r2"), (60 * 30, "kakao:r1")):
        audit.record_access(AccessEvent(at=T0 + timedelta(minutes=minutes), actor=actor, actor_role="admin",
                                        owner=owner, record="consultation:c1", action="read"))
    until = T0 + timedelta(days=3)
    by_actor = audit.accesses(T0, until, actor=actor)
    assert len(by_actor) == 3 and by_actor[0].at > by_actor[-1].at
    assert [e.owner for e in audit.accesses(T0, until, actor=actor, owner="kakao:r1")] == ["kakao:r1"] * 2
    window = audit.accesses(T0, T0 + timedelta(hours=1))
    assert {e.owner for e in window if e.actor == actor} == {"kakao:r1", "kakao:r2"}

"""The audit trail: one contract, run against DynamoDB on the emulator and the in-memory twin."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.audit import AccessEvent, LoginEvent, LoginResult
from tests.twins.memory import MemoryAuditLog

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


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


def test_failure_counts_stop_at_the_limit_asked_for(audit) -> None:
    """The throttle asks "at least N?": the count stops at N (a flood is not read whole), and
    successes in between do not end the count early."""
    ip = f"2001:db8::{uuid.uuid4().hex[:4]}"
    subject = f"naver:limit-{uuid.uuid4().hex}"
    for minutes, result in enumerate([LoginResult.FAILURE, LoginResult.SUCCESS, LoginResult.SUCCESS,
                                      LoginResult.FAILURE, LoginResult.FAILURE]):
        audit.record_login(login(subject, minutes, result, ip))
    assert audit.failures_from(ip, T0, at_most=2) == 2
    assert audit.failures_from(ip, T0, at_most=10) == 3
    assert audit.failures_of(subject, T0, at_most=3) == 3
    assert audit.failures_of(subject, T0, at_most=1) == 1


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


def test_staff_rights_changes_are_kept_three_years_other_entries_two(container) -> None:
    """PIPC safety-measures standard: access records ≥ 2 years (§8), rights records ≥ 3 years (§5③)."""
    from chalicelib.adapters.dynamo.audit import AuditItem

    actor = f"kakao:rights-{id(container)}"
    for action in ("read", "attorney_deactivated"):
        container.audit.record_access(AccessEvent(at=T0, actor=actor, actor_role="admin", owner="attorney:att-x",
                                                  record="attorney:att-x", action=action))
    items = {i.action: i for i in AuditItem.by_secondary.query(f"ACCESSBY#{actor}")}
    kept = {action: datetime.fromtimestamp(item.expires_at, UTC) - T0 for action, item in items.items()}
    assert timedelta(days=2 * 365 + 1) <= kept["read"] < timedelta(days=3 * 365)
    assert kept["attorney_deactivated"] >= timedelta(days=3 * 365 + 1)  # three years, a leap day included


def test_an_admin_adding_changing_and_deactivating_an_attorney_leaves_three_year_records(
        stack_env, container) -> None:
    import uuid

    from chalicelib.composition import Container, use_container
    from chalicelib.settings import Settings
    from tests.fakes import FakeAuthenticator, admin
    from tests.support import ApiClient

    auth, who = FakeAuthenticator(), admin(f"rights-{uuid.uuid4().hex[:6]}")
    built = Container(Settings.from_env(stack_env))
    built.__dict__["authenticator"] = auth
    use_container(built)
    try:
        api, headers = ApiClient(stack_env), auth.headers_for(who)
        attorney_id = f"att-rights-{uuid.uuid4().hex[:6]}"
        body = {"id": attorney_id, "display_name": "권리 노무사", "categories": ["dismissal"],
                "regions": ["yeoju"], "phone": "010-2345-0001", "email": "rights@example.invalid"}
        began = datetime.now(UTC)
        assert api.post("/api/admin/attorneys", body=body, headers=headers).status == 201
        change = {"display_name": "권리 노무사", "categories": ["dismissal"], "regions": ["yeoju", "icheon"]}
        assert api.request("PUT", f"/api/admin/attorneys/{attorney_id}", body=change, headers=headers).status == 200
        off = api.request("PATCH", f"/api/admin/attorneys/{attorney_id}", body={"active": False}, headers=headers)
        assert off.status == 200 and off.json["active"] is False
        back = api.request("PATCH", f"/api/admin/attorneys/{attorney_id}", body={"active": True}, headers=headers)
        assert back.status == 200 and back.json["active"] is True  # the undo, with the stored profile
        assert built.attorneys.get(attorney_id).active and built.attorneys.contact(attorney_id) is not None
        events = built.audit.accesses(began - timedelta(minutes=1), began + timedelta(minutes=5), actor=who.subject)
        assert sorted(e.action for e in events) == ["attorney_added", "attorney_changed", "attorney_deactivated",
                                                    "attorney_reactivated"]
        assert {e.record for e in events} == {f"attorney:{attorney_id}"}
        log = api.get(f"/api/admin/access-log?actor={who.subject}", headers=headers).json["items"]
        assert {e["owner_name"] for e in log} == {"권리 노무사"}  # the profile's name, read from the roster
        from chalicelib.adapters.dynamo.audit import AuditItem

        kept = [datetime.fromtimestamp(i.expires_at, UTC) - began
                for i in AuditItem.by_secondary.query(f"ACCESSBY#{who.subject}")]
        assert len(kept) == 4 and all(k >= timedelta(days=3 * 365 + 1) for k in kept)
    finally:
        use_container(container)


def test_an_audit_record_is_written_once_and_never_overwritten(container, monkeypatch) -> None:
    """Every put is conditioned on the key not existing: even a colliding key (forced here) cannot
    replace a record or its expiry."""
    from pynamodb.exceptions import PutError

    from chalicelib.adapters.dynamo import audit as audit_module

    fixed = uuid.uuid4()
    monkeypatch.setattr(audit_module.uuid, "uuid4", lambda: fixed)
    audit = container.audit
    actor = f"kakao:{uuid.uuid4().hex[:8]}"
    first = AccessEvent(at=T0, actor=actor, actor_role="attorney", owner="kakao:owner-1",
                        record="consultation:1", action="read")
    audit.record_access(first)
    with pytest.raises(PutError):
        audit.record_access(AccessEvent(at=T0, actor=actor, actor_role="attorney", owner="kakao:owner-2",
                                        record="consultation:2", action="read"))
    kept = audit.accesses(T0 - timedelta(minutes=1), T0 + timedelta(minutes=1), actor=actor)
    assert [(e.owner, e.record) for e in kept] == [("kakao:owner-1", "consultation:1")]
    with pytest.raises(PutError):
        audit.record_login(LoginEvent(at=T0, provider="kakao", result=LoginResult.SUCCESS, reason="ok",
                                      ip="203.0.113.9", user_agent="pytest", subject=actor))
        audit.record_login(LoginEvent(at=T0, provider="kakao", result=LoginResult.FAILURE, reason="x",
                                      ip="203.0.113.9", user_agent="pytest", subject=actor))
    assert [e.result for e in audit.logins_of(actor)] == [LoginResult.SUCCESS]

"""The admin's monthly review of staff access (PIPA safety-measures standard §8)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.domain.audit import AccessEvent
from tests.fakes import FakeAuthenticator, admin, attorney, resident
from tests.functional.conftest import TUESDAY_MORNING
from tests.support import ApiClient, assert_error
from tests.twins.memory import MemoryAuditLog

KST = timezone(timedelta(hours=9))


def _event(at: datetime, actor: str, action: str, owner: str, role: str = "attorney") -> AccessEvent:
    return AccessEvent(at=at, actor=actor, actor_role=role, owner=owner, record=f"consultation:{owner}",
                       action=action, ip="203.0.113.5")


def test_the_monthly_review_counts_each_staff_members_access(clock_at) -> None:
    container = clock_at(TUESDAY_MORNING)  # 2026-12-01: "last month" is November
    auth, audit = FakeAuthenticator(), MemoryAuditLog()
    container.__dict__.update(authenticator=auth, audit=audit)
    a1, a2 = "kakao:att-1", "kakao:att-2"
    audit.record_access(_event(datetime(2026, 11, 1, 0, 5, tzinfo=KST), a1, "read", "kakao:r1"))  # 1 Nov KST
    audit.record_access(_event(datetime(2026, 11, 3, 10, 0, tzinfo=KST), a1, "read_thread", "kakao:r1"))
    audit.record_access(_event(datetime(2026, 11, 4, 10, 0, tzinfo=KST), a1, "read_phone", "kakao:r2"))
    audit.record_access(_event(datetime(2026, 11, 30, 23, 59, tzinfo=KST), a2, "read", "kakao:r3"))
    audit.record_access(_event(datetime(2026, 10, 31, 23, 59, tzinfo=KST), a2, "read", "kakao:r9"))  # October
    audit.record_access(_event(datetime(2026, 12, 1, 0, 0, tzinfo=KST), a2, "read", "kakao:r9"))  # December
    audit.record_access(AccessEvent(at=datetime(2026, 11, 10, 9, 0, tzinfo=KST), actor="kakao:adm",
                                    actor_role="admin", owner="attorney:att-1", record="attorney:att-1",
                                    action="attorney_deactivated"))
    api, headers = ApiClient(), auth.headers_for(admin())
    review = api.get("/api/admin/access-review", headers=headers)
    assert review.status == 200 and review.headers["cache-control"] == "no-store"
    body = review.json
    assert body["month"] == "2026-11" and body["total"] == 4 and body["truncated"] is False
    assert [(s["actor"], s["accesses"], s["people"], s["actions"]) for s in body["staff"]] == [
        (a1, 3, 2, {"read": 1, "read_thread": 1, "read_phone": 1}), (a2, 1, 1, {"read": 1})]
    assert body["staff"][0]["first"].startswith("2026-11-01T00:05")
    assert [(c["action"], c["record"]) for c in body["rights_changes"]] == [("attorney_deactivated",
                                                                            "attorney:att-1")]
    december = api.get("/api/admin/access-review?month=2026-12", headers=headers).json
    assert december["total"] == 1 and december["staff"][0]["actor"] == a2
    for month in ("2026-13", "0000-01", "2026-1", "9999-12"):
        assert_error(api.get(f"/api/admin/access-review?month={month}", headers=headers), 400, "invalid_input")
    for who in (attorney("att-1"), resident("r1")):
        assert_error(api.get("/api/admin/access-review", headers=auth.headers_for(who)), 403, "wrong_role")

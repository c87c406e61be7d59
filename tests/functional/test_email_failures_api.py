"""The console's view of attorneys whose e-mail is failing, and clearing one. Fakes only, no AWS
(the same flow on the emulator, from a real bounce event, is tests/integration/test_attorney_email.py)."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.services import email_health
from tests.fakes import FakeAuthenticator
from tests.functional.conftest import TUESDAY_MORNING
from tests.support import ApiClient, assert_error
from tests.twins.memory import MemoryAuditLog, MemoryRoster
from tests.twins.memory_email import MemoryEmailHealthStore


def bounce(attorney_id: str) -> str:
    return json.dumps({"eventType": "Bounce",
                       "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                                  "bouncedRecipients": [{"emailAddress": f"{attorney_id}@example.org"}]},
                       "mail": {"destination": [f"{attorney_id}@example.org"], "tags": {"attorney_id": [attorney_id]}}})


@pytest.fixture
def console(clock_at):
    container = clock_at(TUESDAY_MORNING)
    auth, roster, store = FakeAuthenticator(), MemoryRoster(), MemoryEmailHealthStore()
    for n in (1, 2, 3):
        roster.save(Attorney(id=f"att-{n}", display_name=f"노무사 {n}", categories=frozenset({"dismissal"}),
                             regions=frozenset({"suwon"})),
                    AttorneyContact(phone="+821000000001", email=f"att-{n}@example.org"))
    container.__dict__.update(authenticator=auth, attorneys=roster, email_health=store, audit=MemoryAuditLog(),
                              address_hasher=lambda address: "h:" + str(len(address)))
    admin = {"Authorization": "Bearer " + auth.issue(Principal("kakao:9", Role.ADMIN, Provider.KAKAO, "s9"))}
    return ApiClient(), admin, container, store


def test_failing_attorneys_are_counted_in_the_page_language_until_cleared(console) -> None:
    api, admin, container, store = console
    assert api.get("/api/admin/email-failures", headers=admin).json == {"count": 0, "message": "", "items": []}
    for attorney_id in ("att-1", "att-3"):
        email_health.record_event(store, container.address_hasher, bounce(attorney_id), TUESDAY_MORNING)
    email_health.record_event(store, container.address_hasher, bounce("att-1"), TUESDAY_MORNING)  # again: one
    listed = api.get("/api/admin/email-failures", headers=admin)
    assert listed.status == 200 and listed.headers["cache-control"] == "no-store"
    assert listed.json["count"] == 2 and [i["attorney_id"] for i in listed.json["items"]] == ["att-1", "att-3"]
    assert listed.json["message"] == "노무사 2명의 이메일 전달이 실패하고 있습니다."
    assert "example.org" not in listed.body.decode()
    english = api.get("/api/admin/email-failures", headers={**admin, "Cookie": "lang=en"})
    assert english.json["message"] == "E-mail to 2 attorney(s) is failing."

    cleared = api.post("/api/admin/attorneys/att-1/email-clear", headers=admin)
    assert cleared.status == 200 and cleared.json == {"attorney_id": "att-1", "cleared": True}
    assert [(e.action, e.record) for e in container.audit.access] == [("attorney_email_cleared", "attorney:att-1")]
    assert api.get("/api/admin/email-failures", headers=admin).json["count"] == 1
    assert store.failure("att-1") is None and store.failure("att-3") is not None


def test_clearing_an_unknown_attorney_is_404(console) -> None:
    api, admin, _, _ = console
    assert_error(api.post("/api/admin/attorneys/att-404/email-clear", headers=admin), 404, "not_found")
    assert_error(api.post("/api/admin/attorneys/bad%20id/email-clear", headers=admin), 404, "not_found")


def test_the_console_page_has_the_failing_email_line_and_its_script(console) -> None:
    api, _, _, _ = console
    from chalicelib.web import environment

    source = environment().loader.get_source(environment(), "admin.html")[0]
    assert 'id="email-failures"' in source and "/static/admin_email.js" in source
    assert api.get("/static/admin_email.js").status == 200

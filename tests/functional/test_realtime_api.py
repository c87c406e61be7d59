"""Attorney and admin matching routes through the app: who may call them and bad input
(the storage-backed paths run on the emulator in tests/integration/test_realtime_flow.py)."""

from __future__ import annotations

import uuid

from chalicelib.domain.languages import own_messages
from tests.fakes import FakeAuthenticator, admin, attorney, resident
from tests.support import ApiClient, assert_error


def setup(clock_at) -> tuple[ApiClient, FakeAuthenticator]:
    from tests.functional.conftest import TUESDAY_MORNING

    container = clock_at(TUESDAY_MORNING)
    auth = FakeAuthenticator()
    from chalicelib.adapters.field_cipher import LocalFieldCipher

    container.__dict__.update(authenticator=auth, cipher=LocalFieldCipher())
    return ApiClient(), auth


def test_attorney_routes_need_an_attorney(clock_at) -> None:
    api, auth = setup(clock_at)
    offer = f"/api/attorney/offers/{uuid.uuid4()}/accept"
    assert api.post(offer).status == 401
    assert_error(api.post(offer, headers=auth.headers_for(resident("r1"))), 403, "wrong_role")
    assert_error(api.get("/api/attorney/offers", headers=auth.headers_for(admin())), 403, "wrong_role")
    assert_error(api.request("PUT", "/api/attorney/duty", body={"on_duty": True},
                             headers=auth.headers_for(resident("r1"))), 403, "wrong_role")


def test_malformed_offer_ids_are_not_found_and_bad_duty_bodies_are_refused(clock_at) -> None:
    api, auth = setup(clock_at)
    h = auth.headers_for(attorney("att-001"))
    assert_error(api.post("/api/attorney/offers/not-an-id/accept", headers=h), 404, "not_found")
    assert_error(api.request("PUT", "/api/attorney/duty", body={"on_duty": "yes"}, headers=h), 400,
                 "invalid_input")
    assert_error(api.request("PUT", "/api/attorney/duty", body={"on_duty": True, "x": 1}, headers=h), 400,
                 "invalid_input")


def test_admin_routes_need_an_admin_and_a_reason(clock_at) -> None:
    api, auth = setup(clock_at)
    path = f"/api/admin/consultations/{uuid.uuid4()}/reassign"
    assert_error(api.post(path, body={"attorney_id": "att-001", "reason": "on leave"},
                          headers=auth.headers_for(attorney("att-001"))), 403, "wrong_role")
    assert_error(api.post(path, body={"attorney_id": "att-001"}, headers=auth.headers_for(admin())), 400,
                 "invalid_input")
    assert_error(api.request("PATCH", "/api/admin/attorneys/att-001", body={"active": "no"},
                             headers=auth.headers_for(admin())), 400, "invalid_input")
    assert_error(api.request("PATCH", "/api/admin/attorneys/att-001", body={"active": False},
                             headers=auth.headers_for(resident("r"))), 403, "wrong_role")


def test_an_account_without_an_attorney_profile_cannot_answer_offers(clock_at) -> None:
    from chalicelib.domain.identity import Principal, Provider, Role

    api, auth = setup(clock_at)
    orphan = Principal(subject="kakao:x", role=Role.ATTORNEY, provider=Provider.KAKAO, session_id="s")
    error = assert_error(api.post(f"/api/attorney/offers/{uuid.uuid4()}/accept",
                                  headers=auth.headers_for(orphan)), 403, "not_on_roster")
    assert error["message"] == own_messages("en")["err.offer.not_on_roster"]  # no language asked: English

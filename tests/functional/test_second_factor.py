"""The staff second factor through the app, with the dev identity provider signing people in
(CONTRACT.md "staff second factor"): pending staff sessions, enrolment, codes, replay, lockout,
and an admin's reset."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from chalicelib.domain.audit import LoginResult
from chalicelib.domain.second_factor import code_at, step_of
from tests.functional.test_signin import ADMIN_KAKAO, ATTORNEY_KAKAO, Browser, Site, idp, make_site  # noqa: F401
from tests.support import assert_error, totp_code, unverified_subject


@pytest.fixture
def site(idp) -> Iterator[Site]:  # noqa: F811
    made = make_site(idp)
    yield made
    requests.delete(f"{made.base_idp}/__dev/faults", timeout=5)


def provider_sign_in(site: Site, account: str, next_path: str = "/attorney") -> tuple[Browser, str]:
    """Through the provider only: the browser and where the callback sent it."""
    browser = site.browser()
    path, _ = site.authorize(site.start(browser, "kakao", next_path), account)
    response = browser.request("GET", path)
    assert response.status == 302
    return browser, response.headers["location"]


def test_a_staff_sign_in_is_pending_until_the_second_factor(site) -> None:
    browser, location = provider_sign_in(site, "attorney-001", "/attorney")
    assert location == "/attorney"  # the callback ends on the page asked for; that page asks first
    # every route answers "second factor required", pages send the person to the second-factor page
    for path in ("/api/me", "/api/attorney/offers", "/api/attorney/consultations", "/api/consultations"):
        assert_error(browser.request("GET", path), 401, "second_factor_required")
    page = browser.request("GET", "/attorney", headers={"Accept": "text/html"})
    assert page.status == 302 and page.headers["location"] == "/second-factor?next=%2Fattorney"
    assert browser.request("GET", page.headers["location"]).status == 200  # the second-factor page itself
    # a refresh does not get around it
    assert browser.request("POST", "/auth/refresh", csrf=True).status == 200
    assert_error(browser.request("GET", "/api/attorney/offers"), 401, "second_factor_required")

    status = browser.request("GET", "/auth/second-factor").json
    assert status["enrolled"] is False and status["verified"] is False
    assert status["otpauth_uri"].startswith("otpauth://totp/Maeul:attorney%20att-001?secret=")
    assert "issuer=Maeul" in status["otpauth_uri"] and status["secret"] in status["otpauth_uri"]
    code = code_at(status["secret"], site.clock())
    assert browser.request("POST", "/auth/second-factor", body={"code": code}, csrf=True).json == {
        "status": "verified", "enrolled_now": True}
    assert browser.request("GET", "/api/me").json["attorney_id"] == "att-001"
    assert browser.request("GET", "/attorney", headers={"Accept": "text/html"}).status == 200
    # the same session, refreshed, stays verified; the secret is not shown any more
    assert browser.request("POST", "/auth/refresh", csrf=True).status == 200
    assert browser.request("GET", "/api/me").json["role"] == "attorney"
    again = browser.request("GET", "/auth/second-factor").json
    assert again == {"enrolled": True, "verified": True, "otpauth_uri": None, "secret": None}


def test_the_code_needs_the_csrf_token_with_a_cookie_session_and_none_with_bearer(site) -> None:
    browser, _ = provider_sign_in(site, "admin", "/admin")
    secret = browser.request("GET", "/auth/second-factor").json["secret"]
    code = code_at(secret, site.clock())
    assert_error(browser.request("POST", "/auth/second-factor", body={"code": code}), 403, "csrf_failed")
    bearer = {"Authorization": f"Bearer {browser.jar['session']}"}
    assert site.api.post("/auth/second-factor", body={"code": code}, headers=bearer).status == 200
    assert site.api.get("/api/me", headers=bearer).json["role"] == "admin"


def test_a_code_is_accepted_once_and_wrong_codes_are_refused(site) -> None:
    site.sign_in("kakao", "attorney-001")  # enrolled, and this step's code used
    other, _ = provider_sign_in(site, "attorney-001")
    secret = site.container.second_factors.get(ATTORNEY_KAKAO).secret
    used = code_at(secret, site.clock())
    replay = other.request("POST", "/auth/second-factor", body={"code": used}, csrf=True)
    assert "already used" in assert_error(replay, 400, "invalid_code")["message"]
    wrong = str((int(used) + 1) % 1_000_000).zfill(6)
    assert_error(other.request("POST", "/auth/second-factor", body={"code": wrong}, csrf=True), 400,
                 "invalid_code")
    assert_error(other.request("POST", "/auth/second-factor", body={"code": "12ab56"}, csrf=True), 400,
                 "invalid_code")
    assert_error(other.request("POST", "/auth/second-factor", body={"code": "1"}, csrf=True), 400,
                 "invalid_input")
    assert_error(other.request("GET", "/api/attorney/offers"), 401, "second_factor_required")
    # the code of the previous step is too old to replay as well; the next step's code works
    site.clock.advance(seconds=30)
    fresh = code_at(secret, site.clock())
    assert other.request("POST", "/auth/second-factor", body={"code": fresh}, csrf=True).status == 200
    reasons = [e.reason for e in site.history() if e.provider == "second_factor"]
    assert reasons == ["second_factor_enrolled", "second_factor_replayed", "second_factor_wrong",
                       "second_factor_wrong", "second_factor_ok"]
    assert used not in repr(site.history()) and secret not in repr(site.history())


def test_wrong_codes_lock_the_account_out_for_a_while(site) -> None:
    browser, _ = provider_sign_in(site, "attorney-001")
    secret = browser.request("GET", "/auth/second-factor").json["secret"]
    limit = site.container.settings.policy.login_failures_per_account
    right = code_at(secret, site.clock())
    wrong = str((int(right) + 500_000) % 1_000_000).zfill(6)
    for _ in range(limit):
        assert_error(browser.request("POST", "/auth/second-factor", body={"code": wrong}, csrf=True), 400)
    locked = browser.request("POST", "/auth/second-factor", body={"code": right}, csrf=True)
    assert_error(locked, 429, "too_many_attempts")
    assert int(locked.headers["retry-after"]) == 15 * 60
    site.clock.advance(minutes=16)
    assert browser.request("POST", "/auth/refresh", csrf=True).status == 200
    code = code_at(secret, site.clock())
    assert browser.request("POST", "/auth/second-factor", body={"code": code}, csrf=True).status == 200


def test_residents_have_no_second_factor(site) -> None:
    browser = site.sign_in("kakao", "resident-park")
    assert_error(browser.request("GET", "/auth/second-factor"), 403, "wrong_role")
    assert_error(browser.request("POST", "/auth/second-factor", body={"code": "123456"}, csrf=True), 403,
                 "wrong_role")
    assert browser.request("GET", "/second-factor", headers={"Accept": "text/html"}).status == 403
    assert site.container.second_factors.get(unverified_subject(browser.jar["session"])) is None


def test_an_admin_resets_a_lost_factor_and_it_is_logged(site) -> None:
    attorney = site.sign_in("kakao", "attorney-001")
    admin = site.sign_in("kakao", "admin")
    assert_error(attorney.request("DELETE", "/api/admin/attorneys/att-001/second-factor", csrf=True), 403,
                 "wrong_role")
    done = admin.request("DELETE", "/api/admin/attorneys/att-001/second-factor", csrf=True)
    assert done.status == 200 and done.json == {"attorney_id": "att-001", "factors_removed": 1}
    assert_error(admin.request("DELETE", "/api/admin/attorneys/att-404/second-factor", csrf=True), 404)
    # the attorney's sessions ended; at the next sign-in they enrol again with a new secret
    assert_error(attorney.request("GET", "/api/me"), 401, "invalid_session")
    assert site.container.second_factors.get(ATTORNEY_KAKAO) is None
    again, _ = provider_sign_in(site, "attorney-001")
    assert again.request("GET", "/auth/second-factor").json["enrolled"] is False
    entry = [e for e in site.container.audit.access if e.action == "second_factor_reset"]
    assert [(e.actor, e.record) for e in entry] == [(ADMIN_KAKAO, "attorney:att-001")]


def test_the_local_code_helper_waits_for_a_fresh_step(site) -> None:
    """``totp_code`` (what the suite's sign-in helpers use) never hands out a used code."""
    site.sign_in("kakao", "admin")
    before = step_of(site.clock())
    code = totp_code(site.container, ADMIN_KAKAO, site.clock.advance)
    assert step_of(site.clock()) == before + 1 and len(code) == 6
    assert [e.result for e in site.history() if e.provider == "second_factor"] == [LoginResult.SUCCESS]


def test_staff_step_up_with_a_fresh_code_and_residents_by_signing_in_again(site) -> None:
    minutes = site.container.settings.policy.step_up_minutes
    admin = site.sign_in("kakao", "admin")
    assert admin.request("POST", "/api/admin/attorneys/att-007/invites", csrf=True).status == 201
    site.clock.advance(minutes=minutes, seconds=1)
    stale = admin.request("POST", "/api/admin/attorneys/att-007/invites", csrf=True)
    assert "code" in assert_error(stale, 401, "step_up_required")["message"]
    assert admin.request("GET", "/api/me").status == 200  # reading goes on; only the change waits
    page = admin.request("GET", "/step-up?next=/admin")
    assert page.status == 302 and page.headers["location"] == "/second-factor?next=%2Fadmin&again=1"
    assert admin.request("GET", "/second-factor?next=/admin&again=1").status == 200
    code = totp_code(site.container, ADMIN_KAKAO, site.clock.advance)
    assert admin.request("POST", "/auth/second-factor", body={"code": code}, csrf=True).status == 200
    assert admin.request("POST", "/api/admin/attorneys/att-007/invites", csrf=True).status == 201

    resident = site.sign_in("kakao", "resident-leaving-late")
    site.clock.advance(minutes=minutes, seconds=1)
    assert resident.request("POST", "/auth/refresh", csrf=True).status == 200  # a refresh is no new sign-in
    assert "sign in again" in assert_error(resident.request("DELETE", "/api/me", csrf=True), 401,
                                           "step_up_required")["message"]
    back = resident.request("GET", "/step-up?next=/me")
    assert back.status == 302 and back.headers["location"] == "/auth/kakao/login?next=%2Fme"
    again = site.sign_in("kakao", "resident-leaving-late")
    assert again.request("DELETE", "/api/me", csrf=True).status == 200

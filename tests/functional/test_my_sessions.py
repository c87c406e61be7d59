"""My sessions and the idle timeout, through the app with the dev identity provider."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from chalicelib.domain.audit import LoginResult
from tests.functional.test_signin import Browser, Site, idp, make_site  # noqa: F401
from tests.support import assert_error

PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36")


@pytest.fixture
def site(idp) -> Iterator[Site]:  # noqa: F811
    made = make_site(idp)
    yield made
    requests.delete(f"{made.base_idp}/__dev/faults", timeout=5)


@dataclass
class Phone(Browser):
    def request(self, method: str, path: str, **kwargs) -> object:
        kwargs["headers"] = {"User-Agent": PHONE_UA, **(kwargs.get("headers") or {})}
        return super().request(method, path, **kwargs)


def test_i_see_my_sessions_and_end_another_one(site) -> None:
    laptop = site.sign_in("kakao", "resident-choi")
    site.clock.advance(minutes=1)
    phone = site.sign_in("kakao", "resident-choi", browser=Phone(site.api))
    stranger = site.sign_in("kakao", "resident-other")
    site.clock.advance(minutes=3)
    assert laptop.request("POST", "/auth/refresh", csrf=True).status == 200
    listed = laptop.request("GET", "/api/me/sessions")
    assert listed.status == 200 and listed.headers["cache-control"] == "no-store"
    items = listed.json["items"]
    assert [(i["device"], i["current"]) for i in items] == [("Samsung Internet · Android", False),
                                                             ("unknown", True)]
    assert all(i["ip_hint"] in ("", "unknown") or i["ip_hint"].endswith(".x.x") for i in items)
    assert items[1]["last_used_at"] is not None and items[0]["last_used_at"] is None
    others = stranger.request("GET", "/api/me/sessions").json["items"]
    assert len(others) == 1 and others[0]["id"] not in {i["id"] for i in items}
    # someone else's session, an unknown one, a malformed id: the same 404; nothing ends
    phone_id = items[0]["id"]
    for sid in (phone_id, "no-such-session-id", "x"):
        assert_error(stranger.request("DELETE", f"/api/me/sessions/{sid}", csrf=True), 404, "not_found")
    assert phone.request("GET", "/api/me").status == 200
    assert_error(laptop.request("DELETE", f"/api/me/sessions/{phone_id}"), 403, "csrf_failed")
    ended = laptop.request("DELETE", f"/api/me/sessions/{phone_id}", csrf=True)
    assert ended.status == 200 and ended.json == {"status": "ended"}
    assert_error(phone.request("GET", "/api/me"), 401, "invalid_session")
    assert_error(phone.request("POST", "/auth/refresh", csrf=True), 401, "invalid_refresh")
    assert [i["id"] for i in laptop.request("GET", "/api/me/sessions").json["items"]] == [items[1]["id"]]
    assert laptop.request("GET", "/api/me").status == 200


def test_an_idle_resident_session_ends_after_its_limit_and_use_keeps_it(site) -> None:
    policy = site.container.settings.policy
    browser = site.sign_in("kakao", "resident-idle")
    for _ in range(3):  # in use: refreshed within the limit, it lives on past it
        site.clock.advance(minutes=policy.session_idle_minutes - 1)
        assert browser.request("POST", "/auth/refresh", csrf=True).status == 200
    site.clock.advance(minutes=policy.session_idle_minutes)
    assert_error(browser.request("POST", "/auth/refresh", csrf=True), 401, "invalid_refresh")
    assert browser.request("GET", "/api/me/sessions").status == 401
    idle = [e for e in site.history() if e.reason == "refresh_idle"]
    assert [e.result for e in idle] == [LoginResult.REJECTED]  # ran out: no failed attempt to count
    assert site.failures() == []


def test_a_staff_session_idles_out_sooner(site) -> None:
    policy = site.container.settings.policy
    assert policy.staff_session_idle_minutes < policy.session_idle_minutes
    admin = site.sign_in("kakao", "admin")
    resident = site.sign_in("kakao", "resident-kang")
    site.clock.advance(minutes=policy.staff_session_idle_minutes)
    assert_error(admin.request("POST", "/auth/refresh", csrf=True), 401, "invalid_refresh")
    assert resident.request("POST", "/auth/refresh", csrf=True).status == 200
    # a new sign-in (and second factor) brings the admin back
    again = site.sign_in("kakao", "admin")
    assert again.request("GET", "/api/me").json["role"] == "admin"

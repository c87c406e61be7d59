"""Signing in in a real browser: the app (Chalice's local server on the emulator's stack),
the dev identity provider, headless Chromium.

The browser starts at ``/auth/<provider>/login?next=/api/me``, picks or types
an account on the dev IdP's page, comes back through the callback and lands
on ``next``, which shows ``GET /api/me`` with the account's role.
"""

from __future__ import annotations

import json
import os

import pytest

from ops import processes
from tests.e2e.browser import chromium, live_site, pass_second_factor

pytestmark = pytest.mark.browser


live = live_site(url_only=True)  # attorney-001 linked as the seed does


def me_in(page) -> dict:
    return json.loads(page.locator("body").inner_text())


@pytest.mark.parametrize("provider,account,role", [
    ("kakao", "resident-kim", "resident"),
    ("naver", "resident-lee", "resident"),
    ("kakao", "admin", "admin"),
    ("naver", "attorney-001", "attorney"),
])
def test_sign_in_through_the_identity_provider_page(live, provider, account, role) -> None:
    with chromium() as browser:
        page = browser.new_context().new_page()
        page.goto(f"{live}/auth/{provider}/login?next=/api/me")
        listed = page.get_by_role("button", name=account, exact=True)
        if listed.count():
            listed.click()
        else:
            page.fill("#account", account)
            page.get_by_role("button", name="이 계정으로 로그인 / Sign in").click()
        if role != "resident":  # staff: the second-factor page, then on to where they were going
            pass_second_factor(page, account, provider)
        page.wait_for_url(f"{live}/api/me")
        me = me_in(page)
        assert me["role"] == role and me["provider"] == provider and me["id"].startswith(f"{provider}:")
        if role == "attorney":
            assert me["attorney_id"] == "att-001"
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert cookies["session"]["httpOnly"] and not cookies["csrf"]["httpOnly"]
        # the local stage (plain HTTP) keeps the contract's names, Path=/, not Secure
        assert all(not c["secure"] and c["path"] == "/" for c in cookies.values()), cookies
        assert page.evaluate("document.cookie").find("session=") == -1  # scripts cannot read the token


def test_login_hint_skips_the_page_and_logout_ends_the_session(live) -> None:
    with chromium() as browser:
        page = browser.new_context().new_page()
        page.goto(f"{live}/auth/kakao/login?next=/api/me&login_hint=resident-park")
        page.wait_for_url(f"{live}/api/me")
        assert me_in(page)["role"] == "resident"
        status = page.evaluate("""async () => {
            const csrf = document.cookie.split('; ').find(c => c.startsWith('csrf=')).split('=')[1];
            const out = await fetch('/auth/logout', {method: 'POST', headers: {'X-CSRF-Token': csrf}});
            const me = await fetch('/api/me');
            return [out.status, me.status];
        }""")
        assert status == [200, 401]
        history_page = page.goto(f"{live}/api/me/logins")
        assert history_page.status == 401


def test_a_reused_callback_shows_a_friendly_page(live) -> None:
    with chromium() as browser:
        page = browser.new_context().new_page()
        callbacks: list[str] = []
        page.on("request", lambda r: callbacks.append(r.url) if "/callback?" in r.url else None)
        page.goto(f"{live}/auth/naver/login?next=/api/me&login_hint=resident-kim")
        page.wait_for_url(f"{live}/api/me")
        response = page.goto(callbacks[0])
        assert response.status == 400
        assert page.locator("[role=alert]").is_visible()
        assert page.get_by_role("link", name="네이버 로그인").is_visible()


def test_the_app_log_holds_no_codes_or_tokens(live) -> None:
    """The local server's request lines drop the query string (codes and states travel there)."""
    import requests

    with requests.Session() as http:  # a whole sign-in, redirects followed (plain cookies on local)
        landed = http.get(f"{live}/auth/kakao/login?next=/api/me&login_hint=resident-log", timeout=30)
    assert landed.status_code == 200 and landed.url == f"{live}/api/me"
    port = live.rsplit(":", 1)[1]
    log = (processes.ROOT / "test-artifacts" / f"app-{port}.log").read_text(errors="replace")
    assert "/auth/kakao/callback" in log and "code=" not in log and "state=" not in log
    assert "eyJ" not in log
    assert os.path.getsize(processes.ROOT / "test-artifacts" / f"app-{port}.log") > 0


def test_my_sessions_page_ends_another_devices_session(live) -> None:
    with chromium() as browser:
        other = browser.new_context().new_page()
        other.goto(f"{live}/auth/kakao/login?next=/api/me&login_hint=resident-two-devices")
        other.wait_for_url(f"{live}/api/me")
        page = browser.new_context().new_page()
        page.goto(f"{live}/auth/kakao/login?next=/me&login_hint=resident-two-devices")
        page.wait_for_url(f"{live}/me")
        items = page.locator("#sessions li")
        items.nth(1).wait_for()
        assert items.count() == 2 and "Chrome" in items.first.inner_text()
        assert "(지금 이 기기)" in page.locator("#sessions").inner_text()
        page.get_by_role("button", name="로그아웃시키기").click()
        page.locator("#sessions-status").filter(has_text="로그아웃했습니다").wait_for()
        assert items.count() == 1
        assert other.goto(f"{live}/api/me").status == 401
        assert page.goto(f"{live}/api/me").status == 200

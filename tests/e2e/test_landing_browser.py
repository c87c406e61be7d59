"""The landing page in a real browser: readable at 360 px and 1280 px, keyboard, axe-core."""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, PHONE, app_site, chromium, screenshot, serious_violations

site = app_site()


@pytest.mark.parametrize("viewport,label", [(PHONE, "360"), (DESKTOP, "1280")])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_landing_page_is_accessible(site, viewport, label, lang) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport=viewport)
        page.goto(f"{site}/?lang={lang}")
        assert page.locator("h1").is_visible()
        assert page.get_by_role("link", name="카카오 로그인" if lang == "ko" else "Sign in with Kakao").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert serious_violations(page) == []
        screenshot(page, f"landing-{lang}-{label}")


def test_keyboard_alone_reaches_sign_in(site) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        page.goto(site)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        focused = []
        for _ in range(8):
            page.keyboard.press("Tab")
            focused.append(page.evaluate("document.activeElement.getAttribute('href')"))
        assert any(h and h.startswith("/auth/kakao/login") for h in focused)
        assert any(h and h.startswith("/auth/naver/login") for h in focused)


def test_no_script_errors_and_nothing_in_browser_storage(site) -> None:
    with chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(site)
        assert errors == []
        assert page.evaluate("localStorage.length + sessionStorage.length") == 0

"""The operations console in a real browser shows that attorneys' e-mail is failing and clears one
(the app, the dev identity provider and the emulator's stack, as in test_pages_browser.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.email_health import EmailFailure, FailureReason
from tests.e2e.browser import PHONE, chromium, journey_site, serious_violations, sign_in_staff

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 2, 10, 2, tzinfo=ZoneInfo("Asia/Seoul"))


live = journey_site(at=SITE_OPENS)


def test_the_console_names_the_failing_count_and_clears_an_attorney(live, container) -> None:
    site, _ = live
    [attorney] = sorted(container.attorneys.roster(), key=lambda a: a.id)[:1]
    container.email_health.mark(EmailFailure(attorney.id, FailureReason.BOUNCE, "0" * 64, SITE_OPENS))
    count = len(container.email_health.failing())
    try:
        with chromium() as browser:
            page = sign_in_staff(browser.new_context(viewport=PHONE), site, "admin", "/admin")  # the TOTP step first
            line = page.locator("#email-failures-text")
            line.wait_for()
            assert line.inner_text() == f"노무사 {count}명의 이메일 전달이 실패하고 있습니다."
            assert serious_violations(page) == []
            page.get_by_role("button", name=f"이메일 다시 보내기: {attorney.id}").click()
            if count == 1:
                page.locator("#email-failures").wait_for(state="hidden")
            else:
                page.get_by_text(f"노무사 {count - 1}명의").wait_for()
        assert container.email_health.failure(attorney.id) is None
    finally:
        container.email_health.clear(attorney.id)

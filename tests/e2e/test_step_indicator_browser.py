"""The intake form's KRDS step indicator in a real browser (Debian Chromium via Playwright): at
1280 px an ordered list of the six steps, the current one marked for screen readers
(aria-current="step") and the done ones marked in text, not by colour alone; at 360 px only the
live "step n of 6" line (KRDS allows the short form on small displays). Axe clean."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import PHONE, chromium, journey_site, screenshot, serious_violations, sign_in

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 4, 10, 5, tzinfo=ZoneInfo("Asia/Seoul"))
DESKTOP = {"width": 1280, "height": 800}


live = journey_site(at=SITE_OPENS)


def test_the_step_indicator_marks_the_current_and_done_steps(live) -> None:
    site, _ = live
    with chromium() as browser:
        context = browser.new_context(viewport=DESKTOP)
        page = sign_in(context, site, "resident-steps-indicator", "/consultations/new")
        steps = page.locator("#step-list > li")
        assert steps.count() == 6
        assert page.locator("#step-list").is_visible()
        assert steps.nth(0).get_attribute("aria-current") == "step"
        assert all(steps.nth(i).get_attribute("aria-current") is None for i in range(1, 6))

        page.check("input[name=category][value=wage_arrears]")
        page.select_option("#region", "suwon")
        page.click("#step-next")
        assert steps.nth(1).get_attribute("aria-current") == "step"
        assert steps.nth(0).get_attribute("aria-current") is None
        assert "done" in (steps.nth(0).get_attribute("class") or "")
        assert "(완료)" in steps.nth(0).text_content()  # read out, not only shown by colour
        assert "(완료)" not in steps.nth(1).text_content()
        assert serious_violations(page) == []
        screenshot(page, "intake-steps-1280")

        page.click("#step-back")
        assert steps.nth(0).get_attribute("aria-current") == "step"
        assert "(완료)" not in steps.nth(0).text_content()

        page.set_viewport_size(PHONE)
        assert page.locator("#step-list").is_hidden()
        assert page.locator("#step-count").inner_text().startswith("6단계 중 1단계")
        assert page.script_errors == []  # type: ignore[attr-defined]
        context.close()

"""Withdrawing a request from the status page in a real browser (Debian Chromium via Playwright),
against the app, the dev identity provider and the emulator's stack: the resident books a slot,
asks to withdraw, thinks better of it, then confirms; the page shows the request withdrawn, and the
stack holds it withdrawn with its slot free again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import PHONE, chromium, journey_site, screenshot, serious_violations, sign_in
from tests.e2e.intake_form import book_first_slot, fill_intake, send_from_review

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 4, 10, 5, tzinfo=ZoneInfo("Asia/Seoul"))  # a Thursday morning, not a holiday


live = journey_site(at=SITE_OPENS)


def test_resident_withdraws_a_booked_request_after_confirming(live, container) -> None:
    from chalicelib.domain.consultations import Status

    site, _ = live
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE)
        page = sign_in(context, site, "resident-withdraws", "/consultations/new")
        fill_intake(page, mode="reservation", method="phone", phone="010-2345-6789")
        cid = send_from_review(page)

        book_first_slot(page)  # choosing a time asks before booking it
        booking = container.bookings.state_of(cid).active
        assert booking is not None

        withdraw = page.locator("#withdraw-start")
        assert withdraw.is_visible() and withdraw.inner_text() == "신청 취소"
        withdraw.click()
        question = page.locator("#withdraw-question")
        question.wait_for(state="visible")
        assert "되돌릴 수 없습니다" in question.inner_text()
        assert page.evaluate("document.activeElement.id") == "withdraw-question"
        assert withdraw.get_attribute("aria-expanded") == "true"
        assert serious_violations(page) == []
        screenshot(page, "withdraw-confirm-360")

        page.click("#withdraw-no")  # changed their mind: nothing happens
        assert question.is_hidden()
        assert container.consultations.get(cid).status is Status.BOOKED

        withdraw.click()
        page.click("#withdraw-yes")
        page.locator("#state", has_text="신청 취소됨").wait_for(timeout=15000)
        assert "신청을 취소했습니다" in page.locator("#next-step").inner_text()
        assert page.locator("#withdraw").is_hidden() and page.locator("#booking").is_hidden()
        assert page.locator("#slots").is_hidden()
        assert serious_violations(page) == []
        screenshot(page, "withdrawn-360")
        assert page.script_errors == []  # type: ignore[attr-defined]

        stored = container.consultations.get(cid)
        assert stored.status is Status.WITHDRAWN
        assert container.bookings.state_of(cid).active is None
        claims = container.bookings.claims_between(booking.start, booking.start)
        assert all(c.consultation_id != cid for c in claims)

        page.reload()  # the page reads the stored state back
        page.locator("#state", has_text="신청 취소됨").wait_for(timeout=15000)
        assert page.locator("#withdraw").is_hidden()
        context.close()

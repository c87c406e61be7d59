"""A Vietnamese resident's whole reservation journey in a real browser at 360 px: a phone set to
Vietnamese (Accept-Language) gets the landing page, the step-by-step form with its review step, the
slot picker (a tap asks, a confirmation books) and the booked status in Vietnamese, nothing wider
than the phone, no serious axe violation; the request is stored as a Vietnamese consultation, and
the status page says how an interpreted consultation goes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.consultations import Language
from tests.e2e.browser import chromium, fits_the_phone, journey_site, phone_page
from tests.e2e.intake_form import fill_up_to_contact, send_from_review

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 2, 10, 2, tzinfo=ZoneInfo("Asia/Seoul"))  # a Tuesday, in the morning window


live = journey_site(at=SITE_OPENS)


def test_a_vietnamese_resident_books_a_consultation_in_vietnamese(live, container) -> None:
    site, _ = live
    with chromium() as browser:
        page = phone_page(browser, "vi-VN")
        page.goto(site)
        assert page.locator("h1").inner_text().startswith("Gặp khó khăn ở nơi làm việc?")
        fits_the_phone(page, "vi", "journey-vi-landing")

        page.goto(f"{site}/auth/kakao/login?next=/consultations/new&login_hint=resident-vietnamese")
        page.wait_for_url(f"{site}/consultations/new")
        assert page.locator("#step-count").inner_text() == "Bước 1/6"
        fits_the_phone(page, "vi", "journey-vi-intake")
        fill_up_to_contact(page, mode="reservation", method="phone", phone="12345", name="Nguyễn Văn An",
                           description="Tôi chưa được trả lương hai tháng. Chủ nói tháng sau mới trả.")
        page.click("#step-next")
        error = page.locator("#err-phone")
        error.wait_for(state="visible")  # the contact step is checked before the next: the message is by the field
        page.fill("#phone", "010-1234-5678")
        page.click("#step-next")
        page.check("#consent_privacy")
        assert "Lưu giữ 3 năm sau khi kết thúc tư vấn" in page.locator("main").inner_text()
        page.click("#step-next")
        page.locator("#review").wait_for(state="visible")  # the review step, then the only button that sends
        assert "Nguyễn Văn An" in page.locator("#review").inner_text()
        consultation_id = send_from_review(page)
        assert container.consultations.get(consultation_id).language is Language.VI

        first_slot = page.locator("#slot-days button.slot").first
        first_slot.wait_for(state="visible", timeout=15000)
        assert page.locator("#slots h2").inner_text() == "Chọn giờ tư vấn"
        assert "Nếu bạn cần phiên dịch" in page.locator("#interpreting").inner_text()
        fits_the_phone(page, "vi", "journey-vi-slots")
        first_slot.click()  # a tap only asks
        page.click("#slot-yes")
        page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
        assert "Đã đặt hẹn" in page.locator("#state").inner_text()
        assert page.locator("#booking-attorney").inner_text().startswith("Luật sư của bạn:")
        assert "031-8030-4541" in page.locator("#booking-how").inner_text()
        assert "Hỏi đáp" in page.locator("#booking-how").inner_text()  # how it happens, in Vietnamese
        fits_the_phone(page, "vi", "journey-vi-booked")
        assert page.script_errors == []

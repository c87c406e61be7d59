"""A Vietnamese resident's whole reservation journey in a real browser at 360 px: a phone set to
Vietnamese (Accept-Language) gets the landing page, the step-by-step form with its review step, the
slot picker (a tap asks, a confirmation books) and the booked status in Vietnamese, nothing wider
than the phone, no serious axe violation; the request is stored as a Vietnamese consultation, and
the status page says how an interpreted consultation goes."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.consultations import Language
from tests.e2e.browser import PHONE, chromium, journey_site, screenshot, serious_violations

pytestmark = pytest.mark.browser

UUID_PATH = re.compile(r"/consultations/([0-9a-f-]{36})$")
SITE_OPENS = datetime(2027, 3, 2, 10, 2, tzinfo=ZoneInfo("Asia/Seoul"))  # a Tuesday, in the morning window


live = journey_site(at=SITE_OPENS)


def fits_the_phone(page, name: str) -> None:
    assert page.evaluate("document.documentElement.lang") == "vi", name
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    assert serious_violations(page) == [], name
    screenshot(page, f"journey-vi-{name}-360")


def test_a_vietnamese_resident_books_a_consultation_in_vietnamese(live, container) -> None:
    site, _ = live
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, locale="vi-VN")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(site)
        assert page.locator("h1").inner_text().startswith("Gặp khó khăn ở nơi làm việc?")
        fits_the_phone(page, "landing")

        page.goto(f"{site}/auth/kakao/login?next=/consultations/new&login_hint=resident-vietnamese")
        page.wait_for_url(f"{site}/consultations/new")
        assert page.locator("#step-count").inner_text() == "Bước 1/6"
        fits_the_phone(page, "intake")
        page.check("input[name=category][value=wage_arrears]")
        page.select_option("#region", "suwon")
        page.click("#step-next")
        page.check("input[name=mode][value=reservation]")
        page.check("input[name=method][value=phone]")
        page.click("#step-next")
        page.check("input[name=employment_status][value=left]")
        page.fill("#left_on", "2026-10-31")
        page.select_option("#monthly_pay", "2m_3m")
        page.fill("#description", "Tôi chưa được trả lương hai tháng. Chủ nói tháng sau mới trả.")
        page.click("#step-next")
        page.fill("#name", "Nguyễn Văn An")
        page.fill("#phone", "12345")
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
        page.click("#submit")
        page.wait_for_url(UUID_PATH)
        consultation_id = UUID_PATH.search(page.url).group(1)
        assert container.consultations.get(consultation_id).language is Language.VI

        first_slot = page.locator("#slot-days button.slot").first
        first_slot.wait_for(state="visible", timeout=15000)
        assert page.locator("#slots h2").inner_text() == "Chọn giờ tư vấn"
        assert "Nếu bạn cần phiên dịch" in page.locator("#interpreting").inner_text()
        fits_the_phone(page, "slots")
        first_slot.click()  # a tap only asks
        page.click("#slot-yes")
        page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
        assert "Đã đặt hẹn" in page.locator("#state").inner_text()
        assert page.locator("#booking-attorney").inner_text().startswith("Luật sư của bạn:")
        assert "031-8030-4541" in page.locator("#booking-how").inner_text()
        assert "Hỏi đáp" in page.locator("#booking-how").inner_text()  # how it happens, in Vietnamese
        fits_the_phone(page, "booked")
        assert errors == []

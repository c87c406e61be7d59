"""Correcting a submitted request in a real browser (Debian Chromium via Playwright), against the
app, the dev identity provider and the emulator's stack: the resident sees what they submitted,
opens the correction form, is told about a wrong phone number next to the field, presses Enter in a
field without sending anything, saves; the page shows the corrected details and the stack holds them
sealed. Once the request is booked (an attorney has it), the correction is no longer offered.
At 360 px in Korean and 1280 px in English, axe clean at each step."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import PHONE, journey_site, screenshot, serious_violations
from tests.e2e.intake_form import book_first_slot, resident_with_a_request
from tests.e2e.test_site_frame_browser import check_reflow

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 4, 10, 5, tzinfo=ZoneInfo("Asia/Seoul"))  # a Thursday morning, not a holiday
DESKTOP = {"width": 1280, "height": 800}
TEXT = {"ko": {"edit": "내용 고치기", "saved": "고친 내용을 저장했습니다.", "wage_passed": "고용노동부에 임금체불 진정",
               "booked": "상담 시간:", "unverified": "문자도 알림톡도 보내지 않습니다",
               "unverified_state": "확인되지 않은 번호"},
        "en": {"edit": "Correct these details", "saved": "Your corrections were saved.",
               "wage_passed": "wage complaint with the Ministry", "booked": "Consultation time:",
               "unverified": "it gets no SMS", "unverified_state": "Unconfirmed number"}}
NEW_DESCRIPTION = "지난 석 달 치 월급과 퇴직금을 받지 못했습니다. 사장님은 연락을 받지 않습니다."


live = journey_site(at=SITE_OPENS)




def sealed_details(container, cid):  # type: ignore[no-untyped-def]
    from chalicelib.domain.consultations import ENTITY, PersonalDetails

    c = container.consultations.get(cid)
    return PersonalDetails.from_sealed(container.cipher.open(ENTITY, cid, c.sealed))


@pytest.mark.parametrize(("lang", "viewport"), [("ko", PHONE), ("en", DESKTOP)])
def test_resident_corrects_a_waiting_request_and_not_after_it_is_booked(live, container, lang, viewport) -> None:
    site, _ = live
    words = TEXT[lang]
    width = viewport["width"]
    with resident_with_a_request(site, f"resident-corrects-{lang}", viewport, mode="reservation",
                                 lang=lang) as (page, cid):
        page.locator("#d-name").wait_for(state="visible", timeout=15000)
        assert page.locator("#d-name").inner_text() == "홍길동"
        assert page.locator("#d-phone").inner_text() == "010-2345-6789"
        # left on 2026-10-31: the pay was due by 2026-11-14, long passed on 2027-03-04 -- said with what it means
        assert words["wage_passed"] in page.locator("#triage-list").inner_text()
        edit = page.locator("#details-edit")
        assert edit.inner_text() == words["edit"]
        edit.click()
        assert page.evaluate("document.activeElement.id") == "c-name"
        assert page.input_value("#c-phone") == "010-2345-6789"
        assert serious_violations(page) == []
        screenshot(page, f"correct-form-{lang}-{width}")
        check_reflow(page, f"correct-form-{lang}-{width}")

        page.fill("#c-phone", "12345")
        page.click("#details-save")
        error = page.locator("#details-error")
        error.wait_for(state="visible", timeout=15000)
        assert "010-1234-5678" in error.inner_text()  # what a valid number looks like, in the page's language
        assert page.evaluate("document.activeElement.id") == "c-phone"
        assert sealed_details(container, cid).phone == "+821023456789"
        screenshot(page, f"correct-error-{lang}-{width}")

        page.fill("#c-phone", "010-8765-4321")
        page.fill("#c-description", NEW_DESCRIPTION)
        page.press("#c-phone", "Enter")  # Enter in a field sends nothing
        page.wait_for_timeout(500)
        assert sealed_details(container, cid).phone == "+821023456789"
        page.click("#details-save")
        result = page.locator("#details-result")
        result.wait_for(state="visible")
        page.wait_for_function("document.getElementById('details-result').textContent.length > 0", timeout=15000)
        # the new number was not verified: saved, and told plainly that it gets no SMS
        assert result.inner_text().startswith(words["saved"]) and words["unverified"] in result.inner_text()
        page.locator("#d-phone-state").filter(has_text=words["unverified_state"]).wait_for(timeout=15000)
        assert page.evaluate("document.activeElement.id") == "details-result"
        assert page.locator("#details-form").is_hidden()
        assert page.locator("#d-phone").inner_text() == "010-8765-4321"
        assert page.locator("#d-description").inner_text() == NEW_DESCRIPTION
        stored = sealed_details(container, cid)
        assert (stored.phone, stored.description, stored.name) == ("+821087654321", NEW_DESCRIPTION, "홍길동")
        assert serious_violations(page) == []
        screenshot(page, f"correct-saved-{lang}-{width}")

        # booked: an attorney has it now, so the page no longer offers a correction
        book_first_slot(page)
        # the booking is undone in one tap (no second question), and made again
        undo = page.locator("#booking-undo")
        undo.wait_for(state="visible", timeout=15000)
        undo.click()
        page.locator("#booking").wait_for(state="hidden", timeout=15000)
        page.wait_for_function("document.activeElement && document.activeElement.id === 'booking-result'",
                               timeout=15000)
        assert container.bookings.state_of(cid).active is None
        assert page.locator("#booking-undo-line").is_hidden()  # an undo is not undone: the times are offered again
        book_first_slot(page)
        page.wait_for_function("document.activeElement && document.activeElement.id === 'booking-result'",
                               timeout=15000)
        assert container.bookings.state_of(cid).active is not None
        page.reload()
        page.locator("#d-name").wait_for(state="visible", timeout=15000)
        assert page.locator("#details-editable").is_hidden()
        assert page.locator("#d-phone").inner_text() == "010-8765-4321"
        # 내 상담 says when the booked consultation is, not only when it was asked for
        page.goto(site + "/consultations" + ("" if lang == "ko" else f"?lang={lang}"))
        page.locator("#mine .when", has_text=words["booked"]).wait_for(timeout=15000)
        assert serious_violations(page) == []
        screenshot(page, f"mine-booked-{lang}-{width}")
        assert page.script_errors == []  # type: ignore[attr-defined]

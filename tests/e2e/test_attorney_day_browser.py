"""The attorney's day in a real browser (Debian Chromium via Playwright) against the app, the dev
identity provider and the emulator's stack, with the app's clock on a Tuesday morning:

- a resident books a reservation; the booked attorney's console shows it in the agenda with its
  date and time, and the detail shows the booked time, the phone as a tap-to-call link written the
  way people write it (010-2345-6789), codes as words, method and language;
- closing is not offered before the booked slot starts (the console says when it can be);
- handing the booking back asks first (with a reason) and "no" keeps the booking; "yes" gives it back;
- in Korean at 360 px and in English at 1280 px: axe with the WCAG 2.2 rules, reflow at 200 % text,
  44-px targets (the weekly-pattern checkboxes included); screenshots of every step.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import DESKTOP, PHONE, chromium, journey_site, screenshot, sign_in
from tests.e2e.test_site_frame_browser import (
    BIG_TEXT,
    ONE_CHAR_LINES,
    OVERFLOWING,
    SMALL_TARGETS,
    wcag22_violations,
)

pytestmark = pytest.mark.browser

KST = ZoneInfo("Asia/Seoul")
TUESDAY_MORNING = datetime(2027, 3, 2, 10, 2, tzinfo=KST)

# what the resident's page script does, in short: submit a reservation request and book the first slot
BOOK_FIRST_SLOT = """async () => {
  const csrf = document.cookie.split('; ').find(c => c.startsWith('csrf=')).split('=')[1];
  const json = {'Content-Type': 'application/json', 'X-CSRF-Token': csrf};
  const made = await fetch('/api/consultations', {method: 'POST',
    headers: {...json, 'Idempotency-Key': crypto.randomUUID()},
    body: JSON.stringify({category: 'wage_arrears', region: 'suwon', mode: 'reservation', method: 'phone',
      name: '홍길동', phone: '010-2345-6789', employment_status: 'dismissed', dismissed_on: '2027-02-20',
      consent_privacy: true, description: '두 달 치 월급을 받지 못하고 문자로 해고 통보를 받았습니다.'})});
  const c = await made.json();
  const slots = await (await fetch('/api/slots?consultation_id=' + c.id)).json();
  const booked = await fetch('/api/consultations/' + c.id + '/booking', {method: 'POST', headers: json,
    body: JSON.stringify({start: slots[0].start})});
  const b = await booked.json();
  return {id: c.id, status: booked.status, start: b.start, attorney: b.attorney.id};
}"""

BOOKING_STATUS = """async (id) => (await fetch('/api/consultations/' + id + '/booking')).status"""


live = journey_site(at=TUESDAY_MORNING, url_only=True)


def check_step(page, name: str, width: int) -> None:
    """WCAG 2.2 (axe), no sideways scrolling, no word one character per line, 44-px targets; a screenshot."""
    assert wcag22_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, page.evaluate(OVERFLOWING, width))
    assert page.evaluate(ONE_CHAR_LINES) == [], name
    assert page.evaluate(SMALL_TARGETS) == [], name
    screenshot(page, name)


def check_big_text(page, name: str) -> None:
    page.add_style_tag(content=BIG_TEXT)
    check_step(page, f"{name}-200pct", page.viewport_size["width"])


def test_attorney_day(live) -> None:
    with chromium() as browser:
        resident = sign_in(browser.new_context(viewport=PHONE), live, "resident-attorney-day", "/consultations")
        booking = resident.evaluate(BOOK_FIRST_SLOT)
        assert booking["status"] == 201, booking
        start = datetime.fromisoformat(booking["start"]).astimezone(KST)
        hhmm = f"{start:%H:%M}"
        assert start > TUESDAY_MORNING
        account = "attorney-" + booking["attorney"].split("-")[1]

        context = browser.new_context(viewport=PHONE, bypass_csp=True)
        lawyer = sign_in(context, live, account, "/attorney")
        open_button = lawyer.locator(f"#agenda button[data-consultation='{booking['id']}']")
        open_button.wait_for()
        item = lawyer.locator("#agenda li", has=lawyer.locator(f"button[data-consultation='{booking['id']}']"))
        assert hhmm in item.inner_text() and "임금체불" in item.inner_text()
        assert "전화" in item.inner_text()  # the method, as a word
        # the weekly pattern is not "this week", and each of its checkboxes is a 44-px target
        assert "이번 주" not in lawyer.locator("#week-title").inner_text()
        box = lawyer.locator("label.toggle").first.bounding_box()
        assert box is not None and box["width"] >= 44 and box["height"] >= 44
        check_step(lawyer, "attorney-day-agenda-ko-360", 360)

        open_button.click()
        facts = lawyer.locator("#detail-facts")
        facts.filter(has_text="예약 시간").wait_for()
        phone = facts.locator("a[href^='tel:']")
        assert phone.inner_text() == "010-2345-6789"
        assert phone.get_attribute("href") == "tel:+821023456789"
        text = facts.inner_text()
        assert "해고됨" in text and "dismissed" not in text  # the catalogue's words, not the code
        assert "한국어" in text and hhmm in text
        assert "민감한 정보" in text
        # not closed before the booked slot starts: the console says from when
        assert lawyer.locator("#outcome").is_hidden()
        assert hhmm in lawyer.locator("#close-wait").inner_text()
        check_step(lawyer, "attorney-day-detail-ko-360", 360)
        lawyer.set_viewport_size(DESKTOP)
        check_step(lawyer, "attorney-day-detail-ko-1280", 1280)
        lawyer.set_viewport_size(PHONE)

        # hand-back asks first; "no" keeps the booking
        lawyer.click("#handback-open")
        lawyer.locator("#handback-confirm").wait_for(state="visible")
        assert lawyer.evaluate("document.activeElement.id") == "handback-question"
        assert hhmm in lawyer.locator("#handback-question").inner_text()
        check_step(lawyer, "attorney-day-handback-ask-ko-360", 360)
        lawyer.click("#handback-no")
        assert lawyer.locator("#handback-confirm").is_hidden()
        assert resident.evaluate(BOOKING_STATUS, booking["id"]) == 200

        # a day off is kept with the weekly pattern
        lawyer.fill("#leave-date", "2027-03-19")
        lawyer.click("#leave-add")
        lawyer.click("#availability button[type=submit]")
        lawyer.locator("#availability-status").filter(has_text="저장").wait_for()
        lawyer.reload()
        lawyer.locator("#leaves li", has_text="2027-03-19").wait_for()
        lawyer.locator("#leaves li", has_text="2027-03-19").get_by_role("button").click()
        lawyer.click("#availability button[type=submit]")
        lawyer.locator("#availability-status").filter(has_text="저장").wait_for()

        lawyer.set_viewport_size(DESKTOP)
        lawyer.goto(f"{live}/attorney?lang=en")
        open_button.wait_for()
        assert hhmm in item.inner_text()
        check_step(lawyer, "attorney-day-agenda-en-1280", 1280)
        open_button.click()
        facts.filter(has_text="Booked time").wait_for()
        assert facts.locator("a[href^='tel:']").inner_text() == "010-2345-6789"
        assert "I was dismissed" in facts.inner_text() and "Korean" in facts.inner_text()
        assert lawyer.locator("#outcome").is_hidden()
        check_step(lawyer, "attorney-day-detail-en-1280", 1280)
        lawyer.set_viewport_size(PHONE)
        check_step(lawyer, "attorney-day-detail-en-360", 360)

        lawyer.set_viewport_size(PHONE)
        lawyer.goto(f"{live}/attorney?lang=ko")
        open_button.wait_for()
        check_big_text(lawyer, "attorney-day-agenda-ko-360")
        open_button.click()
        facts.filter(has_text="예약 시간").wait_for()

        # "yes" without a reason is stopped; with one, the booking is handed back
        lawyer.click("#handback-open")
        lawyer.click("#handback-yes")
        lawyer.locator("#handback-error").filter(has_text="두 글자").wait_for()
        assert lawyer.evaluate("document.activeElement.id") == "handback-reason"
        assert resident.evaluate(BOOKING_STATUS, booking["id"]) == 200
        lawyer.fill("#handback-reason", "같은 사업장 사건을 맡고 있습니다")
        lawyer.click("#handback-yes")
        lawyer.locator("#agenda-status").filter(has_text="넘겼습니다").wait_for()
        open_button.wait_for(state="detached")  # gone from the agenda
        assert resident.evaluate(BOOKING_STATUS, booking["id"]) == 404
        screenshot(lawyer, "attorney-day-handed-back-ko-360")
        assert lawyer.script_errors == [] and resident.script_errors == []  # type: ignore[attr-defined]

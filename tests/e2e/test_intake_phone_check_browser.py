"""The intake form's phone check in Chromium, against the app, the dev identity provider and the dev
SENS emulator (``local_site``; the app's clock on a Tuesday morning, outside the quiet hours).

- A resident verifies their mobile inside the form (a landline first: told SMS cannot reach it; a
  wrong code: tries left; the right one by keyboard), the review says messages come by SMS, and the
  "request received" 알림톡 arrives on that number. Their next request finds the number verified
  without a new code.
- A resident who does not verify still sends the request, and nothing at all goes to that number.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.adapters.sens_notifier import domestic
from ops.outbox import sent_sens
from tests.e2e.browser import PHONE, chromium, live_site, screenshot, serious_violations, sign_in
from tests.e2e.intake_form import consent_and_review, fill_up_to_contact, send_from_review
from tests.phones import code_from_sens, e164

pytestmark = pytest.mark.browser

# Tuesday 10:06 KST: inside the morning window and outside the quiet hours; not a holiday
SITE_OPENS = datetime(2027, 3, 2, 10, 6, tzinfo=ZoneInfo("Asia/Seoul"))


live = live_site(at=SITE_OPENS)


def to(env: dict[str, str], phone: str) -> list[dict]:
    return [m for m in sent_sens(env["MAEUL_SENS_BASE_URL"]) if m["to"] == domestic(e164(phone))]


def wait_for_receipt(page) -> None:  # type: ignore[no-untyped-def]
    """The status page of a request just sent shows its 접수번호."""
    page.locator("#f-receipt").filter(has_text=re.compile(r"\d{4}-\d{4}")).wait_for(timeout=15000)


def test_a_resident_verifies_the_mobile_in_the_form_and_is_told_on_it(live) -> None:
    site, env = live
    mobile = "010-4444-0301"
    with chromium() as browser:
        page = sign_in(browser.new_context(viewport=PHONE), site, "resident-phone-in-form", "/consultations/new")
        fill_up_to_contact(page, mode="reservation", method="phone", phone="031-8030-4541")  # a landline
        page.locator("#phone-check-landline").wait_for(state="visible")
        assert "문자를 받을 수 없어" in page.inner_text("#phone-check-landline")
        assert page.locator("#phone-check-send").is_hidden()
        assert "문자도 알림톡도 보내지 않으니" in page.inner_text("#phone-check-optional")  # said before sending

        page.fill("#phone", mobile)
        page.locator("#phone-check-landline").wait_for(state="hidden")
        page.get_by_role("button", name="인증번호 받기").click()
        status = page.locator("#phone-check-status")
        status.filter(has_text="10분 안에").wait_for()
        assert "5번까지" in status.inner_text()
        assert page.evaluate("document.activeElement.id") == "phone-check-code"  # straight to the code
        assert serious_violations(page) == []
        screenshot(page, "intake-phone-check-360")
        code = code_from_sens(env["MAEUL_SENS_BASE_URL"])(e164(mobile))
        page.get_by_label("인증번호 (6자리)").fill(f"{(int(code) + 1) % 1_000_000:06d}")
        page.get_by_role("button", name="확인", exact=True).click()
        status.filter(has_text="남은 입력 횟수: 4번").wait_for()
        page.get_by_label("인증번호 (6자리)").fill(code)
        page.keyboard.press("Enter")  # Enter in the code field confirms it and sends nothing else
        status.filter(has_text="휴대전화 번호가 확인되었습니다").wait_for()
        assert page.evaluate("document.activeElement.id") == "phone-check-status"
        assert page.locator("#phone-check-enter").is_hidden() and page.locator("#phone-check-send").is_hidden()
        assert "/consultations/new" in page.url  # the form was not sent by the Enter

        consent_and_review(page, optional=False)
        assert "확인됨" in page.locator("[data-review=phone]").inner_text()
        consultation_id = send_from_review(page)
        wait_for_receipt(page)
        receipt = page.locator("#f-receipt").inner_text()
        deadline = time.monotonic() + 15
        while not [m for m in to(env, mobile) if m["template"]] and time.monotonic() < deadline:
            time.sleep(0.2)
        code_sms, received = to(env, mobile)
        assert code_sms["template"] is None and code in code_sms["text"]
        assert (received["channel"], received["template"]) == ("alimtalk", "MAEUL_RECEIVED_KO")
        assert f"접수번호: {receipt}" in received["text"]
        assert received["text"].endswith(f"/consultations/{consultation_id}")

        # the next request: the number is known to be verified, no new code
        page.goto(f"{site}/consultations/new")
        fill_up_to_contact(page, mode="reservation", method="video", phone=mobile)
        page.locator("#phone-check-status").filter(has_text="이미 확인된 번호입니다").wait_for()
        assert page.locator("#phone-check-send").is_hidden()
        consent_and_review(page, optional=False)
        send_from_review(page)
        wait_for_receipt(page)
        texts = to(env, mobile)
        assert [m["template"] for m in texts].count(None) == 1  # still the one code
        assert page.script_errors == []  # type: ignore[attr-defined]


def test_an_unverified_number_gets_nothing_but_the_request_is_taken(live, container) -> None:
    site, env = live
    mobile = "010-4444-0302"
    with chromium() as browser:
        page = sign_in(browser.new_context(viewport=PHONE), site, "resident-phone-unverified",
                       "/consultations/new")
        fill_up_to_contact(page, mode="reservation", method="phone", phone=mobile)
        page.locator("#phone-check-send").wait_for(state="visible")
        consent_and_review(page, optional=False)
        assert "확인 안 됨" in page.locator("[data-review=phone]").inner_text()
        consultation_id = send_from_review(page)
        wait_for_receipt(page)
        assert page.script_errors == []  # type: ignore[attr-defined]
    # the request exists with that number (the attorney can call it), and the message was sent in the
    # request: had it gone, the SENS emulator would hold it by now
    assert container.consultations.get(consultation_id) is not None
    time.sleep(1.0)
    assert to(env, mobile) == []

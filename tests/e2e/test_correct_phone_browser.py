"""Correcting the phone of a waiting request in Chromium, against the app, the dev identity provider and
the dev SENS emulator (``journey_site``; the app's clock on a Thursday morning, outside the quiet hours).

A resident sends a request with a mobile verified in the intake form, so the status page says the
number gets SMS. They correct it to a new mobile: the correction form offers the same code step (the
new number is not verified), they verify it there, save, and the status page says the new number gets
SMS. They book: the booking's 알림톡 reaches the new number, and the old one got nothing after the
receipt. Axe clean on the form with the code step."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.adapters.sens_notifier import domestic
from ops.outbox import sent_sens
from tests.e2e.browser import PHONE, chromium, journey_site, screenshot, serious_violations, sign_in
from tests.e2e.intake_form import submit_intake
from tests.phones import code_from_sens, e164

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 4, 10, 7, tzinfo=ZoneInfo("Asia/Seoul"))  # a Thursday morning, not a holiday
OLD, NEW = "010-4444-0311", "010-4444-0312"


live = journey_site(at=SITE_OPENS)


def to(env: dict[str, str], phone: str) -> list[dict]:
    return [m for m in sent_sens(env["MAEUL_SENS_BASE_URL"]) if m["to"] == domestic(e164(phone))]


def wait_for_template(env: dict[str, str], phone: str, prefix: str) -> list[dict]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        texts = to(env, phone)
        if any((m["template"] or "").startswith(prefix) for m in texts):
            return texts
        time.sleep(0.2)
    raise AssertionError(f"no {prefix} message reached {phone}: {to(env, phone)}")


def test_a_resident_corrects_the_phone_verifies_the_new_number_and_is_told_on_it(live, container) -> None:
    site, env = live
    sens = env["MAEUL_SENS_BASE_URL"]
    with chromium() as browser:
        page = sign_in(browser.new_context(viewport=PHONE), site, "resident-corrects-phone", "/consultations/new")
        cid = submit_intake(page, mode="reservation", method="phone", phone=OLD, verify_by=sens)
        wait_for_template(env, OLD, "MAEUL_RECEIVED")
        state = page.locator("#d-phone-state")
        state.filter(has_text="확인된 번호").wait_for(timeout=15000)

        page.click("#details-edit")
        # the number on file is verified: the step says so and offers no code
        page.locator("#phone-check-status").filter(has_text="이미 확인된 번호입니다").wait_for()
        assert page.locator("#phone-check-send").is_hidden()
        assert "다시 확인해야 합니다" in page.inner_text("#phone-check-intro")
        assert "문자도 알림톡도 보내지 않으니" in page.inner_text("#phone-check-optional")  # said before saving

        page.fill("#c-phone", NEW)  # a new number: not verified, so the code step is offered
        page.locator("#phone-check-send").wait_for(state="visible")
        assert "이미 확인된" not in page.inner_text("#phone-check-status")
        assert serious_violations(page) == []
        screenshot(page, "correct-phone-check-360")
        page.click("#phone-check-send")
        page.locator("#phone-check-code").wait_for(state="visible")
        page.fill("#phone-check-code", code_from_sens(sens)(e164(NEW)))
        page.keyboard.press("Enter")  # confirms the code; the correction is not sent by it
        page.locator("#phone-check.verified").wait_for()
        page.locator("#phone-check-status").filter(has_text="휴대전화 번호가 확인되었습니다").wait_for()
        assert page.locator("#details-form").is_visible()

        page.click("#details-save")
        page.locator("#details-result").filter(has_text="고친 내용을 저장했습니다.").wait_for(timeout=15000)
        assert "확인되지 않아" not in page.inner_text("#details-result")
        assert page.locator("#d-phone").inner_text() == NEW
        state.filter(has_text="확인된 번호").wait_for(timeout=15000)
        assert "확인되지 않은" not in state.inner_text()

        # booked: the booking's message goes to the new number, nothing more to the old one
        old_before = len(to(env, OLD))
        first_slot = page.locator("#slot-days button.slot").first
        first_slot.wait_for(state="visible", timeout=15000)
        first_slot.click()
        page.click("#slot-yes")
        page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
        told = wait_for_template(env, NEW, "MAEUL_BOOKED")
        booked = [m for m in told if (m["template"] or "").startswith("MAEUL_BOOKED")]
        assert len(booked) == 1 and booked[0]["text"].endswith(f"/consultations/{cid}")
        time.sleep(1.0)  # had anything gone to the old number, the SENS emulator would hold it by now
        assert len(to(env, OLD)) == old_before
        assert [m["template"] for m in to(env, OLD)] == [None, "MAEUL_RECEIVED_KO"]  # its code, the receipt
        assert page.script_errors == []  # type: ignore[attr-defined]

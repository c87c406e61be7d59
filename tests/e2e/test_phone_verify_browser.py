"""Confirming the contact phone on "my page" in Chromium: the app on the emulator's stack, the dev
identity provider and the dev SENS emulator (the code really goes out as an SMS, read back from the
emulator's outbox). A number verified before is recognised through the status route, with no new code."""

from __future__ import annotations

import re

import pytest

from chalicelib.adapters.sens_notifier import domestic
from devtools.idp import accounts
from ops.outbox import sent_sens
from tests.e2e.browser import chromium, live_site

pytestmark = pytest.mark.browser

PHONE = "+821045670123"


live = live_site()


def test_a_resident_confirms_their_mobile_with_the_code_from_the_sms(live, container) -> None:
    url, env = live
    with chromium() as browser:
        page = browser.new_context().new_page()
        page.goto(f"{url}/auth/kakao/login?next=/me&login_hint=resident-phone-check")
        page.wait_for_url(f"{url}/me")
        page.get_by_label("휴대전화 번호").fill("02-2100-1234")  # a landline: refused, said why
        page.get_by_role("button", name="인증번호 받기").click()
        page.locator("#phone-status").filter(has_text="휴대전화 번호(010-…)로만").wait_for()
        page.get_by_label("휴대전화 번호").fill("010-4567-0123")
        page.get_by_role("button", name="인증번호 받기").click()
        page.locator("#phone-status").filter(has_text="인증번호를 보냈습니다").wait_for()
        [sms] = [m for m in sent_sens(env["MAEUL_SENS_BASE_URL"]) if m["to"] == domestic(PHONE)]
        [code] = re.findall(r"\b\d{6}\b", sms["text"])
        page.get_by_label("인증번호 (6자리)").fill(f"{(int(code) + 1) % 1_000_000:06d}")
        page.get_by_role("button", name="확인", exact=True).click()
        page.locator("#phone-status").filter(has_text="인증번호가 맞지 않습니다").wait_for()
        page.get_by_label("인증번호 (6자리)").fill(code)
        page.get_by_role("button", name="확인", exact=True).click()
        page.locator("#phone-status").filter(has_text="휴대전화 번호가 확인되었습니다").wait_for()
        assert page.locator("#phone-confirm").is_hidden()

        # back on /me later: the number verified before is recognised as typed, and no new code goes out
        page.reload()
        page.get_by_label("휴대전화 번호").fill("010-4567-0123")
        page.locator("#phone-status").filter(has_text="이미 확인된 번호입니다").wait_for()
        assert page.locator("#phone-send-button").is_hidden()
        page.get_by_label("휴대전화 번호").press("Enter")  # sends no code either
        page.wait_for_timeout(500)
        assert len([m for m in sent_sens(env["MAEUL_SENS_BASE_URL"]) if m["to"] == domestic(PHONE)]) == 1
        page.get_by_label("휴대전화 번호").fill("010-4567-0124")  # another number: the code is offered again
        page.locator("#phone-send-button").wait_for(state="visible")
        assert page.locator("#phone-status").inner_text() == ""
    subject = f"kakao:{accounts.kakao_id('resident-phone-check')}"
    assert container.phone_verification.is_verified(subject, PHONE)


def test_a_look_up_answered_after_the_code_was_confirmed_does_not_overwrite_the_result(live) -> None:
    """The page asks whether a typed number was verified before, 0.4 s after typing stops. A resident
    who sends and confirms the code before that answer arrives has acted since: the late answer ("this
    number is verified") must not replace what the page said about their own action. Here the answer is
    held until the code is confirmed (a shifted-clock run on a busy machine raced it this way)."""
    url, env = live
    phone = "+821045670125"
    held = []
    with chromium() as browser:
        page = browser.new_context().new_page()
        page.route("**/api/me/phone-verification/status", lambda route: held.append(route))
        page.goto(f"{url}/auth/kakao/login?next=/me&login_hint=resident-phone-race")
        page.wait_for_url(f"{url}/me")
        page.get_by_label("휴대전화 번호").fill("010-4567-0125")
        for _ in range(50):  # the look-up goes out after the pause in typing, and waits
            if held:
                break
            page.wait_for_timeout(100)
        assert len(held) == 1
        page.get_by_role("button", name="인증번호 받기").click()
        page.locator("#phone-status").filter(has_text="인증번호를 보냈습니다").wait_for()
        [sms] = [m for m in sent_sens(env["MAEUL_SENS_BASE_URL"]) if m["to"] == domestic(phone)]
        [code] = re.findall(r"\b\d{6}\b", sms["text"])
        page.get_by_label("인증번호 (6자리)").fill(code)
        page.get_by_role("button", name="확인", exact=True).click()
        page.locator("#phone-status").filter(has_text="휴대전화 번호가 확인되었습니다").wait_for()
        with page.expect_response("**/api/me/phone-verification/status") as late:
            held[0].continue_()  # answered now, after the confirmation: "verified"
        assert late.value.json()["verified"] is True
        page.wait_for_timeout(300)
        assert "휴대전화 번호가 확인되었습니다" in page.locator("#phone-status").inner_text()

"""A Vietnamese resident's journey at 360 px from the landing page to a booked chat consultation and a
translated conversation with a Korean-speaking attorney (signed in through the dev identity provider
and the second factor): each message goes through the app's Amazon Translate adapter to the dev
translator (a real process speaking TranslateText, which marks instead of translating); each side
reads the other's message as the labelled machine translation with the original one tap away, and
their own as written with the translation sent one tap away; nothing wider than the phone."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from chalicelib.domain import languages
from chalicelib.domain.consultations import Language
from tests.e2e.browser import PHONE, chromium, journey_site, screenshot, serious_violations, sign_in_staff

pytestmark = pytest.mark.browser

UUID_PATH = re.compile(r"/consultations/([0-9a-f-]{36})$")
SITE_OPENS = datetime(2027, 3, 2, 10, 2, tzinfo=ZoneInfo("Asia/Seoul"))  # a Tuesday, in the morning window
VI_TEXT = "Tôi chưa được trả lương hai tháng."
KO_TEXT = "언제부터 못 받으셨나요?"


def vi(key: str, **values: object) -> str:
    return languages.text("vi", key, **values)


# Korean-speaking attorneys only: the chat needs the translator
live = journey_site(at=SITE_OPENS, not_speaking="vi")


def fits_the_phone(page, name: str) -> None:
    assert page.evaluate("document.documentElement.lang") == "vi", name
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    assert serious_violations(page) == [], name
    screenshot(page, f"journey-vi-chat-{name}-360")


def test_a_vietnamese_resident_books_a_chat_and_talks_with_a_korean_attorney_through_translation(
        live, container) -> None:
    site, env = live
    account = f"mt-res-{uuid.uuid4().hex[:6]}"
    translator = env["AWS_ENDPOINT_URL_TRANSLATE"]
    before = requests.get(f"{translator}/__dev/calls", timeout=5).json()
    with chromium() as browser:
        resident = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
        errors: list[str] = []
        resident.on("pageerror", lambda exc: errors.append(str(exc)))
        resident.goto(site)
        assert resident.locator("h1").inner_text() == vi("app.tagline")
        resident.goto(f"{site}/auth/kakao/login?next=/consultations/new&login_hint={account}")
        resident.wait_for_url(f"{site}/consultations/new")
        resident.check("input[name=category][value=wage_arrears]")
        resident.select_option("#region", "suwon")
        resident.click("#step-next")
        resident.check("input[name=mode][value=reservation]")
        resident.check("input[name=method][value=chat]")
        resident.click("#step-next")
        resident.check("input[name=employment_status][value=working]")
        resident.select_option("#monthly_pay", "2m_3m")
        resident.fill("#description", "Tôi chưa được trả lương hai tháng. Chủ nói tháng sau mới trả.")
        resident.click("#step-next")
        resident.fill("#name", "Nguyễn Văn An")
        resident.fill("#phone", "010-3456-7890")
        resident.click("#step-next")
        resident.check("#consent_privacy")
        resident.click("#step-next")
        resident.locator("#review").wait_for(state="visible")
        resident.click("#submit")
        resident.wait_for_url(UUID_PATH)
        cid = UUID_PATH.search(resident.url).group(1)
        assert container.consultations.get(cid).language is Language.VI
        resident.locator("#slot-days button.slot").first.wait_for(state="visible", timeout=15000)
        resident.locator("#slot-days button.slot").first.click()
        resident.click("#slot-yes")
        resident.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
        assert vi("status.booked") in resident.locator("#state").inner_text()
        fits_the_phone(resident, "booked")

        resident.goto(f"{site}/consultations/{cid}/room")
        resident.wait_for_selector("#messages:not([hidden])")
        resident.fill("#message-text", VI_TEXT)
        resident.get_by_role("button", name=vi("room.messages.send")).click()
        resident.locator("#thread li.mine").wait_for(timeout=15000)

        attorney_id = container.consultations.get(cid).attorney_id
        staff = f"attorney-{attorney_id.split('-', 1)[1]}"
        lawyer = sign_in_staff(browser.new_context(), site, staff, f"/consultations/{cid}/room")
        # the attorney reads the machine translation into Korean, labelled, the original one tap away
        theirs = lawyer.locator("#thread li.theirs", has_text=f"[dev translator vi→ko: not translated] {VI_TEXT}")
        theirs.wait_for(timeout=15000)
        assert theirs.locator(".mt-label").inner_text() == languages.text("ko", "chat.mt.label")
        assert theirs.locator(".text").get_attribute("lang") == "ko"
        assert theirs.locator(".original").is_hidden()
        theirs.locator(".mt-other summary").click()
        assert theirs.locator(".original").inner_text() == VI_TEXT
        assert theirs.locator(".original").get_attribute("lang") == "vi"

        lawyer.fill("#message-text", KO_TEXT)
        lawyer.get_by_role("button", name="보내기").click()
        answer = resident.locator("#thread li.theirs", has_text=f"[dev translator ko→vi: not translated] {KO_TEXT}")
        answer.wait_for(timeout=15000)
        assert answer.locator(".mt-label").inner_text() == vi("chat.mt.label")
        # my own message: what I wrote, and the translation that was sent one tap away
        mine = resident.locator("#thread li.mine")
        assert mine.locator(".text").inner_text() == VI_TEXT
        assert mine.locator(".mt-label").inner_text() == vi("chat.mt.sent_as")
        fits_the_phone(resident, "chat")
        assert errors == []

    after = requests.get(f"{translator}/__dev/calls", timeout=5).json()
    assert after["calls"] - before["calls"] == 2  # once per message, when it is posted; reads cost nothing
    assert after["pairs"].get("vi-ko", 0) - before["pairs"].get("vi-ko", 0) == 1

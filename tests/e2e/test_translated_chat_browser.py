"""A Vietnamese resident's journey at 360 px from the landing page to a booked chat consultation and a
translated conversation with a Korean-speaking attorney (signed in through the dev identity provider
and the second factor): each message goes through the app's Amazon Translate adapter to the dev
translator (a real process speaking TranslateText, which marks instead of translating); each side
reads the other's message as the labelled machine translation with the original one tap away, and
their own as written with the translation sent one tap away; nothing wider than the phone."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from chalicelib.domain import languages
from chalicelib.domain.consultations import Language
from tests.e2e.browser import chromium, fits_the_phone, journey_site, phone_page, sign_in_staff
from tests.e2e.intake_form import book_first_slot, consent_and_review, fill_up_to_contact, send_from_review

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 2, 10, 2, tzinfo=ZoneInfo("Asia/Seoul"))  # a Tuesday, in the morning window
VI_TEXT = "Tôi chưa được trả lương hai tháng."
KO_TEXT = "언제부터 못 받으셨나요?"


def vi(key: str, **values: object) -> str:
    return languages.text("vi", key, **values)


# Korean-speaking attorneys only: the chat needs the translator
live = journey_site(at=SITE_OPENS, not_speaking="vi")


def test_a_vietnamese_resident_books_a_chat_and_talks_with_a_korean_attorney_through_translation(
        live, container) -> None:
    site, env = live
    account = f"mt-res-{uuid.uuid4().hex[:6]}"
    translator = env["AWS_ENDPOINT_URL_TRANSLATE"]
    before = requests.get(f"{translator}/__dev/calls", timeout=5).json()
    with chromium() as browser:
        resident = phone_page(browser, "vi-VN")
        resident.goto(site)
        assert resident.locator("h1").inner_text() == vi("app.tagline")
        resident.goto(f"{site}/auth/kakao/login?next=/consultations/new&login_hint={account}")
        resident.wait_for_url(f"{site}/consultations/new")
        fill_up_to_contact(resident, mode="reservation", method="chat", phone="010-3456-7890", name="Nguyễn Văn An",
                           description="Tôi chưa được trả lương hai tháng. Chủ nói tháng sau mới trả.", left_on=None)
        consent_and_review(resident, optional=False)
        cid = send_from_review(resident)
        assert container.consultations.get(cid).language is Language.VI
        book_first_slot(resident)
        assert vi("status.booked") in resident.locator("#state").inner_text()
        fits_the_phone(resident, "vi", "journey-vi-chat-booked")

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
        fits_the_phone(resident, "vi", "journey-vi-chat-chat")
        assert resident.script_errors == []

    after = requests.get(f"{translator}/__dev/calls", timeout=5).json()
    assert after["calls"] - before["calls"] == 2  # once per message, when it is posted; reads cost nothing
    assert after["pairs"].get("vi-ko", 0) - before["pairs"].get("vi-ko", 0) == 1

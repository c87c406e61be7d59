"""Translated chat in real browsers at 360 px: a Vietnamese resident and a Korean-speaking attorney
(signed in through the dev identity provider and the second factor) write each in their own
language; the app sends each message through its Amazon Translate adapter to the dev translator (a
real process speaking TranslateText, which marks instead of translating), and each side reads the
other's message as the labelled machine translation with the original one tap away, and their own
as written with the translation sent one tap away."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
import requests

from chalicelib.domain import languages
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.services import intake
from devtools.idp import accounts
from tests.e2e.browser import PHONE, chromium, local_site, pass_second_factor, screenshot, serious_violations

pytestmark = pytest.mark.browser

VI_TEXT = "Tôi chưa được trả lương hai tháng."
KO_TEXT = "언제부터 못 받으셨나요?"


@pytest.fixture(scope="module")
def live(stack_env, container) -> Iterator[tuple[str, dict[str, str]]]:
    with local_site(stack_env, container) as site:  # attorney-001: Korean only
        yield site


def vietnamese_consultation(container, account: str) -> str:
    now = datetime.now(timezone.utc)
    personal = PersonalDetails(name="Nguyễn Văn An", phone="+821077776666", description="Chưa trả lương.")
    made = intake.submit(consultations=container.consultations, cipher=container.cipher,
                         calendar=container.calendar, policy=container.settings.policy,
                         owner=f"kakao:{accounts.kakao_id(account)}",
                         intake=Intake("wage_arrears", "suwon", Mode.REALTIME, Method.CHAT, Language.VI, personal),
                         idempotency_key=str(uuid.uuid4()), now=now)
    container.consultations.transition(made.consultation.id, Status.MATCHED, now, attorney_id="att-001")
    return made.consultation.id


def test_a_vietnamese_resident_and_a_korean_attorney_chat_through_machine_translation(live, container) -> None:
    site, env = live
    account = f"mt-res-{uuid.uuid4().hex[:6]}"
    cid = vietnamese_consultation(container, account)
    translator = env["AWS_ENDPOINT_URL_TRANSLATE"]
    before = requests.get(f"{translator}/__dev/calls", timeout=5).json()
    with chromium() as browser:
        resident = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
        resident.goto(f"{site}/auth/kakao/login?next=/consultations/{cid}/room&login_hint={account}")
        resident.wait_for_url(f"{site}/consultations/{cid}/room")
        lawyer = browser.new_context().new_page()
        lawyer.goto(f"{site}/auth/kakao/login?next=/consultations/{cid}/room&login_hint=attorney-001")
        pass_second_factor(lawyer, container, env, "attorney-001")
        lawyer.wait_for_url(f"{site}/consultations/{cid}/room")

        resident.wait_for_selector("#messages:not([hidden])")
        resident.fill("#message-text", VI_TEXT)
        resident.get_by_role("button", name=languages.text("vi", "room.messages.send")).click()
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
        assert answer.locator(".mt-label").inner_text() == languages.text("vi", "chat.mt.label")
        # my own message: what I wrote, and the translation that was sent one tap away
        mine = resident.locator("#thread li.mine")
        assert mine.locator(".text").inner_text() == VI_TEXT
        assert mine.locator(".mt-label").inner_text() == languages.text("vi", "chat.mt.sent_as")
        assert resident.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert serious_violations(resident) == []
        screenshot(resident, "chat-translated-vi-360")

    after = requests.get(f"{translator}/__dev/calls", timeout=5).json()
    assert after["calls"] - before["calls"] == 2  # once per message, when it is posted; reads cost nothing
    assert after["pairs"].get("vi-ko", 0) - before["pairs"].get("vi-ko", 0) == 1

"""The consultation room looks like a chat (the resident's bubbles on the right, the attorney's on the
left, 24-hour times), has a way back for each side, and after the attorney closes the consultation
the resident's status page still leads to the record of the messages."""

from __future__ import annotations

import re
import uuid

import pytest

from chalicelib.domain.categories import Method
from tests.e2e.browser import PHONE, chromium, screenshot
from tests.e2e.test_rooms_browser import enter, live, matched_consultation, send  # noqa: F401 - fixture
from tests.e2e.test_site_frame_browser import wcag22_violations

pytestmark = pytest.mark.browser


def test_the_room_is_a_chat_with_a_way_back_and_the_record_stays(live, container) -> None:  # noqa: F811
    account = f"chat-res-{uuid.uuid4().hex[:6]}"
    cid = matched_consultation(container, account, Method.CHAT)
    with chromium() as browser:
        resident = enter(browser, live, account, cid)
        resident.set_viewport_size(PHONE)
        lawyer = enter(browser, live, "attorney-001", cid)
        resident.wait_for_selector("#messages:not([hidden])")
        send(resident, "안녕하세요, 갑자기 해고되었습니다.")
        lawyer.locator("#thread li.theirs", has_text="갑자기 해고되었습니다").wait_for(timeout=15000)
        send(lawyer, "해고 통지서를 서면으로 받으셨나요?")
        resident.locator("#thread li.theirs", has_text="서면으로 받으셨나요").wait_for(timeout=15000)

        mine = resident.locator("#thread li.mine").bounding_box()
        theirs = resident.locator("#thread li.theirs").bounding_box()
        assert mine["x"] + mine["width"] > theirs["x"] + theirs["width"] + 20  # mine on the right
        assert theirs["x"] < mine["x"]  # theirs on the left
        colours = resident.evaluate("""[...document.querySelectorAll('#thread li.message')]
            .map(li => getComputedStyle(li).backgroundColor)""")
        assert len(set(colours)) == 2  # two kinds of bubble
        for stamp in resident.locator("#thread time").all_inner_texts():
            assert re.search(r"\b([01]\d|2[0-3]):[0-5]\d\b", stamp), stamp
            assert not re.search("오전|오후|AM|PM", stamp), stamp

        back = resident.locator("#back-resident")
        assert back.is_visible() and back.get_attribute("href") == f"/consultations/{cid}"
        assert lawyer.locator("#back-attorney").is_visible() and lawyer.locator("#back-resident").is_hidden()
        assert wcag22_violations(resident) == []
        screenshot(resident, "chat-resident-360")

        # the attorney records the outcome, which closes the consultation
        lawyer.select_option("#outcome-select", "advice_given")
        lawyer.click("#outcome-form button[type=submit]")
        # closing is asked first, in the console's wording; "no" keeps the consultation open
        lawyer.locator("#outcome-confirm").wait_for(state="visible")
        assert "상담(조언) 완료" in lawyer.locator("#outcome-question").inner_text()
        lawyer.click("#outcome-no")
        assert lawyer.locator("#outcome-confirm").is_hidden() and lawyer.locator("#outcome-status").inner_text() == ""
        lawyer.click("#outcome-form button[type=submit]")
        lawyer.click("#outcome-yes")
        lawyer.locator("#outcome-status").filter(has_text=re.compile(".+")).wait_for(timeout=15000)

        back.click()
        resident.wait_for_url(re.compile(rf"/consultations/{cid}$"))
        link = resident.locator("#room-link-a")
        link.filter(has_text="상담 기록 보기").wait_for(timeout=15000)
        # and the resident is told what came of it, in their words
        resident.locator("#outcome-line", has_text="상담 결과: 노무사가 조언을 드렸습니다.").wait_for(timeout=15000)
        screenshot(resident, "chat-closed-status-360")
        link.click()
        resident.locator("#thread li.theirs", has_text="서면으로 받으셨나요").wait_for(timeout=15000)
        assert resident.locator("#message-text").is_disabled()  # the record, read-only
        screenshot(resident, "chat-record-360")

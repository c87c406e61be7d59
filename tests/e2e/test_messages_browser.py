"""The resident's messages in a real browser journey: what arrives in the dev SENS emulator's outbox
(started by ``local_site`` beside the app) at each step, in Korean and in English; each resident
verifies their mobile number in the form first (messages go to verified numbers only).

- Reservation, in Korean: the request (알림톡 with the 접수번호 the status page shows), the booking
  (the 알림톡 is dropped as for a phone without KakaoTalk: it arrives as its LMS failover, same
  text), the move to another slot, the cancellation; then the operations console's counts.
- Real time, in English: the request, the attorney's acceptance with their display name, the
  attorney's chat messages (one alert while the resident has not read them, another once they have),
  the consultation closed with the outcome in plain words, and the survey.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from ops.outbox import sent_sens
from tests.e2e.browser import DESKTOP, PHONE, chromium, journey_site, sign_in
from tests.e2e.intake_form import fill_intake, send_from_review

pytestmark = pytest.mark.browser

# Tuesday 10:04 KST: inside the morning window and outside the quiet hours; not a holiday
SITE_OPENS = datetime(2027, 3, 2, 10, 4, tzinfo=ZoneInfo("Asia/Seoul"))


live = journey_site(at=SITE_OPENS)


def arrivals(env: dict[str, str], to: str, count: int, timeout: float = 15.0) -> list[dict]:
    """The first ``count`` templated messages the SENS emulator delivered to ``to`` (waits for them);
    the verification code the form asked for before is not one of them."""
    deadline = time.monotonic() + timeout
    while True:
        mine = [m for m in sent_sens(env["MAEUL_SENS_BASE_URL"]) if m["to"] == to and m["template"]]
        if len(mine) >= count or time.monotonic() > deadline:
            assert len(mine) == count, mine
            return mine
        time.sleep(0.2)


def fault(env: dict[str, str], **switches: str | None) -> None:
    requests.post(f"{env['MAEUL_SENS_BASE_URL']}/__dev/faults", json=switches, timeout=5).raise_for_status()


def test_reservation_messages_in_korean_with_failover_to_lms(live) -> None:
    site, env = live
    to = "01044440001"
    with chromium() as browser:
        page = sign_in(browser.new_context(viewport=PHONE), site, "resident-messages-ko", "/consultations/new")
        fill_intake(page, mode="reservation", method="phone", phone="010-4444-0001",
                    verify_by=env["MAEUL_SENS_BASE_URL"])
        consultation_id = send_from_review(page)
        page.locator("#f-receipt").filter(has_text=re.compile(r"\d{4}-\d{4}")).wait_for(timeout=15000)
        receipt = page.locator("#f-receipt").inner_text()

        (received,) = arrivals(env, to, 1)
        assert (received["channel"], received["template"]) == ("alimtalk", "MAEUL_RECEIVED_KO")
        assert f"접수번호: {receipt}" in received["text"]
        assert received["text"].endswith(f"/consultations/{consultation_id}")
        assert "홍길동" not in received["text"] and "월급" not in received["text"]

        fault(env, alimtalk="drop")  # this phone has no KakaoTalk: the 알림톡 fails over inside SENS
        try:
            page.locator("#slot-days button.slot").first.click()  # a tap only asks
            page.click("#slot-yes")
            page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
            booked = arrivals(env, to, 2)[1]
        finally:
            fault(env, alimtalk=None)
        assert booked["channel"] == "lms" and booked["failover"] and booked["template"] == "MAEUL_BOOKED_PHONE_KO"
        when = page.locator("#booking-when").inner_text()
        assert "전화 상담 예약이 확정되었습니다" in booked["text"]
        assert "031-8030-4541 번호로 전화드립니다" in booked["text"]
        assert re.search(r"\d{2}:\d{2}", when) and re.search(r"\d{2}:\d{2}", booked["text"])

        page.click("#booking-move")
        page.locator("#slot-days button.slot").nth(1).click()
        page.click("#slot-yes")
        page.locator("#booking-result").filter(has_text=re.compile(".+")).wait_for(timeout=15000)
        moved = arrivals(env, to, 3)[2]
        assert (moved["channel"], moved["template"]) == ("alimtalk", "MAEUL_MOVED_KO")

        page.click("#booking-cancel")  # cancelling asks first
        page.click("#cancel-yes")
        cancelled = arrivals(env, to, 4)[3]
        assert (cancelled["channel"], cancelled["template"]) == ("alimtalk", "MAEUL_CANCELLED_KO")
        assert "예약이 취소되었습니다" in cancelled["text"]
        assert page.script_errors == []  # type: ignore[attr-defined]

        # the operations console counts them per template, channel and result
        console = sign_in(browser.new_context(viewport=DESKTOP), site, "admin", "/admin")
        counts = console.locator("#message-stats")
        counts.filter(has_text="MAEUL_BOOKED_PHONE_KO").wait_for(timeout=15000)
        rows = counts.locator("tbody tr").all_inner_texts()
        assert any("MAEUL_RECEIVED_KO" in r and "alimtalk" in r and "delivered" in r for r in rows), rows
        assert any("MAEUL_BOOKED_PHONE_KO" in r and "lms" in r and "delivered" in r for r in rows), rows


def test_real_time_messages_in_english(live) -> None:
    site, env = live
    from ops.tick import local_now, run_jobs

    to = "01044440002"
    with chromium() as browser:
        # not attorney-001: the browser tests share one stack and one site morning (Tuesday ~10:0x), and
        # an attorney who accepted a real-time request in another module stays busy for two hours
        # (no offers); attorney-032 also serves wage arrears in Suwon and no other test uses them
        lawyer = sign_in(browser.new_context(viewport=DESKTOP), site, "attorney-032", "/attorney")
        lawyer.click("#duty-on")
        lawyer.locator("#duty-status").filter(has_text="대기 중").wait_for()

        resident = sign_in(browser.new_context(viewport=PHONE), site, "resident-messages-en",
                           "/consultations/new?lang=en")
        fill_intake(resident, mode="realtime", method="chat", phone="010-4444-0002",
                    verify_by=env["MAEUL_SENS_BASE_URL"])
        consultation_id = send_from_review(resident)
        (received,) = arrivals(env, to, 1)
        assert (received["channel"], received["template"]) == ("alimtalk", "MAEUL_RECEIVED_EN")
        assert received["text"].startswith("[Maeul] We received your request.\nReceipt no.: ")

        assert all(r["ok"] for r in run_jobs(local_now(env), only=["offers"], env=env))
        accept = lawyer.locator("#offers button[data-act=accept]").first
        accept.wait_for(state="visible", timeout=15000)
        accept.click()
        lawyer.locator("#offers-status").filter(has_text="수락").wait_for()
        accepted = arrivals(env, to, 2)[1]
        assert (accepted["channel"], accepted["template"]) == ("alimtalk", "MAEUL_ACCEPTED_EN")
        assert re.match(r"\[Maeul\] Attorney \S+ accepted your request\. Join now\.\n", accepted["text"]), \
            accepted["text"]
        assert accepted["text"].endswith(f"/consultations/{consultation_id}/room")
        resident.locator("#state").filter(has_text=re.compile(".+")).wait_for()

        # the attorney writes twice while the resident is away: one alert (coalesced while unread)
        room = f"{site}/consultations/{consultation_id}/room"
        lawyer.goto(room)
        lawyer.wait_for_selector("#messages:not([hidden])")
        write(lawyer, "임금 명세서를 가지고 계신가요?")
        write(lawyer, "근로계약서도 있으면 알려 주세요.")
        lawyer.locator("#thread li.mine").nth(1).wait_for(timeout=15000)
        replied = arrivals(env, to, 3)[2]
        assert (replied["channel"], replied["template"]) == ("alimtalk", "MAEUL_REPLIED_EN")
        assert replied["text"] == f"[Maeul] Your attorney sent you a new message.\n{room}"
        assert "명세서" not in replied["text"]  # the message itself never travels
        # the resident reads them; the attorney's next message tells them again
        resident.goto(room)
        resident.locator("#thread li.theirs", has_text="근로계약서").wait_for(timeout=15000)
        resident.goto(f"{site}/consultations/{consultation_id}")
        write(lawyer, "확인했습니다. 결과를 기록하겠습니다.")
        assert arrivals(env, to, 4)[3]["template"] == "MAEUL_REPLIED_EN"

        # the attorney records the outcome: closed (in plain words, the next step), then the survey
        lawyer.select_option("#outcome-select", "wage_complaint_referral")
        lawyer.click("#outcome-form button[type=submit]")
        lawyer.click("#outcome-yes")
        lawyer.locator("#outcome-status").filter(has_text=re.compile(".+")).wait_for(timeout=15000)
        closed, survey = arrivals(env, to, 6)[4:]
        assert closed["template"] == "MAEUL_CLOSED_EN"
        assert "We advised a wage arrears complaint." in closed["text"]
        assert "labor.moel.go.kr" in closed["text"]
        assert survey["template"] == "MAEUL_SURVEY_EN" and survey["text"].endswith("/survey")
        lawyer.goto(f"{site}/attorney")
        lawyer.click("#duty-off")
        # waited for: closing the browser at once could drop the request, and attorney-032, free again and
        # left on duty, was offered the next module's real-time request (test_switch_browser's "nobody is on
        # duty" failed that way in a shifted-clock run)
        lawyer.locator("#duty-status").filter(has_text="대기를 마쳤습니다").wait_for()
        assert lawyer.script_errors == [] and resident.script_errors == []  # type: ignore[attr-defined]


def write(page, text: str) -> None:
    """The attorney's room is in Korean: its send button is 보내기."""
    page.fill("#message-text", text)
    page.get_by_role("button", name="보내기").click()

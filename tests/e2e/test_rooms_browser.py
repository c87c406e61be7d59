"""Consultation rooms in real browsers: two Chromium contexts (the resident and the assigned
attorney, signed in through the dev identity provider) exchange messages that appear without a
reload; a third resident gets 404; with fake media devices the two connect by WebRTC through
Maeul's signalling and frames arrive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.services import intake
from devtools.idp import accounts
from tests.e2e.browser import MEDIA_ARGS, chromium, live_site, pass_second_factor, screenshot, serious_violations

pytestmark = pytest.mark.browser


live = live_site(url_only=True)  # attorney-001 linked as the seed does


def matched_consultation(container, account: str, method: Method) -> str:
    """A consultation of ``account`` matched with att-001 (through the repositories, not the offer flow)."""
    now = datetime.now(UTC)
    personal = PersonalDetails(name="박지은", phone="+821077778888",
                               description="I was dismissed without notice after three years of work.")
    made = intake.submit(consultations=container.consultations, cipher=container.cipher,
                         calendar=container.calendar, policy=container.settings.policy,
                         owner=f"kakao:{accounts.kakao_id(account)}",
                         intake=Intake("dismissal", "suwon", Mode.REALTIME, method, Language.KO, personal),
                         idempotency_key=str(uuid.uuid4()), now=now)
    container.consultations.transition(made.consultation.id, Status.MATCHED, now, attorney_id="att-001")
    return made.consultation.id


def enter(browser, live: str, account: str, cid: str):
    page = browser.new_context().new_page()
    page.goto(f"{live}/auth/kakao/login?next=/consultations/{cid}/room&login_hint={account}")
    if account.startswith("attorney-"):  # staff: the second-factor page first
        pass_second_factor(page, account)
    page.wait_for_url(f"{live}/consultations/{cid}/room")
    return page


def send(page, text: str) -> None:
    page.fill("#message-text", text)
    page.get_by_role("button", name="보내기").click()


def test_resident_and_attorney_exchange_messages_live_and_a_stranger_gets_404(live, container) -> None:
    account = f"room-res-{uuid.uuid4().hex[:6]}"
    cid = matched_consultation(container, account, Method.CHAT)
    with chromium() as browser:
        resident = enter(browser, live, account, cid)
        lawyer = enter(browser, live, "attorney-001", cid)
        resident.wait_for_selector("#messages:not([hidden])")
        lawyer.wait_for_selector("#messages:not([hidden])")
        send(resident, "안녕하세요, 갑자기 해고되었습니다.")
        lawyer.locator("#thread li.theirs", has_text="갑자기 해고되었습니다").wait_for(timeout=15000)
        send(lawyer, "해고 통지서를 서면으로 받으셨나요?")
        resident.locator("#thread li.theirs", has_text="서면으로 받으셨나요").wait_for(timeout=15000)
        # the resident's message shows as read once the attorney's page has polled it
        resident.locator("#thread li.mine .read", has_text="읽음").wait_for(timeout=15000)
        screenshot(resident, "room-messages-resident")
        assert serious_violations(resident) == []
        assert resident.locator("#thread li").count() == 2 and lawyer.locator("#thread li").count() == 2
        stranger = enter(browser, live, f"room-other-{uuid.uuid4().hex[:6]}", cid)
        status = stranger.evaluate("""async (cid) => (await fetch(`/api/consultations/${cid}/messages`)).status""",
                                   cid)
        assert status == 404
        stranger.locator("#room-status", has_text="찾을 수 없습니다").wait_for(timeout=10000)


def test_video_connects_peer_to_peer_through_maeul_signalling(live, container) -> None:
    account = f"room-vid-{uuid.uuid4().hex[:6]}"
    cid = matched_consultation(container, account, Method.VIDEO)
    with chromium(MEDIA_ARGS) as browser:
        resident = enter(browser, live, account, cid)
        lawyer = enter(browser, live, "attorney-001", cid)
        for page in (lawyer, resident):
            page.wait_for_selector("#video:not([hidden])")
            page.get_by_role("button", name="화상 연결 시작").click()
        for page in (resident, lawyer):
            page.wait_for_function("() => window.maeulRoom && window.maeulRoom.pc && "
                                   "window.maeulRoom.pc.connectionState === 'connected'", timeout=30000)
            page.wait_for_function("() => document.getElementById('remote-video').videoWidth > 0", timeout=20000)
            decoded = page.evaluate("""async () => {
                const stats = await window.maeulRoom.pc.getStats();
                let frames = 0;
                stats.forEach(r => {
                    if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0;
                });
                return frames;
            }""")
            assert decoded > 0
            assert "연결되었습니다" in page.locator("#video-status").inner_text()
        screenshot(resident, "room-video-resident")

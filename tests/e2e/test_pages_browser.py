"""The signed-in pages in a real browser (Debian Chromium via Playwright), against the app, the
dev identity provider and the emulator's stack, with the app's clock started on a weekday inside
the morning service window (``MAEUL_CLOCK``), whatever the real date and hour.

- The resident's whole reservation journey: sign in, the step-by-step form with one wrong field
  fixed after the error, a slot from the picker, the booked status.
- The real-time journey: an on-duty attorney (second browser context) accepts the offer and the
  resident's status page turns to matched without a reload.
- axe-core finds no serious or critical violation on each page, at 360 px and 1280 px; screenshots
  go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import DESKTOP, PHONE, chromium, journey_site, screenshot, serious_violations, sign_in
from tests.e2e.intake_form import consent_and_review, fill_intake, fill_up_to_contact, send_from_review

pytestmark = pytest.mark.browser

# Tuesday 10:02 KST, inside the morning window with 88 minutes to spare; not a holiday
SITE_OPENS = datetime(2027, 3, 2, 10, 2, tzinfo=ZoneInfo("Asia/Seoul"))


live = journey_site(at=SITE_OPENS)


def check_page(page, name: str) -> None:
    """No serious axe violation and no sideways scrolling, at 360 px and at 1280 px; screenshots of both."""
    for viewport, label in ((PHONE, "360"), (DESKTOP, "1280")):
        page.set_viewport_size(viewport)
        assert serious_violations(page) == [], name
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], (name, label)
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(PHONE)
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_resident_books_a_reservation(live) -> None:
    site, _ = live
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE)
        page = sign_in(context, site, "resident-journey", "/consultations/new")
        assert page.locator("#step-count").inner_text().startswith("6단계 중 1단계")
        check_page(page, "intake-ko")

        fill_up_to_contact(page, mode="reservation", method="phone", phone="12345")
        page.click("#step-next")  # the contact step is checked before the next one
        error = page.locator("#err-phone")
        error.wait_for(state="visible")
        assert "010-1234-5678" in error.inner_text()
        assert page.evaluate("document.activeElement.id") == "phone"
        assert page.get_attribute("#phone", "aria-invalid") == "true"
        assert "err-phone" in page.get_attribute("#phone", "aria-describedby")
        assert serious_violations(page) == []
        screenshot(page, "intake-error-360")

        page.fill("#phone", "010-1234-5678")
        consent_and_review(page)
        send_from_review(page)  # only from the review step
        assert "홍길동" not in page.url and "1234-5678" not in page.url and "12345678" not in page.url

        first_slot = page.locator("#slot-days button.slot").first
        first_slot.wait_for(state="visible", timeout=15000)
        assert page.locator("#slot-days h3").count() >= 1  # times grouped by day
        check_page(page, "slots")
        first_slot.click()  # asks first
        page.locator("#slot-confirm").wait_for(state="visible")
        # the page asks for the request's state every few seconds: one answer, made before the booking,
        # is held back and arrives after it; it must not take back "booked" and the undo
        held: list = []
        page.route("**/api/consultations/*/queue",
                   lambda route: route.continue_() if held else held.append((route, route.fetch())))
        for _ in range(100):
            if held:
                break
            page.wait_for_timeout(100)
        assert held and held[0][1].json()["status"] == "submitted"
        page.click("#slot-yes")
        page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
        route, stale = held[0]
        route.fulfill(response=stale)
        page.wait_for_timeout(300)
        assert "노무사" in page.locator("#booking-attorney").inner_text()
        assert "예약 확정" in page.locator("#state").inner_text()
        assert page.locator("#slots").is_hidden() and page.locator("#booking-undo-line").is_visible()
        check_page(page, "booked")

        page.goto(f"{site}/consultations")
        page.locator("#mine li").first.wait_for()
        assert "예약 확정" in page.locator("#mine").inner_text()
        check_page(page, "my-consultations")

        page.goto(f"{site}/me?lang=en")
        page.locator("#logins tr").first.wait_for()
        assert page.locator("h1").inner_text() == "My account"
        check_page(page, "me-en")
        assert page.script_errors == []  # type: ignore[attr-defined]


def test_attorney_accepts_and_the_resident_page_turns_to_matched(live, container) -> None:
    site, env = live
    from ops.tick import local_now, run_jobs

    assert container.calendar.is_open(local_now(env))

    with chromium() as browser:
        lawyer = sign_in(browser.new_context(viewport=DESKTOP), site, "attorney-001", "/attorney")
        lawyer.click("#duty-on")
        lawyer.locator("#duty-status").filter(has_text="대기 중").wait_for()

        resident = sign_in(browser.new_context(viewport=PHONE), site, "resident-realtime", "/consultations/new")
        fill_intake(resident, mode="realtime", method="chat", phone="010-2222-3333")
        send_from_review(resident)
        resident.locator("#state").filter(has_text=re.compile("접수됨|노무사 연결 중")).wait_for(timeout=10000)
        check_page(resident, "status-waiting")

        results = run_jobs(local_now(env), only=["offers"], env=env)
        assert all(r["ok"] for r in results), results
        accept = lawyer.locator("#offers button[data-act=accept]").first
        accept.wait_for(state="visible", timeout=15000)
        assert re.search(r"\d+분 \d{2}초", lawyer.locator("#offers .countdown").first.inner_text())
        check_page(lawyer, "attorney-offer")
        # the console asks for its offers every few seconds: one such answer, made by the server while the
        # offer was still open, is held back and arrives only after the attorney accepted; the accepted
        # offer must not come back with buttons that no longer work
        held: list = []
        lawyer.route("**/api/attorney/offers",  # the first one is held; the later ones go through
                     lambda route: route.continue_() if held else held.append((route, route.fetch())))
        for _ in range(100):
            if held:
                break
            lawyer.wait_for_timeout(100)
        assert held and "seconds_left" in held[0][1].text()  # made with the offer open
        accept.click()
        lawyer.locator("#offers-status").filter(has_text="수락").wait_for()
        route, stale = held[0]
        route.fulfill(response=stale)
        lawyer.wait_for_timeout(300)
        assert lawyer.locator("#offers button[data-act=accept]").count() == 0

        url_before = resident.url
        resident.locator("#state").filter(has_text="노무사 연결됨").wait_for(timeout=15000)
        assert resident.url == url_before  # no reload, no navigation
        resident.locator("#matched-attorney").filter(has_text="노무사").wait_for()
        assert resident.locator("#room-link").is_visible()

        # after the match the attorney ends duty (no later test on the shared stack finds them on it)
        lawyer.click("#duty-off")
        lawyer.locator("#duty-status").filter(has_text="대기를 마쳤습니다").wait_for()
        # the details of this consultation (the attorney may hold others), decrypted for the assigned attorney
        consultation_id = resident.url.rstrip("/").rsplit("/", 1)[-1]
        lawyer.locator(f'#assigned li[data-consultation="{consultation_id}"] button').click()
        lawyer.locator("#detail-facts").filter(has_text="홍길동").wait_for()
        assert "010-2222-3333" in lawyer.locator("#detail-facts").inner_text() or \
            "+821022223333" in lawyer.locator("#detail-facts").inner_text()
        assert lawyer.evaluate("document.activeElement.id") == "detail-title"
        check_page(lawyer, "attorney-detail")


def test_attorney_and_operations_consoles(live, container) -> None:
    site, _ = live
    with chromium() as browser:
        lawyer = sign_in(browser.new_context(viewport=PHONE), site, "attorney-001", "/attorney")
        lawyer.locator("#offers-empty").filter(has_text="받은 요청이 없습니다").wait_for()
        # the duty state is shown as the console opens, and again after a reload
        lawyer.locator("#duty-status").filter(has_text="대기 중이 아닙니다").wait_for()
        assert lawyer.get_attribute("#duty-off", "aria-pressed") == "true"
        lawyer.click("#duty-on")
        lawyer.locator("#duty-status").filter(has_text="대기 중입니다").wait_for()
        lawyer.reload()
        lawyer.locator("#duty-status").filter(has_text="대기 중입니다").wait_for()
        assert lawyer.get_attribute("#duty-on", "aria-pressed") == "true"
        lawyer.click("#duty-off")
        lawyer.locator("#duty-status").filter(has_text="대기를 마쳤습니다").wait_for()
        lawyer.locator("#av-mon-0").wait_for()
        lawyer.uncheck("#av-fri-1")
        lawyer.click("#availability button[type=submit]")
        lawyer.locator("#availability-status").filter(has_text="저장").wait_for()
        check_page(lawyer, "attorney")
        lawyer.check("#av-fri-1")
        lawyer.click("#availability button[type=submit]")

        admin = sign_in(browser.new_context(viewport=PHONE), site, "admin", "/admin")
        admin.locator("#roster tr").first.wait_for()
        admin.locator("#stats table").first.wait_for()
        assert "wage" not in admin.locator("#stats").inner_text()  # labels, not codes
        admin.fill("#a-name", "테스트 노무사")
        admin.check("#add-attorney input[value=dismissal]")
        admin.select_option("#a-regions", ["suwon"])
        admin.fill("#a-phone", "010-9999-0000")
        admin.fill("#a-email", "new-attorney@example.invalid")
        admin.select_option("#a-alert-channel", "sms")  # 알림톡 unless chosen
        admin.click("#add-attorney button[type=submit]")
        admin.locator("#add-status").filter(has_text="추가했습니다").wait_for()
        added = [a for a in container.attorneys.roster() if a.display_name == "테스트 노무사"]
        assert any(container.attorneys.contact(a.id).alert_channel == "sms" for a in added)
        row = admin.locator("#roster tr", has_text="테스트 노무사")
        row.wait_for()
        row.get_by_role("button", name="수정 테스트 노무사").click()
        assert admin.evaluate("document.activeElement.id") == "add-title"
        assert admin.locator("#a-phone").is_hidden()  # contact details are not edited here
        admin.fill("#a-cap", "10")
        admin.click("#add-submit")
        admin.locator("#add-status").filter(has_text="저장했습니다").wait_for()
        admin.locator("#roster tr", has_text="테스트 노무사").filter(has_text="0 / 10").wait_for()
        check_page(admin, "admin")
        assert admin.script_errors == [] and lawyer.script_errors == []  # type: ignore[attr-defined]


def test_the_form_works_with_the_keyboard_alone(live) -> None:
    site, _ = live
    with chromium() as browser:
        page = sign_in(browser.new_context(viewport=PHONE), site, "resident-keys", "/consultations/new")

        def tab_to(selector: str, limit: int = 40) -> None:
            for _ in range(limit):
                page.keyboard.press("Tab")
                if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                    return
            raise AssertionError(f"Tab never reached {selector}")

        tab_to("input[name=category]")
        page.keyboard.press("Space")
        assert page.evaluate("document.querySelector('input[name=category]:checked') !== null")
        tab_to("#region")
        page.keyboard.press("ArrowDown")
        assert page.input_value("#region") != ""
        tab_to("#step-next")
        page.keyboard.press("Enter")
        assert page.locator("#step-count").inner_text() == "6단계 중 2단계"
        assert page.evaluate("document.activeElement.tagName") == "H2"  # focus follows the step
        tab_to("input[name=mode]")
        assert page.evaluate("document.activeElement.closest('.step').dataset.step") == "2"

        page.goto(f"{site}/me")
        page.locator("#logins tr").first.wait_for()
        page.click("#leave")
        assert page.locator("#leave-confirm").is_visible()
        assert page.evaluate("document.activeElement.id") == "leave-no"  # the safe answer first
        page.click("#leave-yes")
        page.locator("#me-status").filter(has_text="탈퇴했습니다").wait_for()
        page.wait_for_url(f"{site}/")
        assert page.evaluate("fetch('/api/me').then(r => r.status)") == 401
        assert page.goto(f"{site}/consultations").status == 401  # the sign-in page, not the list
        assert page.get_attribute("a.btn.kakao", "href") == "/auth/kakao/login?next=/consultations"
        assert serious_violations(page) == []


def test_the_status_page_follows_an_assignment_without_a_reload(live) -> None:
    """Any hour: a real-time request waits in the queue (with its place and estimate); when the
    operations staff assign it, the resident's open page turns to matched by itself."""
    site, _ = live
    with chromium() as browser:
        resident = sign_in(browser.new_context(viewport=PHONE), site, "resident-waiting", "/consultations/new")
        fill_intake(resident, mode="realtime", method="video", phone="010-4444-5555")
        consultation_id = send_from_review(resident)
        resident.locator("#queue-position").filter(has_text="대기 순서").wait_for(timeout=10000)
        assert re.search(r"약 \d+(분|시간|일) 뒤|곧", resident.locator("#queue-estimate").inner_text())

        admin = sign_in(browser.new_context(), site, "admin", "/admin")
        status = admin.evaluate("""async (id) => {
            const csrf = document.cookie.split('; ').find(c => c.startsWith('csrf=')).split('=')[1];
            const r = await fetch('/api/admin/consultations/' + id + '/reassign', {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
                body: JSON.stringify({attorney_id: 'att-001', reason: 'browser test'})});
            return r.status;
        }""", consultation_id)
        assert status == 200
        url_before = resident.url
        resident.locator("#state").filter(has_text="노무사 연결됨").wait_for(timeout=15000)
        resident.locator("#matched-attorney").filter(has_text="노무사").wait_for()
        assert resident.url == url_before and resident.locator("#queue").is_hidden()
        assert resident.script_errors == []  # type: ignore[attr-defined]

"""The resident's form and slot picker in a real browser (Debian Chromium via Playwright), with the
site's clock on a Saturday evening (the service closed), whatever the real date and hour:

- Enter in a one-line field never sends the form; each step is checked before the next, with its
  errors on that step; the description counts characters up to the 20 needed; a review step comes
  before sending; real time is shown closed (by the site's clock); the [선택] items are sent only
  with the [선택] consent;
- the slot picker groups times by day and morning/afternoon, offers the earliest, and books only
  after a confirmation; focus lands on the result; cancelling asks first; the booking shows until
  when it can be changed;
- at 360 px and 1280 px, in Korean and English, axe-core (WCAG 2.2 A/AA) finds no serious or critical
  violation; screenshots of each step go to test-artifacts/screenshots/.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import DESKTOP, PHONE, chromium, journey_site, screenshot
from tests.e2e.intake_form import STORY, UUID_PATH, consent_and_review, fill_up_to_contact, send_from_review
from tests.e2e.test_site_frame_browser import wcag22_violations

pytestmark = pytest.mark.browser

SATURDAY_EVENING = datetime(2027, 3, 6, 19, 30, tzinfo=ZoneInfo("Asia/Seoul"))


live_env = journey_site(at=SATURDAY_EVENING)


@pytest.fixture(scope="module")
def live(live_env) -> str:
    return live_env[0]


def signed_in(browser, site: str, account: str, viewport: dict, lang: str = "ko"):
    context = browser.new_context(viewport=viewport)
    context.add_cookies([{"name": "lang", "value": lang, "url": site}])
    page = context.new_page()
    page.goto(f"{site}/auth/kakao/login?next=/consultations/new&login_hint={account}")
    page.wait_for_url(f"{site}/consultations/new")
    page.locator("#step-count").filter(has_text="1").wait_for()
    return context, page


def step(page) -> str:
    return page.evaluate("document.querySelector('.step:not([hidden])').dataset.step")


def check(page, name: str) -> None:
    assert wcag22_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], name
    screenshot(page, name)


@pytest.mark.parametrize("viewport,label", [(PHONE, "360"), (DESKTOP, "1280")])
def test_the_form_goes_step_by_step_and_only_the_last_button_sends(live, viewport, label) -> None:
    posts: list[dict] = []
    with chromium() as browser:
        context, page = signed_in(browser, live, f"resident-steps-{label}", viewport)
        page.on("request", lambda r: posts.append(r.post_data_json) if r.method == "POST"
                and r.url.endswith("/api/consultations") else None)
        check(page, f"intake-step1-ko-{label}")

        # step 1, empty: the errors are on this step, focus on the first, and the step stays
        page.click("#step-next")
        assert step(page) == "1"
        assert page.locator("#err-category").is_visible() and page.locator("#err-region").is_visible()
        assert page.evaluate("document.activeElement.name") == "category"
        assert "2" in page.locator("#error-summary").inner_text()  # "확인할 항목이 2개"
        check(page, f"intake-step1-errors-ko-{label}")
        page.check("input[name=category][value=wage_arrears]")
        assert page.locator("#err-category").is_hidden()  # fixed: its message goes at once
        page.select_option("#region", "suwon")
        page.click("#step-next")

        # step 2: real time is closed now (Saturday 19:30 by the site's clock), methods explained
        assert step(page) == "2"
        closed = page.locator("#realtime-now").inner_text()
        assert "지금은 닫혀 있습니다" in closed and "3월 8일(월) 10:00" in closed
        assert "카카오톡이 아닙니다" in page.locator("#hint-method-chat").inner_text()
        assert "노무사가" in page.locator("#hint-method-phone").inner_text()
        check(page, f"intake-step2-ko-{label}")
        page.check("input[name=mode][value=reservation]")
        page.check("input[name=method][value=chat]")
        page.click("#step-next")

        # step 3: Enter in a one-line field does not send; the counter counts up to 20
        assert step(page) == "3"
        page.fill("#employer_name", "포천 가구공장")
        page.press("#employer_name", "Enter")
        assert step(page) == "3" and posts == []
        page.fill("#description", "월급을 못 받았어요")
        assert "10자 적음 · 최소 20자 (10자 더)" in page.locator("#description-count").inner_text()
        page.click("#step-next")
        assert step(page) == "3" and page.locator("#err-description").is_visible()
        page.fill("#description", STORY)
        assert "충분합니다" in page.locator("#description-count").inner_text()
        check(page, f"intake-step3-ko-{label}")
        page.click("#step-next")

        # step 4: Enter in the name field (Android's "이동") does not send either
        assert step(page) == "4"
        page.fill("#name", "홍길동")
        page.press("#name", "Enter")
        page.fill("#phone", "010-1234-5678")
        page.press("#phone", "Enter")
        assert step(page) == "4" and posts == []
        check(page, f"intake-step4-ko-{label}")
        page.click("#step-next")

        # step 5: the required consent, and the optional one apart, left unticked here
        assert step(page) == "5"
        page.click("#step-next")
        assert step(page) == "5" and page.locator("#err-consent_privacy").is_visible()
        page.check("#consent_privacy")
        check(page, f"intake-step5-ko-{label}")
        page.click("#step-next")

        # review: everything written, the optional item marked as not sent; edit goes back
        assert step(page) == "6" and page.locator("#submit").is_visible()
        review = page.locator("#review").inner_text()
        assert "임금체불" in review and "홍길동" in review and STORY in review
        assert "포천 가구공장 — [선택] 동의를 하지 않아 보내지 않습니다" in review
        check(page, f"intake-review-ko-{label}")
        page.click("button[data-goto='4']")
        assert step(page) == "4" and page.evaluate("document.activeElement.tagName") == "H2"
        page.click("#step-next")
        page.click("#step-next")
        assert posts == []

        page.click("#submit")
        page.wait_for_url(UUID_PATH)
        assert len(posts) == 1
        assert "employer_name" not in posts[0] and posts[0]["monthly_pay"] == "unknown"  # no [선택] consent
        assert posts[0]["description"] == STORY
        context.close()


def test_the_optional_items_go_with_the_optional_consent_in_english(live) -> None:
    posts: list[dict] = []
    with chromium() as browser:
        context, page = signed_in(browser, live, "resident-steps-en", PHONE, lang="en")
        page.on("request", lambda r: posts.append(r.post_data_json) if r.method == "POST"
                and r.url.endswith("/api/consultations") else None)
        assert page.evaluate("document.documentElement.lang") == "en"
        page.check("input[name=category][value=wage_arrears]")
        page.select_option("#region", "suwon")
        page.click("#step-next")
        assert "Closed now" in page.locator("#realtime-now").inner_text()
        assert "not KakaoTalk" in page.locator("#hint-method-chat").inner_text()
        check(page, "intake-step2-en-360")
        page.check("input[name=mode][value=reservation]")
        page.check("input[name=method][value=phone]")
        page.click("#step-next")
        page.fill("#employer_name", "Pocheon furniture")
        page.fill("#description", "My employer has not paid my wages for two months now.")
        page.click("#step-next")
        page.fill("#name", "Hong Gildong")
        page.fill("#phone", "010-1234-5678")
        page.click("#step-next")
        page.check("#consent_privacy")
        page.check("#consent_optional")
        page.click("#step-next")
        assert "Pocheon furniture" in page.locator("#review").inner_text()
        assert "Not sent" not in page.locator("#review").inner_text()
        check(page, "intake-review-en-360")
        page.click("#submit")
        page.wait_for_url(UUID_PATH)
        assert posts[0]["employer_name"] == "Pocheon furniture"
        context.close()


def submit_reservation(page, mode: str = "reservation") -> None:
    fill_up_to_contact(page, mode=mode, method="chat", phone="010-1234-5678")
    consent_and_review(page, optional=False)
    send_from_review(page)


@pytest.mark.parametrize("viewport,label", [(PHONE, "360"), (DESKTOP, "1280")])
def test_a_slot_is_booked_only_after_confirming_and_cancelling_asks_first(live, viewport, label) -> None:
    with chromium() as browser:
        context, page = signed_in(browser, live, f"resident-slots-{label}", viewport)
        submit_reservation(page)
        base = page.url.replace(live, "")
        booking = f"/api{base}/booking"

        days = page.locator("#slot-days details.slot-day")
        days.first.wait_for(timeout=15000)
        assert days.first.get_attribute("open") is not None
        assert days.count() >= 2 and days.nth(1).get_attribute("open") is None  # one day open at a time
        halves = page.locator("#slot-days details.slot-day").first.locator(".slot-half h3").all_inner_texts()
        assert set(halves) <= {"오전", "오후"} and halves
        earliest = page.locator("#earliest")
        assert earliest.inner_text().startswith("가장 빠른 시간으로: ")
        assert "월" in earliest.inner_text() or "내일" in earliest.inner_text()
        check(page, f"slots-ko-{label}")

        # a tap only asks; "another time" books nothing and gives the focus back to the time
        first = page.locator("#slot-days button.slot").first
        first.click()
        assert page.locator("#slot-confirm").is_visible()
        assert page.evaluate("document.activeElement.id") == "slot-question"
        assert first.get_attribute("aria-pressed") == "true"
        assert page.evaluate(f"fetch('{booking}').then(r => r.status)") == 404
        check(page, f"slots-confirm-ko-{label}")
        page.click("#slot-no")
        assert page.locator("#slot-confirm").is_hidden()
        assert page.evaluate("document.activeElement.classList.contains('slot')")

        # the earliest choice, confirmed: booked, and the focus is on the result
        earliest.click()
        page.click("#slot-yes")
        result = page.locator("#booking-result")
        result.filter(has_text="예약되었습니다").wait_for(timeout=15000)
        assert page.evaluate("document.activeElement.id") == "booking-result"
        assert page.evaluate(f"fetch('{booking}').then(r => r.status)") == 200
        page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
        assert "까지 이 화면에서 바꾸거나 취소할 수 있습니다" in page.locator("#booking-cutoff").inner_text()
        check(page, f"slots-booked-ko-{label}")

        # cancel asks first, with the safe answer focused; "keep it" keeps it
        page.click("#booking-cancel")
        assert page.locator("#cancel-confirm").is_visible()
        assert page.evaluate("document.activeElement.id") == "cancel-no"
        check(page, f"booking-cancel-confirm-ko-{label}")
        page.click("#cancel-no")
        assert page.evaluate(f"fetch('{booking}').then(r => r.status)") == 200
        assert page.evaluate("document.activeElement.id") == "booking-result"
        page.click("#booking-cancel")
        page.click("#cancel-yes")
        result.filter(has_text="예약을 취소했습니다").wait_for(timeout=15000)
        assert page.evaluate("document.activeElement.id") == "booking-result"
        assert page.evaluate(f"fetch('{booking}').then(r => r.status)") == 404
        screenshot(page, f"booking-cancelled-ko-{label}")
        context.close()


def test_when_real_time_fails_the_slot_picker_is_offered(live_env) -> None:
    """Nobody on duty through Monday's morning window: the window keeper moves the request on, and
    the resident's page offers a reservation right there instead of only saying so."""
    from ops.tick import run_jobs

    site, env = live_env
    with chromium() as browser:
        context, page = signed_in(browser, site, "resident-realtime-failed", PHONE)
        submit_reservation(page, mode="realtime")
        page.locator("#queue-position").filter(has_text="대기 순서").wait_for(timeout=15000)
        assert page.locator("#slots").is_hidden()
        closed = datetime(2027, 3, 8, 11, 35, tzinfo=ZoneInfo("Asia/Seoul"))  # Monday's morning window over
        results = run_jobs(closed, only=["window_keeper"], env=env)
        assert all(r["ok"] for r in results), results
        page.locator("#next-step").filter(has_text="예약하시거나").wait_for(timeout=15000)
        page.locator("#slot-days details.slot-day").first.wait_for(timeout=15000)
        assert page.locator("#slots").is_visible() and page.locator("#earliest").is_visible()
        screenshot(page, "realtime-failed-slots-ko-360")
        context.close()

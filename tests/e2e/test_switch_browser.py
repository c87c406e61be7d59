"""Switching a queued real-time request to a reservation in a real browser (Debian Chromium via
Playwright), against the app, the dev identity provider and the emulator's stack: nobody is on duty,
so the request waits in the queue; the resident chooses "예약으로 바꾸기", picks a time, confirms, and
the page (and the stack) show a booked reservation, out of the real-time queue, without retyping
anything. Then the booking is cancelled (after the question) and undone: the same time is booked again.
At 360 px in Korean and 1280 px in English, axe clean at each step."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.browser import PHONE, journey_site, screenshot, serious_violations
from tests.e2e.intake_form import resident_with_a_request
from tests.e2e.test_site_frame_browser import check_reflow

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 4, 10, 5, tzinfo=ZoneInfo("Asia/Seoul"))  # a Thursday morning, not a holiday
DESKTOP = {"width": 1280, "height": 800}
TEXT = {
    "ko": {"switch": "예약으로 바꾸기", "booked_state": "예약 확정", "mode": "예약 상담", "undo": "되돌리기",
           "undo_book": "되돌리기: 이 예약 취소"},
    "en": {"switch": "Book a time instead", "booked_state": "Booked", "mode": "Reserved consultation", "undo": "Undo",
           "undo_book": "Undo: cancel this booking"},
}


# nobody goes on duty: a real-time request waits in the queue
live = journey_site(at=SITE_OPENS)




@pytest.mark.parametrize(("lang", "viewport"), [("ko", PHONE), ("en", DESKTOP)])
def test_a_queued_real_time_request_is_switched_to_a_reservation_then_a_cancel_is_undone(
        live, container, lang, viewport) -> None:
    from chalicelib.domain.categories import Mode
    from chalicelib.domain.consultations import Status

    site, _ = live
    # nobody is on duty for this request's category and city: an attorney another module left on duty
    # would be offered it at once, and it would not wait in the queue
    store = container.realtime_store
    for attorney in store.profiles(store.on_duty("wage_arrears", "suwon")):
        store.set_duty(attorney, False)
    words = TEXT[lang]
    width = viewport["width"]
    with resident_with_a_request(site, f"resident-switches-{lang}", viewport, mode="realtime",
                                 lang=lang) as (page, cid):
        switch = page.locator("#switch-start")
        switch.wait_for(state="visible", timeout=15000)  # waiting in the queue: the way out is offered
        assert switch.inner_text() == words["switch"]
        assert page.locator("#queue-position").is_visible()
        assert page.locator("#slots").is_hidden()
        assert serious_violations(page) == []
        screenshot(page, f"switch-queued-{lang}-{width}")

        switch.click()
        assert page.evaluate("document.activeElement.id") == "slots-title"
        first_slot = page.locator("#slot-days button.slot").first
        first_slot.wait_for(state="visible", timeout=15000)
        start = first_slot.get_attribute("data-start")
        first_slot.click()
        page.locator("#slot-confirm").wait_for(state="visible")
        assert container.consultations.get(cid).status is Status.SUBMITTED  # choosing only asks
        assert serious_violations(page) == []
        screenshot(page, f"switch-confirm-{lang}-{width}")
        check_reflow(page, f"switch-confirm-{lang}-{width}")
        page.click("#slot-yes")

        page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
        # the poll may show the booking a moment before the booking answer arrives: the focus follows it
        page.wait_for_function("document.activeElement && document.activeElement.id === 'booking-result'",
                               timeout=15000)
        page.locator("#state", has_text=words["booked_state"]).wait_for(timeout=15000)
        assert page.locator("#f-mode").inner_text() == words["mode"]
        assert page.locator("#booking-undo").inner_text() == words["undo_book"]  # a stray confirmation, taken back
        assert page.locator("#queue").is_hidden() and page.locator("#switch").is_hidden()
        stored = container.consultations.get(cid)
        assert (stored.status, stored.mode) == (Status.BOOKED, Mode.RESERVATION)
        booking = container.bookings.state_of(cid).active
        assert booking is not None and booking.start == datetime.fromisoformat(start.replace("Z", "+00:00"))
        assert not container.realtime_store.request(cid).waiting
        assert serious_violations(page) == []
        screenshot(page, f"switch-booked-{lang}-{width}")

        # cancel asks first; after cancelling, the same time can be booked back at once
        page.click("#booking-cancel")
        page.locator("#cancel-confirm").wait_for(state="visible")
        assert page.evaluate("document.activeElement.id") == "cancel-no"
        page.click("#cancel-yes")
        page.locator("#booking").wait_for(state="hidden", timeout=15000)
        undo = page.locator("#booking-undo")
        # the undo now offers the cancelled time back (no longer "cancel this booking")
        page.wait_for_function("(t) => document.getElementById('booking-undo').textContent !== t",
                               arg=words["undo_book"], timeout=15000)
        undo.wait_for(state="visible", timeout=15000)
        assert undo.inner_text().startswith(words["undo"]) and undo.inner_text() != words["undo_book"]
        assert container.consultations.get(cid).status is Status.SUBMITTED
        assert container.bookings.state_of(cid).active is None
        assert serious_violations(page) == []
        screenshot(page, f"switch-cancelled-{lang}-{width}")
        undo.click()
        page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
        assert page.locator("#booking-undo-line").is_hidden()
        again = container.bookings.state_of(cid).active
        assert again is not None and again.start == booking.start
        assert container.consultations.get(cid).status is Status.BOOKED
        screenshot(page, f"switch-undone-{lang}-{width}")
        assert page.script_errors == []  # type: ignore[attr-defined]

"""A resident's steps through the intake form and the slot picker in Chromium, shared by the browser
tests: the form filled step by step (wage arrears in Suwon, what ``journey_site`` puts attorneys on
the roster for), the consents and the review step, the request sent, the first time booked."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from tests.e2e.browser import chromium, sign_in
from tests.phones import verify_in_intake_form

UUID_PATH = re.compile(r"/consultations/([0-9a-f-]{36})$")  # a request's status page; the id in group 1
STORY = "지난 두 달 치 월급을 받지 못했습니다. 사장님은 다음 달에 준다고만 합니다."


def fill_up_to_contact(page: Any, *, mode: str, method: str, phone: str, name: str = "홍길동",
                       description: str = STORY, left_on: str | None = "2026-10-31") -> None:
    """The first steps, up to the contact step with ``name`` and ``phone`` typed: wage arrears in
    Suwon, ``mode`` and ``method``; someone who left their job on ``left_on`` (None: still working),
    paid 2 to 3 million a month, who tells ``description``."""
    page.check("input[name=category][value=wage_arrears]")
    page.select_option("#region", "suwon")
    page.click("#step-next")
    page.check(f"input[name=mode][value={mode}]")
    page.check(f"input[name=method][value={method}]")
    page.click("#step-next")
    if left_on is None:
        page.check("input[name=employment_status][value=working]")
    else:
        page.check("input[name=employment_status][value=left]")
        page.fill("#left_on", left_on)
    page.select_option("#monthly_pay", "2m_3m")
    page.fill("#description", description)
    page.click("#step-next")
    page.fill("#name", name)
    page.fill("#phone", phone)


def consent_and_review(page: Any, *, optional: bool = True) -> None:
    """From the contact step: the consents (the [선택] one too when ``optional``), then the review step."""
    page.click("#step-next")
    page.check("#consent_privacy")
    if optional:
        page.check("#consent_optional")
    page.click("#step-next")
    page.locator("#review").wait_for(state="visible")


def fill_intake(page: Any, *, mode: str, method: str, phone: str, verify_by: str | None = None) -> None:
    """Every step up to the review step (the [선택] items with the [선택] consent). ``verify_by``: the
    SENS emulator's URL, to verify the mobile number with the code it delivered (resident SMS and
    알림톡 go to verified numbers only)."""
    fill_up_to_contact(page, mode=mode, method=method, phone=phone)
    if verify_by is not None:
        verify_in_intake_form(page, verify_by)
    consent_and_review(page)


def send_from_review(page: Any) -> str:
    """The review step's button sends the request: on its status page, its id."""
    page.click("#submit")
    page.wait_for_url(UUID_PATH)
    return page.url.rsplit("/", 1)[1]


def submit_intake(page: Any, *, mode: str, method: str, phone: str, lang: str = "ko",
                  verify_by: str | None = None) -> str:
    """Fill the form, send it, and land on the new request's status page (in ``lang``): its id."""
    fill_intake(page, mode=mode, method=method, phone=phone, verify_by=verify_by)
    consultation_id = send_from_review(page)
    if lang != "ko":
        page.goto(page.url + f"?lang={lang}")
    return consultation_id


@contextlib.contextmanager
def resident_with_a_request(site: str, account: str, viewport: dict[str, int], *, mode: str,
                            lang: str) -> Iterator[tuple[Any, str]]:
    """In Chromium, ``account`` signed in at ``viewport`` (the page's CSP bypassed, for the reflow
    check's style) who has sent a ``mode`` request to be called (010-2345-6789): their page on its
    status page in ``lang``, and its id."""
    with chromium() as browser:
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        page = sign_in(context, site, account, "/consultations/new")
        yield page, submit_intake(page, mode=mode, method="phone", phone="010-2345-6789", lang=lang)
        context.close()


def book_first_slot(page: Any) -> None:
    """On a request's status page: the first time offered, confirmed, and the booking shown."""
    first_slot = page.locator("#slot-days button.slot").first
    first_slot.wait_for(state="visible", timeout=15000)
    first_slot.click()  # a tap only asks
    page.click("#slot-yes")
    page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)

"""A Nepali resident's whole journey in a real browser at 360 px, to a chat with the attorney: a phone
set to Nepali (Accept-Language ne-NP) gets the landing page, the step-by-step form, the slot picker
(days written from the catalogue's Nepali month and weekday names: Chromium has no Nepali date
format), the booked status with the deadlines in plain words, and the chat room in Nepali; nothing
wider than the phone, no serious axe violation. The request is stored as a Nepali consultation with
an interpreter needed; Amazon Translate has no Nepali, so the chat says the message went untranslated
(no pretend translation) and the Korean-speaking attorney reads the original with that note."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import languages
from chalicelib.domain.consultations import Language
from tests.e2e.browser import chromium, fits_the_phone, journey_site, phone_page, sign_in_staff
from tests.e2e.intake_form import consent_and_review, fill_up_to_contact, send_from_review

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 2, 10, 2, tzinfo=ZoneInfo("Asia/Seoul"))  # a Tuesday, in the morning window
NE_MONTHS = languages.text("ne", "when.months").split(",")
NE_WEEKDAYS = languages.text("ne", "when.weekdays").split(",")


def ne(key: str, **values: object) -> str:
    return languages.text("ne", key, **values)


# Korean-speaking attorneys only: the consultation needs an interpreter and the chat a translator
live = journey_site(at=SITE_OPENS, not_speaking="ne")


def test_a_nepali_resident_books_a_chat_and_writes_to_the_attorney_in_nepali(live, container) -> None:
    site, _ = live
    account = f"resident-nepali-{uuid.uuid4().hex[:6]}"
    with chromium() as browser:
        page = phone_page(browser, "ne-NP")
        page.goto(site)
        assert page.locator("h1").inner_text() == ne("app.tagline")
        fits_the_phone(page, "ne", "journey-ne-landing")

        page.goto(f"{site}/auth/kakao/login?next=/consultations/new&login_hint={account}")
        page.wait_for_url(f"{site}/consultations/new")
        assert page.locator("#step-count").inner_text() == ne("js.intake.step", n=1, total=6)
        # the regions in Devanagari with the sign name, as the picker lists them
        assert page.locator("#region option[value=ansan]").inner_text() == "आन्सान (Ansan)"
        fits_the_phone(page, "ne", "journey-ne-intake")
        fill_up_to_contact(page, mode="reservation", method="chat", phone="010-2345-6789", name="राम बहादुर थापा",
                           description="मलाई दुई महिनादेखि तलब दिइएको छैन। मालिकले अर्को महिना दिन्छु भन्छन्।",
                           left_on="2027-02-10")
        consent_and_review(page, optional=False)
        assert "राम बहादुर थापा" in page.locator("#review").inner_text()
        consultation_id = send_from_review(page)
        assert container.consultations.get(consultation_id).language is Language.NE

        first_slot = page.locator("#slot-days button.slot").first
        first_slot.wait_for(state="visible", timeout=15000)
        assert page.locator("#slots h2").inner_text() == ne("slots.title")
        assert ne("interp.title") in page.locator("#interpreting").inner_text()
        # the days are written the Nepali way from the catalogue, never Chromium's root-locale "M03"
        day_name = page.locator("#slot-days .day-name").first.inner_text()
        assert any(month in day_name for month in NE_MONTHS) and any(w in day_name for w in NE_WEEKDAYS), day_name
        assert not re.search(r"\bM\d\d\b", day_name), day_name
        fits_the_phone(page, "ne", "journey-ne-slots")
        first_slot.click()
        page.click("#slot-yes")
        page.locator("#booking-attorney").wait_for(state="visible", timeout=15000)
        assert ne("status.booked") in page.locator("#state").inner_text()
        booked_when = page.locator("#booking-when").inner_text()
        assert any(month in booked_when for month in NE_MONTHS), booked_when
        # deadlines and where to complain, in plain Nepali
        deadlines = page.locator("#plain-deadlines").inner_text()
        assert ne("deadline.title") in deadlines and ne("deadline.dismissal") in deadlines
        fits_the_phone(page, "ne", "journey-ne-booked")

        # the chat room, in Nepali: the message goes untranslated, and the page says so
        page.goto(f"{site}/consultations/{consultation_id}/room")
        page.wait_for_selector("#messages:not([hidden])")
        page.fill("#message-text", "नमस्ते, मेरो तलब दुई महिनादेखि बाँकी छ।")
        page.get_by_role("button", name=ne("room.messages.send")).click()
        mine = page.locator("#thread li.mine", has_text="मेरो तलब दुई महिनादेखि बाँकी छ")
        mine.wait_for(timeout=15000)
        mine.locator(".untranslated").wait_for(timeout=15000)
        assert mine.locator(".untranslated").inner_text() == ne("chat.mt.unsupported")
        fits_the_phone(page, "ne", "journey-ne-chat")

        # the booked attorney (Korean only) reads the original, with the same note in Korean
        attorney_id = container.consultations.get(consultation_id).attorney_id
        staff = f"attorney-{attorney_id.split('-', 1)[1]}"
        lawyer = sign_in_staff(browser.new_context(), site, staff, f"/consultations/{consultation_id}/room")
        theirs = lawyer.locator("#thread li.theirs", has_text="मेरो तलब दुई महिनादेखि बाँकी छ")
        theirs.wait_for(timeout=15000)
        assert theirs.locator(".untranslated").inner_text() == languages.text("ko", "chat.mt.unsupported")
        assert page.script_errors == []

"""A phone consultation's room in a real browser: the attorney sees the resident's number as a tap-to-call
link written the way people write it (010-7777-8888), the link dialling the full number."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.domain.categories import Method
from tests.e2e.browser import PHONE, chromium, screenshot
from tests.e2e.test_rooms_browser import enter, live, matched_consultation  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_the_attorney_taps_to_call_a_number_written_for_people(live, container) -> None:  # noqa: F811
    cid = matched_consultation(container, f"phone-res-{uuid.uuid4().hex[:6]}", Method.PHONE)
    with chromium() as browser:
        lawyer = enter(browser, live, "attorney-001", cid)
        lawyer.set_viewport_size(PHONE)
        link = lawyer.locator("#phone-text a[href^='tel:']")
        link.wait_for(timeout=15000)
        assert link.inner_text() == "010-7777-8888"
        assert link.get_attribute("href") == "tel:+821077778888"
        screenshot(lawyer, "room-phone-attorney-360")

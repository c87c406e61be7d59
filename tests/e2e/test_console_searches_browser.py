"""The operations console shows the answer to the search asked last: an access-log search whose answer
comes back after a later search's must not replace the later one's rows (an operator who changes the
filter while the first answer is on its way; a shifted-clock run on a busy machine raced it this way)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.audit import AccessEvent
from tests.e2e.browser import PHONE, chromium, journey_site, sign_in_staff

pytestmark = pytest.mark.browser

SITE_OPENS = datetime(2027, 3, 2, 10, 2, tzinfo=ZoneInfo("Asia/Seoul"))

live = journey_site(at=SITE_OPENS)


def test_a_late_answer_to_an_earlier_access_log_search_does_not_replace_the_later_one(live, container) -> None:
    site, _ = live
    owner = f"kakao:searched-{uuid.uuid4().hex[:8]}"  # this test's own person: one row of their record
    container.audit.record_access(AccessEvent(at=SITE_OPENS, actor="kakao:admin-searches", actor_role="admin",
                                              owner=owner, record=f"consultation:{uuid.uuid4()}", action="read"))
    nobody = f"kakao:nobody-{uuid.uuid4().hex[:8]}"  # no rows at all
    held = []
    with chromium() as browser:
        page = sign_in_staff(browser.new_context(viewport=PHONE), site, "admin", "/admin")
        page.locator("#log-status").filter(has_text="기록").wait_for()  # the first listing, on opening
        page.route(f"**/api/admin/access-log?*{nobody.split(':')[1]}*", lambda route: held.append(route))
        page.fill("#l-owner", nobody)
        page.click("#log-form button[type=submit]")
        for _ in range(50):
            if held:
                break
            page.wait_for_timeout(100)
        assert len(held) == 1  # the search for nobody, held on its way
        page.fill("#l-owner", owner)
        page.click("#log-form button[type=submit]")
        # the later search's answer shown: its one row (the listing on opening holds the owner's row too,
        # among the others, so waiting for that row alone could pass before this answer arrives)
        page.locator("#log-status").filter(has_text=re.compile(r"^기록 1건$")).wait_for()
        assert page.locator("#log tr").count() == 1
        with page.expect_response(lambda r: nobody.split(":")[1] in r.url) as late:
            held[0].continue_()  # answered now: no rows
        assert late.value.json()["items"] == []
        page.wait_for_timeout(300)
        assert page.locator("#log tr", has_text=owner).count() == 1
        assert page.locator("#log-status").inner_text() == "기록 1건"

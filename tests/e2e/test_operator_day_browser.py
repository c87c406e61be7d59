"""The operator's day in a real browser (Debian Chromium via Playwright) against the app, the dev
identity provider and the emulator's stack, with the app's clock on a Tuesday morning:

- the operations queue lists a waiting request; the flag filters show and hide it;
- assigning it to a named attorney asks first (reason required), then the resident's consultation
  is matched with that attorney and it leaves the "waiting" list;
- the roster is searched and filtered on the page; deactivating asks first and is undone;
- the access log names the attorney who read personal data (not the sign-in subject id);
- in Korean at 360 px and in English at 1280 px: axe with the WCAG 2.2 rules, reflow at 200 % text,
  44-px targets; screenshots of every step.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser import DESKTOP, PHONE, chromium, journey_site, screenshot
from tests.e2e.test_attorney_day_browser import TUESDAY_MORNING, check_big_text, check_step, sign_in

pytestmark = pytest.mark.browser

SUBMIT_WAITING = """async () => {
  const csrf = document.cookie.split('; ').find(c => c.startsWith('csrf=')).split('=')[1];
  const made = await fetch('/api/consultations', {method: 'POST', headers: {'Content-Type': 'application/json',
      'X-CSRF-Token': csrf, 'Idempotency-Key': crypto.randomUUID()},
    body: JSON.stringify({category: 'wage_arrears', region: 'suwon', mode: 'reservation', method: 'video',
      name: '김영희', phone: '010-3456-7890', consent_privacy: true,
      description: '석 달째 월급이 밀려 있습니다. 어떻게 해야 할지 모르겠습니다.'})});
  return (await made.json()).id;
}"""

CONSULTATION = """async (id) => {
  const r = await fetch('/api/consultations/' + id); return [r.status, await r.json()];
}"""


live = journey_site(at=TUESDAY_MORNING, url_only=True)


def test_operator_day(live) -> None:
    with chromium() as browser:
        resident = sign_in(browser.new_context(viewport=PHONE, bypass_csp=True), live, "resident-operator-day",
                           "/consultations")
        waiting = resident.evaluate(SUBMIT_WAITING)

        admin = sign_in(browser.new_context(viewport=PHONE, bypass_csp=True), live, "admin", "/admin")
        card = admin.locator(f"#queue li[data-consultation='{waiting}']")
        card.wait_for()
        assert "연결 대기" in card.inner_text() and "화상" in card.inner_text()  # flags and codes as words
        assert "김영희" not in admin.locator("#queue").inner_text()  # nothing personal in the queue
        check_step(admin, "operator-day-queue-ko-360", 360)
        admin.set_viewport_size(DESKTOP)
        check_step(admin, "operator-day-queue-ko-1280", 1280)
        admin.set_viewport_size(PHONE)

        # the filters: "booked time passed, no outcome" hides it, "waiting" shows it again
        admin.click("#queue-filters button[data-flag=booked_without_outcome]")
        card.wait_for(state="detached")
        assert admin.get_attribute("#queue-filters button[data-flag=booked_without_outcome]", "aria-pressed") == "true"
        admin.click("#queue-filters button[data-flag=waiting]")
        card.wait_for()

        # assigning asks first and needs a reason
        card.get_by_role("button").click()
        admin.locator("#reassign").wait_for(state="visible")
        assert admin.evaluate("document.activeElement.id") == "reassign-title"
        admin.select_option("#reassign-to", "att-001")
        admin.click("#reassign-yes")
        admin.locator("#reassign-error").filter(has_text="세 글자").wait_for()
        assert resident.evaluate(CONSULTATION, waiting)[1]["status"] == "submitted"
        check_step(admin, "operator-day-reassign-ko-360", 360)
        admin.fill("#reassign-reason", "전화로 요청받아 배정합니다")
        admin.click("#reassign-yes")
        admin.locator("#queue-status").filter(has_text="배정했습니다").wait_for()
        card.wait_for(state="detached")  # no longer waiting
        status, consultation = resident.evaluate(CONSULTATION, waiting)
        assert status == 200 and consultation["status"] == "matched" and consultation["attorney_id"] == "att-001"

        # the roster: search on the page
        total = admin.locator("#roster tr").count()
        admin.select_option("#r-sort", "id")
        admin.fill("#r-search", "att-001")
        admin.locator("#roster-status").filter(has_text=f"노무사 {total}명 중").wait_for()
        assert 1 <= admin.locator("#roster tr").count() < total
        assert admin.locator("#roster tr").first.locator("td").first.inner_text() == "att-001"
        row = admin.locator("#roster tr").first
        name = row.locator("td").nth(1).inner_text()
        # deactivating asks first; "no" keeps the attorney; "yes" then undo brings them back
        row.get_by_role("button", name=f"비활성화 {name}").click()
        admin.locator("#deactivate-confirm").wait_for(state="visible")
        assert name in admin.locator("#deactivate-question").inner_text()
        check_step(admin, "operator-day-deactivate-ask-ko-360", 360)
        admin.click("#deactivate-no")
        assert "활동" in row.inner_text()
        row.get_by_role("button", name=f"비활성화 {name}").click()
        admin.click("#deactivate-yes")
        admin.locator("#roster tr").first.filter(has_text="비활성").wait_for()
        admin.wait_for_function("document.activeElement && document.activeElement.id === 'undo'")
        admin.click("#undo")
        admin.locator("#invite-result").filter(has_text="다시 활성화했습니다").wait_for()
        admin.locator("#roster tr").first.get_by_role("button", name=f"비활성화 {name}").wait_for()
        admin.select_option("#r-region", "suwon")  # att-001 serves Suwon
        admin.select_option("#r-state", "inactive")
        admin.locator("#roster tr td", has_text="att-001").first.wait_for(state="detached")
        admin.select_option("#r-state", "active")
        admin.locator("#roster tr td", has_text="att-001").first.wait_for()
        admin.fill("#r-search", "")
        admin.select_option("#r-state", "")

        # a notice put up in the console is shown on the residents' pages while it is active
        admin.click("#ann-submit")  # empty: told what to write, in Korean
        admin.locator("#ann-error").filter(has_text="5~300자").wait_for()
        admin.fill("#ann-ko", "3월 3일 오전 9시부터 10시까지 시스템 점검으로 상담을 쉽니다.")
        admin.fill("#ann-en", "Closed for system maintenance on 3 March, 9 to 10 am.")
        admin.select_option("#ann-kind", "maintenance")
        admin.fill("#ann-start", "2027-03-02T09:00")
        admin.fill("#ann-end", "2027-03-03T10:00")
        admin.click("#ann-submit")
        admin.locator("#ann-status").filter(has_text="올렸습니다").wait_for()
        admin.locator("#announcements li", has_text="시스템 점검").filter(has_text="지금 보임").wait_for()
        try:
            for path, expected in (("/consultations?lang=ko", "시스템 점검으로"), ("/?lang=ko", "시스템 점검으로"),
                                   ("/privacy?lang=en", "system maintenance")):
                resident.goto(f"{live}{path}")
                banner = resident.locator("#banner")
                banner.filter(has_text=expected).wait_for()
                assert banner.is_visible() and banner.get_attribute("role") == "region"
            check_step(resident, "operator-day-banner-resident-en-360", 360)
            resident.goto(f"{live}/consultations?lang=ko")
            resident.locator("#banner").filter(has_text="시스템 점검으로").wait_for()
            check_big_text(resident, "operator-day-banner-resident-ko-360")
        finally:
            admin.locator("#announcements li", has_text="시스템 점검").get_by_role("button").click()
            admin.locator("#ann-status").filter(has_text="내렸습니다").wait_for()
        resident.goto(f"{live}/consultations")
        resident.wait_for_load_state("networkidle")
        assert resident.locator("#banner").is_hidden()

        # the spreadsheet for a range of months: labels next to codes, per attorney and per city
        admin.fill("#x-from", "2027-02")
        admin.fill("#x-to", "2027-03")
        with admin.expect_download() as download:
            admin.click("#export")
        sheet = download.value.path().read_text(encoding="utf-8-sig")
        assert sheet.startswith("월,구분,항목,코드,건수")
        assert "2027-03,분야,임금체불,wage_arrears," in sheet and "2027-03,시·군,수원시,suwon," in sheet
        assert f"2027-03,노무사,{name},att-001," in sheet and "2027-02~2027-03,전체" in sheet

        # the add-attorney form answers in the page's language, not the validator's English
        admin.click("#add-submit")
        admin.locator("#aerr-display_name").filter(has_text="1~40자").wait_for()
        assert admin.locator("#aerr-categories").inner_text() == "분야를 하나 이상 고르세요."
        assert "should" not in admin.locator("#add-attorney").inner_text()

        # the attorney reads the consultation: the access log names them
        lawyer = sign_in(browser.new_context(viewport=PHONE), live, "attorney-001", "/attorney")
        assert lawyer.evaluate(CONSULTATION, waiting)[0] == 200
        # The stack's audit table is shared with the other tests of this worker, and those on the real
        # clock write on this same day when the machine's clock is on it: ask for this resident's records,
        # then for this attorney profile's, as an operator looking into one case would.
        owner = resident.evaluate("async () => (await (await fetch('/api/me')).json()).id")
        admin.fill("#l-owner", owner)
        admin.click("#log-form button[type=submit]")
        # (the table is rendered anew: wait for the row of the read just made, which no earlier listing
        # can hold; other rows of this attorney may stand in the earlier one, from other tests' reads)
        admin.locator("#log tr").filter(has_text=f"{name} (노무사)").filter(has_text="상담 내용 열람").first.wait_for()
        readers = admin.locator("#log tr td:nth-child(2)").all_inner_texts()
        assert not [r for r in readers if "kakao:" in r or "naver:" in r]  # names and roles, not subject ids
        actions = admin.locator("#log tr td:nth-child(5)").all_inner_texts()
        assert "상담 내용 열람" in actions and "read" not in actions
        admin.fill("#l-owner", "attorney:att-001")
        admin.click("#log-form button[type=submit]")
        # the filtered list's reactivation row names the profile by its name (waited for: the first row read at
        # once could still be the unfiltered list's)
        admin.locator("#log tr", has_text="노무사 다시 활성화").filter(
            has=admin.locator("td:nth-child(3)", has_text=name)).first.wait_for()
        admin.fill("#l-owner", "")
        check_step(admin, "operator-day-log-ko-360", 360)
        check_big_text(admin, "operator-day-console-ko-360")

        admin.set_viewport_size(DESKTOP)
        admin.goto(f"{live}/admin?lang=en")
        admin.locator("#queue-status").filter(has_text="consultations").or_(
            admin.locator("#queue-status").filter(has_text="Nothing")).wait_for()
        unanswered = admin.locator("#queue-filters button[data-flag=unanswered]")
        assert unanswered.inner_text().startswith("Unanswered messages")
        admin.locator("#roster tr").first.wait_for()
        admin.click("#log-form button[type=submit]")
        admin.locator("#log tr", has_text="(Attorney)").first.wait_for()
        check_step(admin, "operator-day-console-en-1280", 1280)
        admin.set_viewport_size(PHONE)
        check_step(admin, "operator-day-console-en-360", 360)
        screenshot(admin, "operator-day-console-en-1280-full")
        assert admin.script_errors == [] and resident.script_errors == []  # type: ignore[attr-defined]

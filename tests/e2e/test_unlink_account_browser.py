"""The operations console unlinks one sign-in account from an attorney in Chromium (the app on the
emulator's stack, the dev identity provider): the roster row lists the attorney's accounts, "unlink"
ends that account's sessions at once, and the attorney's other account stays linked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.browser import chromium, live_site, sign_in

pytestmark = pytest.mark.browser

ME = """async () => (await fetch('/api/me')).status"""


live = live_site(lambda a: a.id == "att-088", url_only=True)


@pytest.fixture
def linked_back(container) -> Iterator[None]:
    """The stack is shared by the session's tests: the attorney's accounts are linked again after."""
    from dataclasses import replace

    before = container.attorneys.get("att-088")
    yield
    container.attorneys.save(replace(container.attorneys.get("att-088"), subjects=before.subjects),
                             container.attorneys.contact("att-088"))


def test_the_console_unlinks_one_account_and_its_sessions_end(live, container, linked_back) -> None:
    with chromium() as browser:
        lawyer = sign_in(browser.new_context(), live, "attorney-088", "/attorney")
        assert lawyer.evaluate(ME) == 200
        admin = sign_in(browser.new_context(), live, "admin", "/admin")
        row = admin.locator("#roster tr").filter(has_text="att-088")
        row.wait_for()
        name = row.locator("td").nth(1).inner_text()
        row.get_by_role("button", name=f"로그인 계정 {name}").click()
        accounts = admin.locator("#accounts-list li")
        accounts.first.wait_for()
        assert accounts.count() == 2  # the seed links the Kakao and the Naver account
        kakao = accounts.filter(has_text="kakao")
        assert "마지막 로그인" in kakao.inner_text()
        kakao.get_by_role("button", name="연결 해제").click()
        admin.locator("#invite-result").filter(has_text="kakao 계정 연결을 해제했습니다").wait_for()
        assert admin.locator("#accounts-list").is_hidden()
        assert lawyer.evaluate(ME) == 401  # the unlinked account's session ended at once
        assert admin.script_errors == [] and lawyer.script_errors == []
    attorney = container.attorneys.get("att-088")
    assert len(attorney.subjects) == 1 and all(s.startswith("naver:") for s in attorney.subjects)

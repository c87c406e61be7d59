"""Browser helpers for the e2e tests: Debian's Chromium through Playwright, axe-core, screenshots."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ops.browser import CHROMIUM, available
from tests.support import LOCAL_SITES, local_site, staff_code  # noqa: F401 - e2e tests import local_site here

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
               "--no-first-run", "--disable-component-update", "--disable-sync"]
MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


def live_site(wanted: Callable[[Any], bool] | None = None, *, at: datetime | None = None,
              url_only: bool = False) -> Any:
    """A module's fixture: ``local_site`` (the app, the dev identity provider and the SENS emulator on
    the test stack) with the attorneys ``wanted`` on the roster and the app's clock started ``at``;
    it gives ``(url, env)``, or the URL alone with ``url_only``. Use: ``live = live_site(...)``."""

    @pytest.fixture(scope="module")
    def live(stack_env: dict[str, str], container: Any) -> Iterator[Any]:
        with local_site(stack_env, container, wanted, at=at) as (url, env):
            yield url if url_only else (url, env)

    return live


def journey_site(*, at: datetime, not_speaking: str | None = None, url_only: bool = False) -> Any:
    """``live_site`` for a resident's journey: on the roster the attorneys who serve wage arrears in
    Suwon (what the form is filled with), leaving out those who speak ``not_speaking`` (so that the
    resident needs an interpreter and the chat a translator)."""
    return live_site(lambda a: "suwon" in a.regions and "wage_arrears" in a.categories
                     and (not_speaking is None or not_speaking not in a.languages), at=at, url_only=url_only)


def app_site() -> Any:
    """A module's fixture: the app alone on a free port against the test stack (pages that need no
    sign-in); it gives the URL. Use: ``site = app_site()``."""
    from ops import processes

    @pytest.fixture(scope="module")
    def site(stack_env: dict[str, str]) -> Iterator[str]:
        port = processes.free_port()
        service = processes.app_server(port, {**stack_env, "MAEUL_APP_PORT": str(port)}, None).start()
        yield f"http://127.0.0.1:{port}"
        service.stop()

    return site


def device_environment() -> dict[str, str]:
    """The browser's environment: the tests' own, without libfaketime.

    When the suite runs under libfaketime (``faketime -f … make test``), Chromium's processes
    stall on its faked timers (a launch takes about a minute and pages never load). A resident's
    phone keeps a clock of its own anyway: the browser runs on the machine's real clock while the
    servers run on the faked one, and the pages must not rely on the two agreeing.
    """
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


class KoreanPhone:
    """A launched browser whose pages and contexts default to a phone set to Korean
    (``Accept-Language: ko-KR``; Chromium's own default would be en-US, and the pages follow it).
    Pass ``locale=`` to be someone else."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_page(self, **kwargs: Any) -> Any:
        kwargs.setdefault("locale", "ko-KR")
        return self._browser.new_page(**kwargs)

    def new_context(self, **kwargs: Any) -> Any:
        kwargs.setdefault("locale", "ko-KR")
        return self._browser.new_context(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@contextlib.contextmanager
def chromium(extra_args: list[str] | None = None, env: dict[str, str] | None = None) -> Iterator[Any]:
    if not available():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (make test installs it when run as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     env={**device_environment(), **(env or {})},
                                     args=LAUNCH_ARGS + (extra_args or []))
        try:
            yield KoreanPhone(browser)
        finally:
            browser.close()


def pass_second_factor(page: Any, account: str, provider: str = "kakao") -> None:
    """A staff member after the provider's callback: the second-factor page must come; there they type
    the code their authenticator app shows and continue to where they were going."""
    page.wait_for_url(re.compile(r".*/second-factor\?next="))
    type_the_code(page, account, provider)


def second_factor_if_asked(page: Any, account: str, provider: str = "kakao") -> None:
    """After the provider's callback: a staff member's home sends them to the second-factor page
    (CONTRACT "staff second factor"); there they type the code. Residents go on as they were."""
    page.wait_for_load_state()
    if not re.search(r"/second-factor\?next=", page.url):
        return
    type_the_code(page, account, provider)
    page.wait_for_url(lambda url: "/second-factor" not in url)  # on to where they were going


def type_the_code(page: Any, account: str, provider: str) -> None:
    """On the second-factor page of a ``local_site``: the code the staff member's authenticator app
    shows (``tests/support.py: staff_code``, from that site's container and environment), sent."""
    parts = urlsplit(page.url)
    container, env = LOCAL_SITES[f"{parts.scheme}://{parts.netloc}"]
    page.fill("#sf-code", staff_code(container, env, account, provider))
    page.locator("#sf-form button[type=submit]").click()


def sign_in_staff(context: Any, site: str, account: str, next_path: str) -> Any:
    """A staff member's page signed in through the dev identity provider (Kakao), past the second
    factor (which must be asked), on ``next_path``."""
    page = context.new_page()
    page.goto(f"{site}/auth/kakao/login?next={next_path}&login_hint={account}")
    pass_second_factor(page, account)
    page.wait_for_url(f"{site}{next_path}")
    return page


def sign_in(context: Any, site: str, account: str, next_path: str) -> Any:
    """A page signed in through the dev identity provider (Kakao), on ``next_path``; staff pass their
    second factor on the way. The page's script errors are kept in ``page.script_errors``."""
    page = keeping_script_errors(context.new_page())
    page.goto(f"{site}/auth/kakao/login?next={next_path}&login_hint={account}")
    second_factor_if_asked(page, account)
    page.wait_for_url(f"{site}{next_path}")
    return page


def keeping_script_errors(page: Any) -> Any:
    """``page``, keeping its script errors (uncaught exceptions) in ``page.script_errors``."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.script_errors = errors
    return page


def phone_page(browser: Any, locale: str) -> Any:
    """A new page on a phone (360 px) set to ``locale`` (``Accept-Language``), keeping its script errors."""
    return keeping_script_errors(browser.new_context(viewport=PHONE, locale=locale).new_page())


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core violations of impact serious or critical on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n.get("target") for n in v.get("nodes", [])][:5]}
            for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


def fits_the_phone(page: Any, lang: str, name: str) -> None:
    """A page at 360 px in ``lang`` (``<html lang>``): nothing wider than the phone, no serious axe
    violation; its screenshot is ``name``-360."""
    assert page.evaluate("document.documentElement.lang") == lang, name
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    assert serious_violations(page) == [], name
    screenshot(page, f"{name}-360")


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

"""The site's frame in a real browser (Debian Chromium via Playwright) against the app, the dev
identity provider and the emulator's stack:

- each person signs in from the start page (no ``next``) and lands on their own home;
- an unknown address shows the HTML 404 page in the person's language (``<html lang>``), while
  API clients keep the JSON error;
- the footer, the information pages and the signed-in pages reflow at 360 px with 200 % text (no
  sideways scrolling, no word broken one character per line, the phone number on one line);
- the focus ring has at least 3:1 contrast on white and every control is at least 44 px tall;
- axe-core with the WCAG 2.2 A/AA rules finds no serious or critical violation.

Screenshots of every step go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.browser import DESKTOP, PHONE, chromium, live_site, screenshot, second_factor_if_asked

pytestmark = pytest.mark.browser

# a Saturday evening: the service is closed, which the pages must say without the browser's clock
SATURDAY_EVENING = datetime(2027, 3, 6, 19, 30, tzinfo=ZoneInfo("Asia/Seoul"))
WCAG_22 = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BIG_TEXT = "html { font-size: 200% !important; }"
HOMES = {"resident-e2e-frame": "/consultations", "attorney-001": "/attorney", "admin": "/admin"}

# Text laid out one character per line: a text of n visible characters on at least n/2 lines.
ONE_CHAR_LINES = """() => {
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s/g, "");
    const el = node.parentElement;
    // (a reflowed table's header row is hidden in a 1-px box; its labels are shown in each cell)
    const skipped = "script, [hidden], .visually-hidden, .skip, table.reflow thead";
    if (text.length < 2 || !el || el.closest(skipped)) { continue; }
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
    const tops = new Set(rects.map(r => Math.round(r.top)));
    if (tops.size >= 2 && tops.size * 2 > text.length) { bad.push(node.textContent.trim().slice(0, 40)); }
  }
  return bad;
}"""

# what sticks out past the right edge (the failure message)
OVERFLOWING = """(width) => Array.from(document.querySelectorAll("body *"))
  .filter(el => el.getBoundingClientRect().right > width + 1 && el.offsetParent !== null)
  .slice(0, 6).map(el => el.tagName + "." + el.className + " " + el.textContent.trim().slice(0, 20))"""

SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    "button, .btn, header a, footer a, select, input:not([type=checkbox]):not([type=radio]), label.choice"))
  .filter(el => el.offsetParent !== null && !el.closest(".skip"))
  .map(el => [el.textContent.trim().slice(0, 30) || el.id || el.tagName, el.getBoundingClientRect().height])
  .filter(([, h]) => h < 44)"""


live = live_site(at=SATURDAY_EVENING, url_only=True)


def wcag22_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22}})
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n.get("target") for n in v["nodes"]][:5]}
            for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


def check_frame(page, name: str, width: int) -> None:
    assert wcag22_violations(page) == [], name
    assert page.evaluate("document.documentElement.scrollWidth") <= width, \
        (name, page.evaluate(OVERFLOWING, width))
    assert page.evaluate(ONE_CHAR_LINES) == [], name
    phone = page.locator("footer a[href^='tel:']")
    box = phone.bounding_box()
    assert box is not None and box["height"] < 2 * page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector(\"footer a[href^='tel:']\")).lineHeight)"), name
    assert page.evaluate(SMALL_TARGETS) == [], name


def sign_in_from_start(context, site: str, account: str):
    """What the start page's Kakao button does, with the provider's own login_hint to pick the account."""
    page = context.new_page()
    page.goto(f"{site}/?lang=ko")
    href = page.get_by_role("link", name="카카오 로그인").get_attribute("href")
    assert href == "/auth/kakao/login"  # no next: the person's home decides
    page.goto(f"{site}{href}?login_hint={account}")
    second_factor_if_asked(page, account)  # staff: their home asks for the code first
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize("viewport,label", [(PHONE, "360"), (DESKTOP, "1280")])
@pytest.mark.parametrize("account", list(HOMES))
def test_each_person_lands_on_their_own_home(live, account, viewport, label) -> None:
    with chromium() as browser:
        context = browser.new_context(viewport=viewport)
        page = sign_in_from_start(context, live, account)
        assert page.url == f"{live}{HOMES[account]}"
        assert page.locator("h1").inner_text() != "볼 수 없는 화면입니다"
        screenshot(page, f"frame-landing-{account.split('-')[0]}-{label}")
        page.goto(f"{live}/")
        home = page.locator("#home")
        assert home.is_visible() and page.get_by_role("link", name="카카오 로그인").count() == 0
        assert home.get_by_role("link").first.get_attribute("href") == HOMES[account]
        screenshot(page, f"frame-start-signed-in-{account.split('-')[0]}-{label}")
        context.close()


@pytest.mark.parametrize("viewport,label", [(PHONE, "360"), (DESKTOP, "1280")])
@pytest.mark.parametrize("lang,title", [("ko", "찾을 수 없습니다"), ("en", "Not found")])
def test_an_unknown_address_is_the_404_page_in_their_language(live, lang, title, viewport, label) -> None:
    with chromium() as browser:
        context = browser.new_context(viewport=viewport)
        context.add_cookies([{"name": "lang", "value": lang, "url": live}])
        page = context.new_page()
        response = page.goto(f"{live}/no/such/page")
        assert response.status == 404
        assert response.headers["content-type"].startswith("text/html")
        assert page.evaluate("document.documentElement.lang") == lang
        assert page.locator("h1").inner_text() == title
        check_frame(page, f"404-{lang}-{label}", viewport["width"])
        screenshot(page, f"frame-404-{lang}-{label}")
        context.close()


def test_api_clients_still_get_the_json_error_for_an_unknown_address(live) -> None:
    bearer = {"Authorization": "Bearer x", "Accept": "application/json"}
    for headers in ({"Accept": "application/json"}, {}, bearer):
        answer = requests.get(f"{live}/api/no-such-thing", headers=headers, timeout=10)
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/json"
        assert json.loads(answer.text)["error"]["code"] == "not_found"


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("path", ["/", "/privacy", "/terms", "/accessibility", "/attorney/join"])
def test_public_pages_reflow_at_360_px_with_200_percent_text(live, path, lang) -> None:
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, bypass_csp=True)  # to inject the 200 % text style
        page = context.new_page()
        page.goto(f"{live}{path}?lang={lang}")
        page.add_style_tag(content=BIG_TEXT)
        check_frame(page, f"{path} {lang} 200%", PHONE["width"])
        screenshot(page, f"frame{'-start' if path == '/' else path.replace('/', '-')}-{lang}-360-200pct")
        context.close()


@pytest.mark.parametrize("account,paths", [("resident-e2e-frame", ["/consultations", "/me"]),
                                           ("attorney-001", ["/attorney"]), ("admin", ["/admin"])])
def test_signed_in_pages_reflow_at_360_px_with_200_percent_text(live, account, paths) -> None:
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE, bypass_csp=True)
        page = sign_in_from_start(context, live, account)
        for path in paths:
            page.goto(f"{live}{path}")
            page.wait_for_load_state("networkidle")
            page.add_style_tag(content=BIG_TEXT)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], \
                (path, page.evaluate(OVERFLOWING, PHONE["width"]))
            assert page.evaluate(ONE_CHAR_LINES) == [], path
            assert wcag22_violations(page) == [], path
            screenshot(page, f"frame{path.replace('/', '-')}-360-200pct")
        context.close()


def contrast(rgb: str, against=(255, 255, 255)) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    def luminance(values) -> float:
        r, g, b = (channel(float(v)) for v in values)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    values = rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]
    high, low = sorted((luminance(values), luminance(against)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_stands_out_on_white(live) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{live}/")
        seen = []
        for _ in range(6):
            page.keyboard.press("Tab")
            style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                                  " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; })()")
            seen.append(style)
            assert style[0] == "solid" and float(style[1].rstrip("px")) >= 3, style
            assert contrast(style[2]) >= 3, style
        screenshot(page, "frame-focus-ring-360")


def test_a_wrong_invite_code_is_explained_next_to_the_field(live) -> None:
    with chromium() as browser:
        context = browser.new_context(viewport=PHONE)
        page = sign_in_from_start(context, live, "resident-e2e-invite")
        page.goto(f"{live}/attorney/join")
        page.fill("#invite-code", "ABCD-EFGH-JKMN-PQRS")
        page.click("button[type=submit]")
        error = page.locator("#invite-error")
        error.wait_for(state="visible")
        page.wait_for_function("document.getElementById('invite-error').textContent.length > 0")
        assert "초대 코드가 맞지 않거나" in error.inner_text()
        assert page.evaluate("document.activeElement.id") == "invite-code"
        assert page.get_attribute("#invite-code", "aria-invalid") == "true"
        screenshot(page, "frame-invite-wrong-code-360")
        context.close()

def check_reflow(page, name: str) -> None:  # type: ignore[no-untyped-def] - shared by the journeys
    """WCAG 2.2 (axe), then at 200 % text: no sideways scrolling, no word one character per line,
    44-px targets; a screenshot. The page's text size is put back afterwards."""
    assert wcag22_violations(page) == [], name
    style = page.add_style_tag(content=BIG_TEXT)
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, page.evaluate(OVERFLOWING, width))
    assert page.evaluate(ONE_CHAR_LINES) == [], name
    assert page.evaluate(SMALL_TARGETS) == [], name
    screenshot(page, f"{name}-200pct")
    style.evaluate("node => node.remove()")

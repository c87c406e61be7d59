"""Every language in a real browser at 360 px: <html lang>, nothing wider than the phone, and every
script drawn with real glyphs (no tofu boxes), through Debian's fonts as CI installs them."""

from __future__ import annotations

from chalicelib.domain.languages import LANGUAGES
from tests.e2e.browser import PHONE, app_site, chromium, screenshot

# Draws each character of ``text`` alone on a canvas in the page's own font stack and compares its
# pixels with those of a character no font has (U+0378, unassigned: the .notdef "tofu" box). A
# character drawn exactly like it has no glyph here. Marks (\p{M}) are skipped: alone they are
# drawn on a dotted circle or not at all.
MISSING_GLYPHS = """(text) => {
  const font = getComputedStyle(document.body).fontFamily;
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = "32px " + font;
    ctx.textBaseline = "middle";
    ctx.fillText(ch, 8, 32);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  const tofu = draw("\\u0378");
  return Array.from(new Set(Array.from(text)))
    .filter((ch) => !/[\\p{M}\\s\\p{P}\\p{N}]/u.test(ch) && ch.charCodeAt(0) > 0x7f)
    .filter((ch) => draw(ch) === tofu);
}"""

# Elements whose right edge passes the viewport (the skip link waits off-screen to the left).
OVERFLOWING = """() => Array.from(document.querySelectorAll("body *"))
  .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > innerWidth + 0.5; })
  .map((el) => el.tagName + (el.id ? "#" + el.id : "") + " " + (el.textContent || "").trim().slice(0, 40))"""


site = app_site()


def test_the_landing_page_in_every_language_fits_a_phone_and_draws_every_script(site) -> None:
    problems: dict[str, object] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        for language in LANGUAGES:
            page.goto(f"{site}/?lang={language.code}")
            assert page.evaluate("document.documentElement.lang") == language.code
            page.locator("nav.languages summary").click()  # the picker open: all twelve names wrap
            own_name = page.locator(f'nav.languages a[lang="{language.code}"]')
            assert own_name.inner_text() == language.name
            sample = page.locator("body").inner_text()  # the open picker included: every name
            missing = page.evaluate(MISSING_GLYPHS, sample)
            if missing:
                problems[f"{language.code}: no glyph for"] = missing
            if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
                problems[f"{language.code}: wider than the phone"] = page.evaluate(OVERFLOWING)
            elif page.evaluate(OVERFLOWING):
                problems[f"{language.code}: overflowing"] = page.evaluate(OVERFLOWING)
            screenshot(page, f"landing-lang-{language.code}-360")
    assert problems == {}


def test_the_glyph_check_sees_tofu_when_the_fonts_are_missing(site, tmp_path) -> None:
    """The check above can fail: with fontconfig limited to DejaVu, Thai, Khmer, Burmese,
    Devanagari and Chinese have no glyphs and are reported; Vietnamese (Latin) still draws."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                      "<dir>/usr/share/fonts/truetype/dejavu</dir>"
                      f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>", encoding="utf-8")
    with chromium(env={"FONTCONFIG_FILE": str(config)}) as browser:
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{site}/?lang=en")
        for text in ("ไทย", "ខ្មែរ", "မြန်မာ", "नेपाली", "中文"):
            assert page.evaluate(MISSING_GLYPHS, text) != [], text
        assert page.evaluate(MISSING_GLYPHS, "Tiếng Việt") == []

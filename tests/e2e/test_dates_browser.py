"""Dates in Nepali, Khmer, Burmese and Uzbek in a real browser: Chromium has no locale data for them
and falls back to a root-locale format, so the pages write dates from the catalogue's ``when.*``
patterns (static/dates.js). In Chromium, the script writes exactly what the server writes
(``languages.when``, the format the SMS use) in Korea's time, also across midnight UTC, a day
without its time and a time alone; other languages are left to Intl."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import languages
from tests.e2e.browser import PHONE, app_site, chromium

pytestmark = pytest.mark.browser

SEOUL = ZoneInfo("Asia/Seoul")
INSTANTS = (datetime(2027, 3, 1, 15, 30, tzinfo=UTC),  # Tue 2 March 00:30 in Korea
            datetime(2026, 12, 31, 5, 5, tzinfo=UTC),  # Thu 31 December 14:05
            datetime(2027, 9, 5, 1, 0, tzinfo=UTC))  # Sun 5 September 10:00


site = app_site()


def patterns(lang: str) -> dict[str, str]:
    return {k: languages.text(lang, k) for k in ("when.page", "when.weekdays", "when.months")}


@pytest.mark.parametrize("lang", ["ne", "km", "my", "uz"])
def test_dates_are_written_from_the_catalogue_as_the_server_writes_them(site, lang: str) -> None:
    with chromium() as browser:
        page = browser.new_context(viewport=PHONE).new_page()
        page.goto(f"{site}/?lang={lang}")
        assert page.evaluate("document.documentElement.lang") == lang
        for moment in INSTANTS:
            local = moment.astimezone(SEOUL)
            iso = moment.isoformat()
            args = {"iso": iso, "lang": lang, "messages": patterns(lang)}
            full = page.evaluate("a => MaeulDates.format(a.iso, a.lang, a.messages, 'full')", args)
            assert full == languages.when(local, lang, "page"), (lang, iso)
            day = page.evaluate("a => MaeulDates.format(a.iso, a.lang, a.messages, 'day')", args)
            months = patterns(lang)["when.months"].split(",")
            weekdays = patterns(lang)["when.weekdays"].split(",")
            assert months[local.month - 1] in day and weekdays[local.weekday()] in day, day
            assert f"{local:%H:%M}" not in day and not day.endswith(" "), day
            assert page.evaluate("a => MaeulDates.format(a.iso, a.lang, a.messages, 'time')", args) == f"{local:%H:%M}"


def test_languages_with_locale_data_are_left_to_intl(site) -> None:
    with chromium() as browser:
        page = browser.new_context().new_page()
        page.goto(f"{site}/?lang=vi")
        for lang in ("ko", "en", "vi", "zh", "th"):
            assert page.evaluate("a => MaeulDates.format('2027-03-02T01:00:00Z', a, {'when.page': '{time}'}, 'full')",
                                 lang) is None

"""The languages Maeul speaks, in one place, and the message catalogue they are written in.

``LANGUAGES`` is the single list every part uses: the pages' picker and ``<html lang>``, the
``lang`` cookie, ``GET /api/meta``, the consultation's language, SMS texts and the tests that
check every catalogue is complete. Codes are BCP 47 tags; easy Korean (쉬운 한국어: short
sentences, legal words explained) is the private-use tag ``ko-x-easy``.

The catalogue is data: ``chalicelib/web/i18n/<code>/<feature>.json``, one flat object of
``key -> text`` per file, the same keys and ``{placeholders}`` in every language (Korean is
the reference). A language lacking a key falls back to its ``fallback`` language, then Korean.
Reading those files is all this module does: no AWS, no HTTP.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

# a string, not a Path: a cold start that answers from the route table imports no pathlib
CATALOGUE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web", "i18n")


@dataclass(frozen=True, slots=True)
class Language:
    code: str        # BCP 47 tag; also the catalogue folder, the cookie value and <html lang>
    name: str        # the language's own name, as the picker shows it
    fallback: str    # where a missing message is looked up next
    script: str      # ISO 15924: the script the fonts must cover


LANGUAGES: tuple[Language, ...] = (
    Language("ko", "한국어", "ko", "Kore"),
    Language("ko-x-easy", "쉬운 한국어", "ko", "Kore"),
    Language("en", "English", "ko", "Latn"),
    Language("vi", "Tiếng Việt", "en", "Latn"),
    Language("zh", "中文(简体)", "en", "Hans"),
    Language("ne", "नेपाली", "en", "Deva"),
    Language("km", "ខ្មែរ", "en", "Khmr"),
    Language("th", "ไทย", "en", "Thai"),
    Language("id", "Bahasa Indonesia", "en", "Latn"),
    Language("uz", "Oʻzbekcha", "en", "Latn"),
    Language("fil", "Filipino", "en", "Latn"),
    Language("my", "မြန်မာ", "en", "Mymr"),
)
CODES: tuple[str, ...] = tuple(lang.code for lang in LANGUAGES)
DEFAULT = "ko"
_BY_CODE = {lang.code: lang for lang in LANGUAGES}
# Messages only attorneys and operators read (their consoles): they work in Korean, so a catalogue
# may leave these to its fallback. Every other key must be in every language.
STAFF_PREFIXES = ("adm.", "att.", "js.adm", "js.att", "js.stats.", "js.roster.", "js.log.", "js.duty.",
                  "js.offer.", "js.offers", "js.flag.", "js.d.", "js.assigned.", "js.week.", "js.outcome.",
                  "ad.", "js.ad.", "op.", "js.op.", "csv.",  # the attorney's day, the operations console, its CSV
                  "attorney_email.", "js.email.")  # attorney e-mail: Korean or English (its email_language)
# The API's detailed error messages (errors_domain.json, with the numbers of the case) are written in
# Korean and English; another language says its own ``api.error.<code>`` sentence instead
# (chalicelib/api/errors.py), so its catalogue may leave these out.
DETAIL_PREFIXES = ("err.",)
# what a browser or a person may send for one of ours (compared lower-case, after the primary tag)
_ALIASES = {"zh-hans": "zh", "zh-cn": "zh", "zh-sg": "zh", "tl": "fil", "uz-latn": "uz",
            "ko-easy": "ko-x-easy"}


class UnknownLanguageError(ValueError):
    """A language code Maeul does not speak."""

    def __init__(self, code: object) -> None:
        super().__init__(f"unsupported language {code!r}; expected one of: {', '.join(CODES)}")


def language(code: str) -> Language:
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownLanguageError(code) from None


def is_supported(code: object) -> bool:
    return isinstance(code, str) and code in _BY_CODE


def match(tag: str) -> str | None:
    """Our language for one BCP 47 tag (``ko-KR`` → ko, ``zh-CN`` → zh, ``fil-PH`` → fil,
    ``zh-TW`` → None: traditional Chinese is not simplified), or None."""
    tag = tag.strip().lower().replace("_", "-")
    if not tag or tag == "*":
        return None
    if tag in _BY_CODE:
        return tag
    if tag in _ALIASES:
        return _ALIASES[tag]
    parts = tag.split("-")
    if parts[0] == "zh" and any(p in ("hant", "tw", "hk", "mo") for p in parts[1:]):
        return None
    if parts[0] == "uz" and "cyrl" in parts[1:]:
        return None
    for n in range(len(parts) - 1, 0, -1):
        prefix = "-".join(parts[:n])
        if prefix in _BY_CODE:
            return prefix
        if prefix in _ALIASES:
            return _ALIASES[prefix]
    return None


def negotiate(accept_language: str | None) -> str | None:
    """The best of our languages for an ``Accept-Language`` header (RFC 9110 §12.5.4: q-values,
    ties in the order given; q=0 means "not this one"), or None when none of them fits."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    refused: set[str] = set()
    for position, item in enumerate(accept_language.split(",")[:32]):
        tag, _, params = item.partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        code = match(tag)
        if code is None:
            continue
        if q <= 0:
            refused.add(code)
            continue
        ranked.append((-q, position, code))
    for _, _, code in sorted(ranked):
        if code not in refused:
            return code
    return None


def choose(*, chosen: str | None = None, account: str | None = None, cookie: str | None = None,
           accept_language: str | None = None) -> str:
    """The language to speak: an explicit choice now, else the account's setting, else the
    ``lang`` cookie, else ``Accept-Language``, else Korean."""
    for candidate in (chosen, account, cookie):
        if is_supported(candidate):
            return str(candidate)
    return negotiate(accept_language) or DEFAULT


# --- the catalogue --------------------------------------------------------------------------------

def catalogue_files(code: str) -> list[Path]:
    from pathlib import Path

    return sorted((Path(CATALOGUE_DIR) / code).glob("*.json"))


def own_messages(code: str) -> dict[str, str]:
    """The messages written for ``code`` itself (no fallback); a key defined twice is an error."""
    messages: dict[str, str] = {}
    for path in catalogue_files(code):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            if key in messages:
                raise ValueError(f"message {key!r} is defined twice in the {code} catalogue")
            messages[key] = text
    return messages


@cache
def catalogue(code: str) -> dict[str, str]:
    """The messages of ``code``, a missing one taken from its fallback chain (ending in Korean)."""
    if code == DEFAULT:
        return own_messages(DEFAULT)
    lang = language(code)
    return {**catalogue(lang.fallback), **own_messages(code)}


def text(code: str, key: str, **values: Any) -> str:
    """One message of ``code``'s catalogue with its ``{placeholders}`` filled in."""
    message = catalogue(code if is_supported(code) else DEFAULT).get(key)
    if message is None:
        raise KeyError(f"message {key!r} is missing from the {code} catalogue")
    return message.format(**values) if values else message




def is_staff_key(key: str) -> bool:
    return key.startswith(STAFF_PREFIXES)


def may_be_left_out(key: str) -> bool:
    """A key a catalogue other than Korean may leave to its fallback: the consoles' and the detailed
    error messages."""
    return is_staff_key(key) or key.startswith(DETAIL_PREFIXES)


# --- dates and times in words ---------------------------------------------------------------------

WHEN_FIELDS = frozenset({"year", "month", "month2", "month_name", "day", "day2", "weekday", "time"})


def when(local: Any, code: str, style: str = "message") -> str:
    """A local date and time as ``code`` writes it: ``style`` "message" (SMS: short) or "page".
    The formats are catalogue keys ``when.<style>`` built from ``WHEN_FIELDS``."""
    weekdays = text(code, "when.weekdays").split(",")
    months = text(code, "when.months").split(",")
    return text(code, f"when.{style}", year=local.year, month=local.month, month2=f"{local.month:02d}",
                month_name=months[local.month - 1], day=local.day, day2=f"{local.day:02d}",
                weekday=weekdays[local.weekday()], time=f"{local:%H:%M}")


__all__ = ["CODES", "DEFAULT", "DETAIL_PREFIXES", "LANGUAGES", "Language", "UnknownLanguageError", "catalogue",
           "catalogue_files", "choose", "is_staff_key", "is_supported", "language", "match", "may_be_left_out",
           "negotiate", "own_messages", "text", "when"]

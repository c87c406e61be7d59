"""What a resident is told, as registered message templates (data, not code).

The texts live in ``message_templates/<lang>.json``: per event a template code
(registered with Kakao for 알림톡), a text with ``#{variable}`` slots and the
buttons. The same rendered text goes out as 알림톡 and, when that fails, as the
fallback SMS (LMS when it is over 90 bytes: EUC-KR for Korean and Latin text,
UCS-2 for a script EUC-KR cannot carry). A language without a file gets Korean;
adding a language is adding a file (and registering its templates).

Attorneys' alerts (a real-time offer, a booking, a cancellation, a reminder...)
are templates too, in ``message_templates/attorney/<lang>.json`` (Korean and
English, the attorney's alert language), so that they can go out as 알림톡 with
the same SMS/LMS failover as the residents' messages.

Variables carry nothing personal beyond what a template needs: a time, a
receipt number, the attorney's display name, the centre's phone line, a link.
Each variable has a pattern and a maximum length (``VARIABLES``); rendering
refuses a value that does not fit, so no free text slips into a message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.domain import languages as languages_
from chalicelib.domain.notifications import SEOUL

DATA_DIR = Path(__file__).resolve().parent / "message_templates"
ATTORNEY_DIR = DATA_DIR / "attorney"
DEFAULT_LANGUAGE = "ko"
SLOT = re.compile(r"#\{(\w+)\}")

# The channel's rules (Kakao 알림톡 through SENS, and its SMS/LMS fallback).
ALIMTALK_MAX_CHARS = 1000
BUTTON_NAME_MAX_CHARS = 14
MAX_BUTTONS = 5
SMS_MAX_BYTES = 90
LMS_MAX_BYTES = 2000
LMS_SUBJECT_MAX_BYTES = 40


class ResidentEvent(StrEnum):
    REQUEST_RECEIVED = "request_received"
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_CONFIRMED_PHONE = "booking_confirmed_phone"
    BOOKING_MOVED = "booking_moved"
    BOOKING_CANCELLED = "booking_cancelled"
    BOOKING_CANCELLED_BY_ATTORNEY = "booking_cancelled_by_attorney"
    REALTIME_ACCEPTED = "realtime_accepted"
    REALTIME_ACCEPTED_PHONE = "realtime_accepted_phone"
    ATTORNEY_REPLIED = "attorney_replied"
    CONSULTATION_CLOSED = "consultation_closed"
    REMINDER = "reminder"
    SURVEY = "survey"
    NO_ATTORNEY_NOW = "no_attorney_now"


class AttorneyEvent(StrEnum):
    """An attorney's alert (the values are ``notifications.MessageKind``'s attorney kinds)."""

    OFFER = "offer"
    BOOKING = "booking"
    BOOKING_CANCELLED = "booking_cancelled"
    REMINDER = "reminder"
    MESSAGE_WAITING = "message_waiting"
    OUTCOME_DUE = "outcome_due"
    REQUEST_WITHDRAWN = "request_withdrawn"
    SCHEDULE_CHANGED = "schedule_changed"


Event = ResidentEvent | AttorneyEvent

# Only real-time messages may go out during quiet hours (21:00-08:00 KST).
URGENT_EVENTS = frozenset({ResidentEvent.REALTIME_ACCEPTED, ResidentEvent.REALTIME_ACCEPTED_PHONE,
                           ResidentEvent.NO_ATTORNEY_NOW})

# a date and time as a language writes it: letters (with the combining vowel signs of Devanagari,
# Thai, Myanmar and Khmer), digits and a few separators; nothing else
_TIME = r"[\w\u0900-\u097f\u0e00-\u0e7f\u1000-\u109f\u1780-\u17ff() :,./-]{1,40}"
_WORDS = r"[\w\u0900-\u097f\u0e00-\u0e7f\u1000-\u109f\u1780-\u17ff() ]{1,30}"  # a phrase of ours
VARIABLES: dict[str, tuple[str, int]] = {
    "receipt": (r"\d{4}-\d{4,6}", 12),
    "when": (_TIME, 40),
    "cutoff": (_TIME, 40),
    "method": (_WORDS, 30),
    "callback": (r"0\d{1,2}-\d{3,4}-\d{4}", 13),
    "minutes": (r"\d{1,3}", 3),
    "attorney": (r"[\w.·-]{1,12}( [\w.·-]{1,12})?", 25),
    "outcome": (r"[^\n#]{1,60}", 60),
    "next_step": (r"[^\n#]{1,100}", 100),
    "deadline": (r"\d{2}:\d{2}", 5),
    "link": (r"https?://[^\s#]+", 200),
}


class TemplateError(ValueError):
    """A message could not be rendered from its template (a missing or unfit variable)."""


@dataclass(frozen=True)
class Button:
    name: str
    url: str


@dataclass(frozen=True)
class Template:
    event: Event
    language: str
    code: str
    text: str
    buttons: tuple[Button, ...]
    sms_subject: str

    @property
    def variables(self) -> frozenset[str]:
        found = set(SLOT.findall(self.text))
        for button in self.buttons:
            found |= set(SLOT.findall(button.url))
        return frozenset(found)


@dataclass(frozen=True)
class OutboundMessage:
    """One rendered message: what the channel is asked to deliver."""

    event: Event
    language: str
    code: str
    variables: dict[str, str]
    text: str
    buttons: tuple[Button, ...]
    sms_subject: str = ""
    urgent: bool = field(default=False)

    @property
    def sms_type(self) -> str:
        """``SMS`` when the text fits 90 bytes, else ``LMS``."""
        return "SMS" if sms_bytes(self.text) <= SMS_MAX_BYTES else "LMS"


def sms_bytes(text: str) -> int:
    """Length as the Korean carriers count it: EUC-KR (CP949; Hangul two bytes, Latin one) when the
    text fits that character set, else UCS-2 (two bytes a character, four outside the BMP) - the
    encoding a message in Thai, Khmer, Myanmar, Devanagari or Vietnamese letters travels in."""
    try:
        return len(text.encode("cp949"))
    except UnicodeEncodeError:
        return len(text.encode("utf-16-be"))


def sms_segments(text: str) -> int:
    """How many SMS a text is as a plain international SMS (SNS): 160 GSM/ASCII characters or
    70 UCS-2 units in one, 153 or 67 a part when concatenated."""
    if text.isascii():
        single, part, size = 160, 153, len(text)
    else:
        single, part, size = 70, 67, len(text.encode("utf-16-be")) // 2
    return 1 if size <= single else -(-size // part)


@dataclass(frozen=True)
class Catalogue:
    language: str
    words: dict[str, str]
    templates: dict[Event, Template]


def _load(path: Path, events: type[ResidentEvent] | type[AttorneyEvent]) -> Catalogue:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    subject = doc.get("sms_subject", "")
    templates = {
        events(name): Template(events(name), doc["language"], spec["code"], spec["text"],
                               tuple(Button(b["name"], b["url"]) for b in spec.get("buttons", [])), subject)
        for name, spec in doc["templates"].items()}
    return Catalogue(doc["language"], dict(doc.get("words", {})), templates)


@cache
def catalogue(language: str) -> Catalogue:
    """The residents' messages in ``language`` (Korean where there is no catalogue for it)."""
    return _load(_catalogue_file(DATA_DIR, language), ResidentEvent)


@cache
def attorney_catalogue(language: str) -> Catalogue:
    """The attorneys' alerts in ``language`` (their alert language: Korean or English)."""
    return _load(_catalogue_file(ATTORNEY_DIR, language), AttorneyEvent)


def _catalogue_file(directory: Path, language: str) -> Path:
    path = directory / f"{language}.json"
    return path if path.exists() else directory / f"{DEFAULT_LANGUAGE}.json"


def languages() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.json"))


def attorney_languages() -> list[str]:
    return sorted(p.stem for p in ATTORNEY_DIR.glob("*.json"))


def word(language: str, key: str) -> str:
    """A fixed phrase of the catalogue (a method, an outcome in plain words, a next step)."""
    table = catalogue(language).words
    return table.get(key) or catalogue(DEFAULT_LANGUAGE).words[key]


def format_time(moment: datetime, language: str) -> str:
    """A time in Korea, as ``language`` writes it in a short message (its catalogue's ``when.message``)."""
    code = language if languages_.is_supported(language) else DEFAULT_LANGUAGE
    return languages_.when(moment.astimezone(SEOUL), code, "message")


def format_deadline(moment: datetime) -> str:
    return f"{moment.astimezone(SEOUL):%H:%M}"


def _fill(template: str, values: dict[str, str]) -> str:
    return SLOT.sub(lambda m: values[m.group(1)], template)


def render(event: ResidentEvent, language: str, variables: dict[str, str]) -> OutboundMessage:
    """The message for ``event`` in ``language`` (Korean when there is no such catalogue)."""
    cat = catalogue(language)
    return _render(cat.templates[event], cat, variables)


def render_attorney(event: AttorneyEvent, language: str, variables: dict[str, str]) -> OutboundMessage:
    """An attorney's alert in their alert language (Korean when there is no such catalogue)."""
    cat = attorney_catalogue(language)
    return _render(cat.templates[event], cat, variables)


def _render(template: Template, cat: Catalogue, variables: dict[str, str]) -> OutboundMessage:
    event = template.event
    missing = template.variables - variables.keys()
    if missing:
        raise TemplateError(f"{template.code}: variables not supplied: {sorted(missing)}")
    values = {k: str(variables[k]) for k in template.variables}
    for name, value in values.items():
        pattern, longest = VARIABLES[name]
        if len(value) > longest or not re.fullmatch(pattern, value):
            raise TemplateError(f"{template.code}: #{{{name}}} does not fit the template's rule")
    return OutboundMessage(event=event, language=cat.language, code=template.code, variables=values,
                           text=_fill(template.text, values),
                           buttons=tuple(Button(b.name, _fill(b.url, values)) for b in template.buttons),
                           sms_subject=template.sms_subject, urgent=event in URGENT_EVENTS)


def all_templates() -> list[Template]:
    """Every registered template: the residents' in every language, then the attorneys'."""
    return ([t for lang in languages() for t in catalogue(lang).templates.values()]
            + [t for lang in attorney_languages() for t in attorney_catalogue(lang).templates.values()])


def text_patterns() -> list[str]:
    """Regular expressions every resident message must match in full (the outbound-message audit)."""
    patterns = []
    for template in all_templates():
        escaped = re.escape(template.text)
        for name in template.variables:
            escaped = escaped.replace(re.escape("#{" + name + "}"), f"(?:{VARIABLES[name][0]})")
        patterns.append(escaped)
    return patterns

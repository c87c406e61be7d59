"""Field rules shared by request models: Korean phone numbers, e-mail addresses, plain text, known codes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import phonenumbers
from pydantic_core import PydanticCustomError

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")  # every control character, line breaks included
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab and line breaks


# Bidirectional embeddings, overrides and isolates (and the implicit marks): they reorder what a reader
# sees (a name that displays as another, a file name whose extension is hidden), so person-entered
# text never carries them.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
# Characters that show nothing on their own: format characters (zero-width space, joiners, word
# joiner, BOM...), separators and controls, and combining marks.
_INVISIBLE = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me"})


def _person_text(value: str, controls: re.Pattern[str], controls_message: str) -> str:
    """NFC-normalised text a person typed, refusing what hides or disguises it."""
    value = unicodedata.normalize("NFC", value)
    if controls.search(value) or _C1_CONTROLS.search(value):
        raise PydanticCustomError("control_characters", controls_message)
    if _BIDI_CONTROLS.search(value):
        raise PydanticCustomError("bidi_controls", "Remove the invisible text-direction characters (bidirectional "
                                  "overrides or isolates) and type the text plainly.")
    if value and all(unicodedata.category(ch) in _INVISIBLE for ch in value):
        raise PydanticCustomError("invisible_text", "This holds only invisible characters (such as zero-width "
                                  "spaces); type it with ordinary letters.")
    return value


def one_line(value: str) -> str:
    """Plain text on one line (names, titles), NFC-normalised: no control characters at all (C0 and C1),
    no text-direction controls, not only invisible characters."""
    return _person_text(value, _LINE_CONTROLS, "Use plain text on one line, without control characters.")


def plain_text(value: str) -> str:
    """Plain text that may run over several lines (descriptions, messages, reasons), NFC-normalised,
    with the same refusals as ``one_line`` except line breaks and tabs."""
    return _person_text(value, _TEXT_CONTROLS, "Use plain text, without control characters.")


def korean_phone(value: str) -> str:
    """A valid Korean number, normalised to E.164; otherwise a message a person can act on."""
    message = "Enter a Korean phone number, e.g. 010-1234-5678."
    try:
        number = phonenumbers.parse(value, "KR")
    except phonenumbers.NumberParseException:
        raise PydanticCustomError("invalid_phone", message) from None
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "KR":
        raise PydanticCustomError("invalid_phone", message)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_address(value: str, hint: str = "") -> str:
    """An e-mail address with its domain lower-cased (never merged with anything: it is contact data)."""
    if not EMAIL.match(value):
        raise PydanticCustomError("invalid_email", f"Enter an e-mail address like name@example.com{hint}.")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def known_code(value: str, is_known: Callable[[str], bool], error: str, message: str) -> str:
    """A code from one of the lists of GET /api/meta; otherwise ``error`` with ``message``."""
    if not is_known(value):
        raise PydanticCustomError(error, message)
    return value


def known_codes(values: list[str], is_known: Callable[[str], bool], error: str, message: str) -> list[str]:
    """Codes from one of the lists of GET /api/meta, sorted, each once; otherwise ``error`` with
    ``message``, whose ``{codes}`` names the unknown ones."""
    unknown = [code for code in values if not is_known(code)]
    if unknown:
        raise PydanticCustomError(error, message, {"codes": ", ".join(unknown)})
    return sorted(set(values))

"""Field rules shared by request models: Korean phone numbers, e-mail addresses, plain text."""

from __future__ import annotations

import re

import phonenumbers
from pydantic_core import PydanticCustomError

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")  # every control character, line breaks included
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all but tab and line breaks


def one_line(value: str) -> str:
    """Plain text on one line (names, titles): no control characters at all."""
    if _LINE_CONTROLS.search(value):
        raise PydanticCustomError("control_characters", "Use plain text on one line, without control characters.")
    return value


def plain_text(value: str) -> str:
    """Plain text that may run over several lines (descriptions, messages, reasons)."""
    if _TEXT_CONTROLS.search(value):
        raise PydanticCustomError("control_characters", "Use plain text, without control characters.")
    return value


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

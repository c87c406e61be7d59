"""Field rules shared by request models: Korean phone numbers and e-mail addresses."""

from __future__ import annotations

import re

import phonenumbers
from pydantic_core import PydanticCustomError

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


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

"""Verifying a resident's contact phone with a one-time code (pure rules, no AWS).

A resident asks for a code to a Korean mobile number; the code (6 digits, 256-bit source) goes
out by SMS and is stored only as a keyed hash, with its number (a keyed hash too), its expiry
and the attempts left. Entering it takes one attempt first (a conditional write: attempts are
spent before the code is compared, so parallel guesses cannot exceed the limit), then compares;
the right code within its time marks the (person, number) pair verified. A new code replaces
the previous one. Sends are limited per account and per number per Korean day, so the service
cannot be used to flood a third party's phone.

``now`` is always a parameter (the container's clock).
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain import languages

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def well_formed(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


SMS_KEY = "phone.code.sms"  # the code's SMS, in every language's catalogue


def sms_patterns() -> list[str]:
    """The code's SMS in every language with only the code and the minutes filled in (the outbound
    message audit: nothing else may ever be in it)."""
    patterns = []
    for lang in languages.CODES:
        escaped = re.escape(languages.text(lang, SMS_KEY))
        escaped = escaped.replace(re.escape("{code}"), rf"\d{{{CODE_DIGITS}}}")
        patterns.append(escaped.replace(re.escape("{minutes}"), r"\d{1,2}"))
    return patterns


@dataclass(frozen=True)
class PhoneChallenge:
    """The code a person is waiting for: all keys and the code are keyed hashes, never the number."""

    subject_key: str
    phone_key: str
    code_hash: str
    expires_at: datetime
    attempts_left: int

    def matches(self, phone_key: str, code_hash: str) -> bool:
        return hmac.compare_digest(self.phone_key, phone_key) and hmac.compare_digest(self.code_hash, code_hash)


class PhoneVerificationError(Exception):
    """A refused step of verifying a phone (data only: the API's error table says it in words)."""


class NotAMobileNumberError(PhoneVerificationError):
    """A code goes only to a Korean mobile number (010-…)."""


class TooManyPhoneCodesError(PhoneVerificationError):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class WrongPhoneCodeError(PhoneVerificationError):
    """``reason``: "retry" while ``attempts_left``, else "used_up"."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(attempts_left)
        self.attempts_left = attempts_left
        self.reason = "retry" if attempts_left else "used_up"


class PhoneCodeUnusableError(PhoneVerificationError):
    """No code is waiting for this number: never sent, expired, used, or out of attempts; a new one
    must be entered within ``minutes``."""

    def __init__(self, minutes: int) -> None:
        super().__init__(minutes)
        self.minutes = minutes


class PhoneVerificationStore(Protocol):
    def replace_challenge(self, challenge: PhoneChallenge) -> None:
        """Store the person's waiting code, replacing any earlier one (TTL: its expiry)."""
        ...

    def spend_attempt(self, subject_key: str, now: datetime) -> PhoneChallenge | None:
        """Take one attempt from the person's code, atomically, if it has one left and has not expired:
        the challenge after the attempt was taken, or None."""
        ...

    def finish(self, challenge: PhoneChallenge, now: datetime, until: datetime) -> bool:
        """Delete the challenge (only if it is still this one) and mark its (person, number) verified
        until ``until``, together; False when another attempt finished it first."""
        ...

    def is_verified(self, subject_key: str, phone_key: str, now: datetime) -> bool: ...

    def erase(self, subject_key: str) -> int:
        """Forget the person's waiting code and every number they verified (leaving)."""
        ...

    def take_send(self, key: str, window: str, limit: int, expires_at: datetime) -> bool:
        """Count one code sent under ``key`` in ``window`` if fewer than ``limit`` were (conditional)."""
        ...

"""The staff second factor: TOTP (RFC 6238: 6 digits, 30-second steps, SHA-1).

Attorneys and admins read other people's personal data, so a provider sign-in
alone does not give them their role's routes: their session stays *pending*
until a code from their authenticator app is accepted (CONTRACT.md "staff
second factor"). Rules without a server:

- a code is accepted for the current step and one step either side (clock
  drift of the phone), compared in constant time;
- a code is accepted at most once: the step of the last accepted code is
  kept, and a code of that step or an earlier one is refused (replay);
- the secret (160 random bits, base32) is sensitive: it is stored sealed with
  the field cipher and shown only while enrolling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import pyotp
from pyotp.utils import strings_equal

from chalicelib.domain.identity import Role

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
ISSUER = "Maeul"
STAFF_ROLES = frozenset({Role.ATTORNEY, Role.ADMIN})
_CODE_RE = re.compile(r"[0-9]{6}")


class SecondFactorError(Exception):
    """A code that cannot be accepted; ``reason`` goes into the login history."""

    reason = "second_factor_failed"

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason or type(self).reason  # on the instance: the error table's message names it
        super().__init__(self.reason)


class WrongCodeError(SecondFactorError):
    reason = "second_factor_wrong"


class NotEnrolledError(SecondFactorError):
    reason = "second_factor_not_enrolled"


@dataclass(frozen=True)
class Factor:
    """One person's TOTP factor. ``enrolled_at`` is None until the first code confirms it."""

    subject: str
    secret: str
    created_at: datetime
    enrolled_at: datetime | None = None
    last_step: int = -1

    @property
    def enrolled(self) -> bool:
        return self.enrolled_at is not None


class FactorStore(Protocol):
    def get(self, subject: str) -> Factor | None: ...

    def begin(self, factor: Factor) -> Factor:
        """Store ``factor`` (returned itself) unless the person has one already: then that one is
        returned as it is (an unconfirmed one too: the page shows the same secret again)."""
        ...

    def accept(self, subject: str, step: int, now: datetime) -> bool:
        """Record ``step`` as used (and the factor as enrolled) if it is later than the last one
        used; False when it is not (a replay, or a race lost to the same code)."""
        ...

    def remove(self, subject: str) -> bool: ...


def new_secret() -> str:
    return pyotp.random_base32(32)


def is_staff(role: Role) -> bool:
    return role in STAFF_ROLES


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator app shows at ``moment``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(moment)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is (now, or one step either side), else None."""
    code = (code or "").strip().replace(" ", "")
    if not _CODE_RE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = step_of(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if strings_equal(totp.generate_otp(step), code):  # no early exit: constant work
            found = step
    return found


def provisioning_uri(secret: str, label: str) -> str:
    """The ``otpauth://`` URI authenticator apps read (as a QR code or by hand); ``label`` names the
    account without personal data (e.g. ``attorney att-001``)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=label,
                                                                                      issuer_name=ISSUER)

"""Users: people who signed in, keyed by ``kakao:<id>`` / ``naver:<id>``.

Accounts are never merged by e-mail or phone: the same person with Kakao and
with Naver is two users. What a provider told us that is personal (name,
phone) is kept sealed, only to fill in the intake form, and is erased when
the person leaves.

An attorney profile is linked to a signed-in account with a one-time invite
code: an admin creates it for the profile, the attorney redeems it after
signing in. Only the code's hash is stored; it expires and works once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.identity import Provider

# Crockford-style alphabet without look-alikes (no I, L, O, U, 0, 1).
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
INVITE_LENGTH = 16  # ~78 bits
_INVITE_RE = re.compile(rf"[{INVITE_ALPHABET}]{{{INVITE_LENGTH}}}")


@dataclass(frozen=True)
class UserProfile:
    """Sensitive: sealed at rest, shown only to the person."""

    name: str | None = None
    phone: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "phone": self.phone}


@dataclass(frozen=True)
class User:
    subject: str
    provider: Provider
    created_at: datetime
    last_login_at: datetime


class AccountLanguages(Protocol):
    """The accounts' languages alone (what every signed-in page reads; no profile, no cipher)."""

    def language(self, subject: str) -> str | None: ...

    def set_language(self, subject: str, language: str) -> bool: ...


class UserStore(Protocol):
    def signed_in(self, subject: str, provider: Provider, profile: UserProfile, now: datetime) -> User:
        """Create the user on first sign-in, else note the sign-in and refresh the profile."""
        ...

    def get(self, subject: str) -> User | None: ...

    def profile(self, subject: str) -> UserProfile | None: ...

    def erase(self, subject: str) -> bool:
        """Remove the user and their sealed profile; True when there was one."""
        ...

    def language(self, subject: str) -> str | None:
        """The language the person chose for their account (a code of ``languages.LANGUAGES``)."""
        ...

    def set_language(self, subject: str, language: str) -> bool:
        """Remember the person's language; False when there is no such user."""
        ...


class InvalidInviteError(Exception):
    """The invite code is unknown, used, expired, or the account is linked already; ``reason`` says
    which (it also goes into the login history)."""

    def __init__(self, reason: str = "invite_invalid") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Invite:
    code: str  # shown once to the admin, never stored
    attorney_id: str
    expires_at: datetime


def new_invite_code() -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))


def normalise_invite_code(raw: str) -> str | None:
    """Accept what a person types (lower case, spaces, dashes); None if it cannot be a code."""
    cleaned = re.sub(r"[\s-]", "", raw or "").upper()
    return cleaned if _INVITE_RE.fullmatch(cleaned) else None


def format_invite_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def invite_hash(code: str) -> str:
    return hashlib.sha256(("invite:" + code).encode("ascii")).hexdigest()


class InviteStore(Protocol):
    def create(self, code_hash: str, attorney_id: str, created_by: str, now: datetime,
               expires_at: datetime) -> None: ...

    def redeem(self, code_hash: str, subject: str, now: datetime) -> str:
        """Atomically: spend the invite and link ``subject`` to its attorney.
        Returns the attorney id; ``InvalidInviteError`` otherwise."""
        ...

"""Who is asking: subjects, roles and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    RESIDENT = "resident"
    ATTORNEY = "attorney"
    ADMIN = "admin"


class Provider(StrEnum):
    KAKAO = "kakao"
    NAVER = "naver"


def subject_of(provider: Provider | str, provider_user_id: str) -> str:
    """Users are keyed ``kakao:<id>`` / ``naver:<id>`` and never merged by e-mail."""
    return f"{Provider(provider).value}:{provider_user_id}"


def provider_of_subject(subject: str) -> Provider:
    """The provider a subject (``kakao:<id>``) signs in with."""
    return Provider(subject.split(":", 1)[0])


@dataclass(frozen=True)
class Principal:
    """The signed-in user a request acts for."""

    subject: str
    role: Role
    provider: Provider
    session_id: str
    attorney_id: str | None = None
    second_factor_pending: bool = False  # staff whose session has not passed its second factor yet
    second_factor_at: datetime | None = None  # when this session last passed it (step-up)
    signed_in_at: datetime | None = None  # when this session's sign-in happened (step-up)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_attorney(self) -> bool:
        return self.role is Role.ATTORNEY and self.attorney_id is not None


class InvalidTokenError(Exception):
    """The token is missing, malformed, expired, revoked or not ours."""


class Authenticator(Protocol):
    """Turns an access token into the principal it was issued to."""

    def authenticate(self, token: str) -> Principal: ...


class IdentityKey(Protocol):
    """Keyed hashes of identities and phone numbers: abuse limits and references that outlive an
    account, never reversible to the value."""

    def digest(self, purpose: str, value: str) -> str: ...

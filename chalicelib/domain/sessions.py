"""Our own sessions: a short access JWT plus a rotating, opaque refresh token.

A *session* is one sign-in on one device (a refresh-token family). Its id is
the JWT's ``sid`` claim, so every access token can be checked against it:
logout, leaving, a reused refresh token or an admin revoke it, and from then
on neither its access tokens nor any of its refresh tokens work.

Refresh tokens are random 256-bit strings; only their SHA-256 is stored.
Each use rotates the token; presenting a token that was already rotated away
is a reuse, and revokes the whole family (RFC 9700 §4.14.2).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.identity import InvalidTokenError, Provider, Role


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored for an opaque token (high entropy: a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Session:
    id: str
    subject: str
    provider: Provider
    created_at: datetime
    expires_at: datetime
    generation: int = 0
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    second_factor_at: datetime | None = None  # when a staff member's second factor was last accepted
    last_used_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class Tokens:
    """What a sign-in or a refresh hands to the client."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    session_id: str
    role: Role


class RefreshError(Exception):
    """The refresh token cannot be used; ``reason`` goes into the login history."""

    reason = "refresh_invalid"

    def __init__(self, message: str, *, subject: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.subject = subject
        if reason is not None:
            self.reason = reason


class RefreshReuseError(RefreshError):
    """A rotated-away refresh token came back: the family is revoked."""

    reason = "refresh_reuse"


class SessionStore(Protocol):
    """Sessions and their refresh tokens (hashes only)."""

    def create(self, session: Session, refresh_hash: str) -> None: ...

    def get(self, session_id: str) -> Session | None: ...

    def rotate(self, presented_hash: str, new_hash: str, now: datetime) -> Session:
        """Swap the current token of its session for ``new_hash`` atomically.

        Unknown hash → ``RefreshError``; a dead session → ``RefreshError`` with
        the subject; a hash that is no longer current (or lost a race) →
        the session is revoked and ``RefreshReuseError`` raised."""
        ...

    def session_of(self, refresh_hash: str) -> Session | None: ...

    def revoke(self, session_id: str, now: datetime, reason: str) -> Session | None: ...

    def revoke_all(self, subject: str, now: datetime, reason: str) -> int: ...

    def confirm_second_factor(self, session_id: str, now: datetime) -> Session | None:
        """Mark a live session's second factor as passed at ``now`` (None: unknown or ended)."""
        ...


class TokenRejectedError(InvalidTokenError):
    """An access token we do not accept, with the reason for the login history.

    ``subject`` is set only when the token's signature was verified (e.g. a
    token of a revoked session), never from an unverified payload."""

    def __init__(self, reason: str, *, subject: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.subject = subject

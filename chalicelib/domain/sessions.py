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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
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
    last_used_at: datetime | None = None  # the last refresh
    idle_minutes: int | None = None  # not refreshed for this long: the session ends (None: no limit)
    device: str = ""  # e.g. "Chrome · Android", from the browser at sign-in (for "my sessions")
    ip_hint: str = ""  # a coarse hint of where it signed in from, e.g. "203.0.x.x"

    def idle_at(self, now: datetime) -> bool:
        """Unused for longer than its idle limit (measured from the last refresh, or the sign-in)."""
        if self.idle_minutes is None:
            return False
        return now - (self.last_used_at or self.created_at) >= timedelta(minutes=self.idle_minutes)

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


@dataclass(frozen=True)
class AccessClaims:
    """What a valid access token says: who, in which role, from which session, until when."""

    subject: str
    role: Role
    provider: Provider
    session_id: str
    attorney_id: str | None
    expires_at: datetime


class AccessTokenCodec(Protocol):
    """Issues and checks the short-lived access tokens (the JWT adapter: ``adapters/jwt_tokens.py``)."""

    def issue(self, *, subject: str, role: Role, provider: Provider, session_id: str,
              attorney_id: str | None, now: datetime) -> tuple[str, datetime]: ...

    def verify(self, token: str, now: datetime) -> AccessClaims: ...


class LoginSigner(Protocol):
    """Signs and opens the browser's login cookie (a pending sign-in: state hash, provider, nonce, next
    path, expiry)."""

    def seal_login(self, payload: Mapping[str, str], now: datetime, ttl: timedelta) -> str: ...

    def open_login(self, token: str, now: datetime) -> Mapping[str, str | int]: ...


class TokenCodec(AccessTokenCodec, LoginSigner, Protocol):
    """The stage's signing keys at work: access tokens and login cookies alike."""


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

    def of_subject(self, subject: str) -> list[Session]:
        """Every session of a person, live or not, newest first."""
        ...

    def confirm_second_factor(self, session_id: str, now: datetime) -> Session | None:
        """Mark a live session's second factor as passed at ``now`` (None: unknown or ended)."""
        ...

    def spend_login_state(self, state_hash: str, expires_at: datetime) -> bool:
        """Mark a sign-in's ``state`` (its hash) as used, once: True the first time, False ever after
        (until ``expires_at``, past which its signed login cookie is refused anyway)."""
        ...


_BROWSERS = (("Edg/", "Edge"), ("SamsungBrowser", "Samsung Internet"), ("KAKAOTALK", "KakaoTalk"),
             ("NAVER(", "Naver"), ("Whale/", "Whale"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_label(user_agent: str) -> str:
    """A short, coarse name of a browser for the "my sessions" list, e.g. ``Chrome · Android``."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return " · ".join(part for part in (browser, system) if part) or "unknown"


def ip_hint(ip: str) -> str:
    """No more of an address than its network's first half: ``203.0.x.x``, ``2001:db8:…``."""
    if ip.count(".") == 3:
        return ".".join(ip.split(".")[:2]) + ".x.x"
    if ":" in ip:
        return ":".join(ip.split(":")[:2]) + ":…"
    return ""


class TokenRejectedError(InvalidTokenError):
    """An access token we do not accept, with the reason for the login history.

    ``subject`` is set only when the token's signature was verified (e.g. a
    token of a revoked session), never from an unverified payload."""

    def __init__(self, reason: str, *, subject: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.subject = subject

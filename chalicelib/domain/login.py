"""Signing in with Kakao or Naver: the rules that need no server.

- ``safe_next``: where to send the browser after sign-in -- a path on our own
  origin only (no open redirect); without one, ``landing_path`` sends each
  person to their own home (CONTRACT.md "landing after sign-in").
- ``ProviderIdentity``: what a provider told us about the person, already
  reduced to what we keep (id as a string; Kakao ids have up to 19 digits).
- ``role_for``: admin (per-stage list) > attorney (linked profile) > resident.
- ``LoginError`` and its kinds: every failure has a stable ``reason`` that goes
  into the login history, and a message a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.identity import Provider, Role, subject_of

MAX_NEXT_LENGTH = 512
# Stored as the return path of a sign-in started without ``next``: never a path (no leading "/"),
# so no ``next`` a browser sends can be mistaken for it.
HOME = "@home"
HOME_PATHS = {Role.RESIDENT: "/consultations", Role.ATTORNEY: "/attorney", Role.ADMIN: "/admin"}

# A path: "/" then printable ASCII without backslash, and not "//" (which a
# browser reads as another host). Percent-escapes are allowed, but not ones
# that decode to a slash or a backslash at the start.
_NEXT_RE = re.compile(r"/(?![/\\])[\x21-\x7e]*")


class LoginError(Exception):
    """A sign-in attempt that cannot go on; ``reason`` goes into the login history. ``{phone}`` in the
    message is the programme's phone (``Policy.fallback_phone``), filled in by the API."""

    reason = "login_failed"

    def __init__(self, message: str, *, reason: str | None = None, subject: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if reason is not None:
            self.reason = reason
        self.subject = subject


class UnsafeNextError(LoginError):
    reason = "unsafe_next"


class UnknownProviderError(LoginError):
    reason = "unknown_provider"


class LoginStateError(LoginError):
    """Missing, unknown, expired, reused or foreign ``state`` (CSRF on the callback)."""

    reason = "state_invalid"


class ProviderDeniedError(LoginError):
    """The person cancelled at the provider, or did not agree to share their id."""

    reason = "provider_denied"


class ProviderError(LoginError):
    """The provider failed: an OAuth error, a 5xx, a timeout, an unreadable answer."""

    reason = "provider_error"


class LoginThrottledError(LoginError):
    reason = "throttled"

    def __init__(self, message: str, *, retry_after_seconds: int, subject: str | None = None) -> None:
        super().__init__(message, subject=subject)
        self.retry_after_seconds = retry_after_seconds


def safe_next(raw: str | None) -> str:
    """The same-origin path to return to (``HOME`` when none is asked for), or ``UnsafeNextError``.

    Only a path is accepted (``/consultations?x=1#top``), never a URL with a
    scheme or host, a protocol-relative ``//host``, a backslash, control
    characters or an encoded slash right after the first one.
    """
    if raw is None or raw == "":
        return HOME
    if len(raw) > MAX_NEXT_LENGTH:
        raise UnsafeNextError("The return address is too long.")
    if _NEXT_RE.fullmatch(raw) is None or "\\" in raw:
        raise UnsafeNextError("After signing in we can only return to a page of this site.")
    lowered = raw.lower()
    if lowered.startswith(("/%2f", "/%5c")):
        raise UnsafeNextError("After signing in we can only return to a page of this site.")
    return raw


def home_path(role: Role) -> str:
    """The signed-in person's own start page: the attorney console, the operations console, or
    the resident's list of their consultations (which leads to a new request)."""
    return HOME_PATHS[role]


def landing_path(stored_next: str, role: Role) -> str:
    """Where the callback sends the browser: the asked-for path, or the person's home."""
    return home_path(role) if stored_next == HOME else stored_next


@dataclass(frozen=True)
class ProviderIdentity:
    """The person as a provider identified them. ``name`` and ``phone`` are personal data."""

    provider: Provider
    user_id: str
    name: str | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        if not self.user_id or len(self.user_id) > 128 or not self.user_id.isprintable():
            raise ProviderError("The provider did not tell us who you are.", reason="provider_bad_identity")

    @property
    def subject(self) -> str:
        return subject_of(self.provider, self.user_id)


class ProviderClient(Protocol):
    """One identity provider's OAuth client (``adapters/oauth_providers.py``): the URL to send the
    browser to, and the identity behind the code it comes back with."""

    client_id: str

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str,
                      login_hint: str | None = None) -> str: ...

    def identify(self, *, code: str, redirect_uri: str, state: str, code_verifier: str) -> ProviderIdentity: ...


def role_for(subject: str, admin_subjects: Collection[str], attorney_id: str | None) -> Role:
    """Admins come from the stage's list; a linked attorney profile makes an attorney."""
    if subject in admin_subjects:
        return Role.ADMIN
    if attorney_id is not None:
        return Role.ATTORNEY
    return Role.RESIDENT


def provider_of(value: str) -> Provider:
    try:
        return Provider(value)
    except ValueError:
        raise UnknownProviderError("Sign in with Kakao or Naver.") from None


@dataclass(frozen=True)
class Client:
    """Where a request came from, for the login history (no other use)."""

    ip: str
    user_agent: str

    MAX_AGENT = 512

    @classmethod
    def of(cls, ip: str | None, user_agent: str | None) -> Client:
        agent = "".join(ch for ch in (user_agent or "") if ch.isprintable())
        return cls(ip=(ip or "unknown")[:64], user_agent=agent[:cls.MAX_AGENT])


class ProviderSecrets(Protocol):
    """The stage's provider secrets by name (client secrets, Kakao's admin key, hash keys)."""

    def get(self, name: str) -> str: ...


class AccountUnlinker(Protocol):
    """A provider that can disconnect our app from a person's account with the app's admin key."""

    def unlink(self, user_id: str, admin_key: str) -> bool: ...


class KakaoAccounts(ProviderClient, AccountUnlinker, Protocol):
    """Kakao's client: sign-in, and disconnecting our app from a leaving person's account."""

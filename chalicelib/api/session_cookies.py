"""The cookies of a browser session (CONTRACT.md "Sessions").

On every HTTPS stage the cookies carry the ``__Host-`` prefix: ``Secure``,
``Path=/`` and no ``Domain``, so neither a sibling subdomain nor a plain-HTTP
page can plant or overwrite one (browsers refuse such a cookie otherwise).
The ``local`` stage runs over plain HTTP and keeps the contract's plain names
(``session``, ``csrf``, ``refresh``, ``login``; ``Path=/``, no ``Secure``),
so plain HTTP clients (curl, ``requests``) keep working there. The server
reads only the names of its own stage (``CookieNames.of``): on an HTTPS stage
an unprefixed ``session`` or ``csrf`` cookie is ignored.

- ``session``: the access JWT; HttpOnly, SameSite=Lax, lives as long as the
  token (so an expired token is never sent).
- ``csrf``: random, readable by the page's script (the page names it in
  ``<meta name="csrf-cookie">``), echoed in ``X-CSRF-Token`` on state-changing
  requests (double submit; ``api/guard.py``).
- ``refresh``: the opaque refresh token; HttpOnly, SameSite=Strict (a
  ``__Host-`` cookie cannot be limited to ``/auth/``; the refresh token is
  accepted only by ``/auth/refresh`` and ``/auth/logout``).
- ``login``: the pending sign-in, signed (``services/login.py``), binding it
  to this browser; HttpOnly, SameSite=Lax (it must come back on the
  provider's redirect), 10 minutes; cleared by the callback.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from http.cookies import CookieError, SimpleCookie

from chalice.app import Request

from chalicelib.domain.sessions import Tokens
from chalicelib.settings import Settings

HOST_PREFIX = "__Host-"


@dataclass(frozen=True)
class CookieNames:
    """The session cookies' names on one stage, and whether they are ``Secure``."""

    session: str
    csrf: str
    refresh: str
    login: str
    secure: bool

    @classmethod
    def of(cls, settings: Settings) -> CookieNames:
        prefix = HOST_PREFIX if settings.secure_cookies else ""
        return cls(session=f"{prefix}session", csrf=f"{prefix}csrf", refresh=f"{prefix}refresh",
                   login=f"{prefix}login", secure=settings.secure_cookies)

    def cookie(self, name: str, value: str, *, max_age: int, http_only: bool = True,
               same_site: str = "Lax") -> str:
        assert name.startswith(HOST_PREFIX) == self.secure, name  # __Host- is valid only with Secure
        parts = [f"{name}={value}", "Path=/", f"Max-Age={max(0, max_age)}", f"SameSite={same_site}"]
        if self.secure:
            parts.append("Secure")
        if http_only:
            parts.append("HttpOnly")
        return "; ".join(parts)

    def session_cookies(self, tokens: Tokens, now: datetime, *, csrf: str | None = None,
                        with_refresh: bool = True) -> list[str]:
        access_age = int((tokens.access_expires_at - now).total_seconds())
        refresh_age = int((tokens.refresh_expires_at - now).total_seconds())
        jar = [self.cookie(self.session, tokens.access_token, max_age=access_age),
               self.cookie(self.csrf, csrf or secrets.token_urlsafe(32), max_age=refresh_age,
                           http_only=False)]
        if with_refresh and tokens.refresh_token:
            jar.append(self.cookie(self.refresh, tokens.refresh_token, max_age=refresh_age,
                                   same_site="Strict"))
        return jar

    def cleared(self) -> list[str]:
        return [self.cookie(self.session, "", max_age=0),
                self.cookie(self.csrf, "", max_age=0, http_only=False),
                self.cookie(self.refresh, "", max_age=0, same_site="Strict")]

    def login_cookie(self, value: str, max_age: int) -> str:
        return self.cookie(self.login, value, max_age=max_age)

    def login_cleared(self) -> str:
        return self.cookie(self.login, "", max_age=0)


def cookies(request: Request) -> dict[str, str]:
    """The request's cookies by name (none if the header does not parse)."""
    raw = request.headers.get("cookie") or ""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def read(request: Request, name: str) -> str | None:
    return cookies(request).get(name) or None

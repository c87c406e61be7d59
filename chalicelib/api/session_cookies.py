"""The cookies of a browser session (CONTRACT.md "Sessions").

- ``session``: the access JWT; HttpOnly, SameSite=Lax, Path=/, lives as long
  as the token (so an expired token is never sent).
- ``csrf``: random, readable by the page's script, echoed in ``X-CSRF-Token``
  on state-changing requests (double submit; see ``api/guard.py``).
- ``refresh``: the opaque refresh token; HttpOnly, SameSite=Strict, sent only
  to ``/auth/`` (refresh and logout).
- ``login``: the pending sign-in, signed (``services/login.py``), binding it
  to this browser; HttpOnly, SameSite=Lax (it must come back on the
  provider's redirect), ``/auth/``, 10 minutes; cleared by the callback.

``Secure`` everywhere outside the ``local`` stage.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from chalice.app import Request

from chalicelib.api.guard import cookies
from chalicelib.domain.sessions import Tokens

SESSION, CSRF, REFRESH, LOGIN = "session", "csrf", "refresh", "login"


def cookie(name: str, value: str, *, max_age: int, secure: bool, http_only: bool = True,
           same_site: str = "Lax", path: str = "/") -> str:
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max(0, max_age)}", f"SameSite={same_site}"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def session_cookies(tokens: Tokens, now: datetime, *, secure: bool, csrf: str | None = None,
                    with_refresh: bool = True) -> list[str]:
    access_age = int((tokens.access_expires_at - now).total_seconds())
    refresh_age = int((tokens.refresh_expires_at - now).total_seconds())
    jar = [cookie(SESSION, tokens.access_token, max_age=access_age, secure=secure),
           cookie(CSRF, csrf or secrets.token_urlsafe(32), max_age=refresh_age, secure=secure, http_only=False)]
    if with_refresh and tokens.refresh_token:
        jar.append(cookie(REFRESH, tokens.refresh_token, max_age=refresh_age, secure=secure,
                          same_site="Strict", path="/auth/"))
    return jar


def cleared(*, secure: bool) -> list[str]:
    return [cookie(SESSION, "", max_age=0, secure=secure),
            cookie(CSRF, "", max_age=0, secure=secure, http_only=False),
            cookie(REFRESH, "", max_age=0, secure=secure, same_site="Strict", path="/auth/")]


def login_cookie(value: str, max_age: int, *, secure: bool) -> str:
    return cookie(LOGIN, value, max_age=max_age, secure=secure, path="/auth/")


def login_cleared(*, secure: bool) -> str:
    return cookie(LOGIN, "", max_age=0, secure=secure, path="/auth/")


def read(request: Request, name: str) -> str | None:
    return cookies(request).get(name) or None

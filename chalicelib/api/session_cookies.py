"""The cookies of a browser session (CONTRACT.md "Sessions").

Every cookie is a ``__Host-`` cookie: ``Secure``, ``Path=/`` and no
``Domain``, so neither a sibling subdomain nor a plain-HTTP page can plant or
overwrite one (browsers refuse such a cookie otherwise). Browsers treat
``http://127.0.0.1`` and ``http://localhost`` as secure, so the local stage
uses the same cookies (Chromium keeps and sends them there).

- ``__Host-session``: the access JWT; HttpOnly, SameSite=Lax, lives as long
  as the token (so an expired token is never sent).
- ``__Host-csrf``: random, readable by the page's script, echoed in
  ``X-CSRF-Token`` on state-changing requests (double submit; ``api/guard.py``).
- ``__Host-refresh``: the opaque refresh token; HttpOnly, SameSite=Strict
  (a ``__Host-`` cookie cannot be limited to ``/auth/``; the refresh token
  is accepted only by ``/auth/refresh`` and ``/auth/logout``).
- ``__Host-login``: the pending sign-in, signed (``services/login.py``),
  binding it to this browser; HttpOnly, SameSite=Lax (it must come back on
  the provider's redirect), 10 minutes; cleared by the callback.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from chalice.app import Request

from chalicelib.api.guard import CSRF_COOKIE as CSRF
from chalicelib.api.guard import SESSION_COOKIE as SESSION
from chalicelib.api.guard import cookies
from chalicelib.domain.sessions import Tokens


REFRESH, LOGIN = "__Host-refresh", "__Host-login"


def cookie(name: str, value: str, *, max_age: int, http_only: bool = True, same_site: str = "Lax") -> str:
    assert name.startswith("__Host-"), name
    parts = [f"{name}={value}", "Path=/", f"Max-Age={max(0, max_age)}", f"SameSite={same_site}", "Secure"]
    if http_only:
        parts.append("HttpOnly")
    return "; ".join(parts)


def session_cookies(tokens: Tokens, now: datetime, *, csrf: str | None = None,
                    with_refresh: bool = True) -> list[str]:
    access_age = int((tokens.access_expires_at - now).total_seconds())
    refresh_age = int((tokens.refresh_expires_at - now).total_seconds())
    jar = [cookie(SESSION, tokens.access_token, max_age=access_age),
           cookie(CSRF, csrf or secrets.token_urlsafe(32), max_age=refresh_age, http_only=False)]
    if with_refresh and tokens.refresh_token:
        jar.append(cookie(REFRESH, tokens.refresh_token, max_age=refresh_age, same_site="Strict"))
    return jar


def cleared() -> list[str]:
    return [cookie(SESSION, "", max_age=0),
            cookie(CSRF, "", max_age=0, http_only=False),
            cookie(REFRESH, "", max_age=0, same_site="Strict")]


def login_cookie(value: str, max_age: int) -> str:
    return cookie(LOGIN, value, max_age=max_age)


def login_cleared() -> str:
    return cookie(LOGIN, "", max_age=0)


def read(request: Request, name: str) -> str | None:
    return cookies(request).get(name) or None

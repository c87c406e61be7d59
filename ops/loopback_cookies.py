"""Cookies of the local stage for HTTP clients that are not browsers (``requests``).

The app's cookies are ``__Host-`` cookies, so ``Secure``. Browsers treat
``http://127.0.0.1`` and ``http://localhost`` as secure and send them there;
Python's cookie jar sends ``Secure`` cookies over HTTPS only. This policy
lets a client of the local stage (``scripts/load``, tests) do what a browser
does -- on loopback addresses only.
"""

from __future__ import annotations

from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class LoopbackSecureCookies(DefaultCookiePolicy):
    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        if cookie.secure and urlsplit(request.get_full_url()).hostname in LOOPBACK:
            return True
        return super().return_ok_secure(cookie, request)


def browser_like(session: Any) -> Any:
    """``session`` (a ``requests.Session``) sending the local stage's cookies as a browser would."""
    session.cookies.set_policy(LoopbackSecureCookies())
    return session

"""A browser's cookie jar for HTTP clients of the local stage that are not browsers.

The app's cookies are ``__Host-`` cookies, so ``Secure``. Browsers treat
``http://127.0.0.1`` and ``http://localhost`` as secure and keep and send
them there; Python's cookie jars (and so ``requests``) send a ``Secure``
cookie over HTTPS only. ``LoopbackJar`` keeps the cookies as a browser would
for a loopback origin (``scripts/load``, tests), and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urljoin, urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class LoopbackJar:
    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.cookies.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.cookies.values()))

    def headers_for(self, url: str) -> dict[str, str]:
        """The ``Cookie`` header for a request to ``url`` (only a loopback origin gets any)."""
        if urlsplit(url).hostname not in LOOPBACK or not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def take(self, url: str, response: Any) -> None:
        """Keep (or drop, for ``Max-Age=0``) the cookies a loopback origin's response sets."""
        if urlsplit(url).hostname not in LOOPBACK:
            return
        for line in response.raw.headers.getlist("Set-Cookie") if response.raw is not None else []:
            for morsel in SimpleCookie(line).values():
                if morsel["max-age"] == "0":
                    self.cookies.pop(morsel.key, None)
                else:
                    self.cookies[morsel.key] = morsel.value

    def request(self, http: Any, method: str, url: str, *, follow: bool = False, **kwargs: Any) -> Any:
        """``http.request`` (a ``requests.Session``) with this jar's cookies; ``follow``: redirects too."""
        headers = dict(kwargs.pop("headers", None) or {})
        for _ in range(10):
            response = http.request(method, url, headers={**headers, **self.headers_for(url)},
                                    allow_redirects=False, **kwargs)
            self.take(url, response)
            if not (follow and response.is_redirect):
                return response
            method, url, kwargs = "GET", urljoin(url, response.headers["Location"]), \
                {k: v for k, v in kwargs.items() if k == "timeout"}
        raise RuntimeError(f"too many redirects from {url}")

"""Security headers on every response (pages and API alike)."""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Request, Response

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; media-src 'self' blob:; font-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def csp(attachments_origin: str = "") -> str:
    """The policy; the attachments bucket's origin may take uploads and serve images."""
    if not attachments_origin:
        return CSP
    return CSP.replace("img-src 'self' data:", f"img-src 'self' data: {attachments_origin}") \
        .replace("connect-src 'self'", f"connect-src 'self' {attachments_origin}")


def security_headers(event: Request, get_response: Callable[[Request], Response]) -> Response:
    from chalicelib.api.endpoint import current_container  # imported with the first response, not at a cold start

    response = get_response(event)
    headers = response.headers
    headers.setdefault("Content-Security-Policy", csp(current_container().settings.attachments_origin))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_container().settings.secure_cookies:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response

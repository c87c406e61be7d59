"""Addresses no route serves (CONTRACT.md "pages for unknown paths").

API Gateway answers them itself, before any function runs: on AWS with the
gateway responses ``ops/deploy.py`` adds to the packaged template (their
bodies come from ``gateway_bodies`` here), locally with ``ops/local_app.py``,
which asks ``missing_route`` for the answer. A browser (``Accept: text/html``)
gets the site's 404 page in the person's language; any other client the API's
error shape, 404 ``not_found``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalice.app import Request, Response

NOT_FOUND_MESSAGE = "There is nothing at this address."
HTML = "text/html"
JSON = "application/json"


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def wants_html(accept: str | None) -> bool:
    """A browser's navigation asks for ``text/html``; scripts and API clients ask for JSON (or
    nothing). HTML wins only when it is accepted at least as much as JSON."""
    html = json_q = 0.0
    for part in (accept or "").split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        if media in (HTML, "application/xhtml+xml"):
            html = max(html, _quality(params))
        elif media == JSON:
            json_q = max(json_q, _quality(params))
    return html > 0 and html >= json_q


def request_for(method: str, target: str, headers: Mapping[str, str]) -> Request:
    """A Chalice request for an address no route matched (for the page helpers)."""
    parts = urlsplit(target)
    query = parse_qs(parts.query) or None
    event: dict[str, Any] = {
        "multiValueQueryStringParameters": query, "headers": {k.lower(): v for k, v in headers.items()},
        "pathParameters": None, "requestContext": {"httpMethod": method.upper(), "resourcePath": parts.path},
        "body": None, "isBase64Encoded": False, "stageVariables": None,
    }
    return Request(event)


def not_found_json() -> Response:
    return Response(body=json.dumps({"error": {"code": "not_found", "message": NOT_FOUND_MESSAGE}}),
                    status_code=404, headers={"Content-Type": JSON, "Cache-Control": "no-store"})


def missing_route(method: str, target: str, headers: Mapping[str, str]) -> Response:
    """The answer for ``method target`` when no route serves it: the HTML 404 page or the JSON error."""
    request = request_for(method, target, headers)
    if method.upper() in ("GET", "HEAD") and wants_html(request.headers.get("accept")):
        from chalicelib.web.html import html_page

        return html_page(request, "not_found.html", status=404, missing_path=True)
    return not_found_json()


def gateway_bodies(phone: str) -> dict[str, dict[str, str]]:
    """API Gateway's own answers (no function runs, so no cookie is read): per response type, the
    body for browsers (both languages on one page, Korean first) and for API clients.

    API Gateway picks a gateway response's template by the request's ``Accept`` header
    (``application/json`` when it names none it has); the HTML templates are static (no ``$``).
    """
    from chalicelib.web import DEFAULT_LANGUAGE, render

    bodies = {}
    for kind, template, keys, code, message in (
            ("MISSING_AUTHENTICATION_TOKEN", "not_found.html", "pages.notfound", "not_found",
             NOT_FOUND_MESSAGE),
            ("ACCESS_DENIED", "forbidden.html", "pages.forbidden", "forbidden",
             "You may not use this address."),
            ("DEFAULT_4XX", "gateway_error.html", "gateway.error", "bad_request",
             "The request could not be handled.")):
        english = render("_error_text.html", "en", title_key=f"{keys}.title", body_key=f"{keys}.body")
        html = render(template, DEFAULT_LANGUAGE, fallback_phone=phone, shifted_now="", english=english)
        if "$" in html:
            raise ValueError(f"{template}: a gateway response template must not contain '$'")
        bodies[kind] = {JSON: json.dumps({"error": {"code": code, "message": message}}), HTML: html}
    return bodies

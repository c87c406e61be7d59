"""Response helpers shared by the IdP's blueprints: JSON, no-store, HTML pages, bearer tokens."""

from __future__ import annotations

import hmac
import html
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from flask import Response, jsonify, render_template, request
from markupsafe import Markup

# The pages carry no script and load nothing from elsewhere; their CSS is inline.
_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def json_response(body: object, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def no_store_json(body: object, status: int = 200) -> Response:
    return no_store(json_response(body, status))


def html_page(template: str, status: int = 200, **context: Any) -> Response:
    """Render ``templates/<template>`` (which extends ``base.html``) as a page nobody may cache or frame."""
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = _PAGE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return no_store(response)


def escape_output(value: object) -> object:
    """Jinja ``finalize``: escape every printed value with ``html.escape`` (``&quot;``, ``&#x27;``).

    The same entities as the pages had before they were templates, which scripts that read the
    hidden form fields back (the tests do) expect; markup already marked safe passes unchanged.
    """
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value)))


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def same_secret(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def with_query(uri: str, params: Iterable[tuple[str, str]]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params)
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))

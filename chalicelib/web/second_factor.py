"""The staff second factor's pages (the JSON side is ``chalicelib/api/second_factor.py``).

- ``GET /second-factor``: the page a staff member lands on after the provider's
  callback: enter the code, or first set up an authenticator app.
- ``GET /step-up``: where a page goes on ``step_up_required`` (a fresh code for
  staff, a new sign-in for residents), back to ``next`` after.
"""

from __future__ import annotations

from urllib.parse import urlencode

from chalice.app import Response

from chalicelib.api.endpoint import page
from chalicelib.api.errors import ApiBlueprint, UnauthorizedError
from chalicelib.api.guard import current_principal
from chalicelib.domain.identity import Role
from chalicelib.domain.login import UnsafeNextError, safe_next
from chalicelib.web.html import html_page, page_language, script_messages

bp = ApiBlueprint(__name__)


@page(bp, "/second-factor")
def second_factor_page() -> Response:
    request = bp.current_request
    try:
        target = safe_next((request.query_params or {}).get("next"))
    except UnsafeNextError:
        target = "/"
    lang, _ = page_language(request)
    try:
        principal = current_principal(request, allow_pending=True)
    except UnauthorizedError:
        return html_page(request, "signin_required.html", status=401, next_path=target, try_refresh=False,
                         messages=script_messages(lang))
    if principal.role not in (Role.ATTORNEY, Role.ADMIN):
        return html_page(request, "forbidden.html", status=403)
    if target == "/":
        target = "/attorney" if principal.role is Role.ATTORNEY else "/admin"
    again = (request.query_params or {}).get("again") == "1"  # a step-up: ask even if verified
    return html_page(request, "second_factor.html", next_path=target, again=again, labels={},
                     messages=script_messages(lang), role=principal.role.value, signed_in=True)


@page(bp, "/step-up")
def step_up() -> Response:
    """Where a page sends a person asked to prove it is them (``step_up_required``): staff to a fresh
    second-factor code, residents to sign in again; both come back to ``next``."""
    request = bp.current_request
    try:
        target = safe_next((request.query_params or {}).get("next"))
    except UnsafeNextError:
        target = "/"
    try:
        principal = current_principal(request, allow_pending=True)
    except UnauthorizedError:
        lang, _ = page_language(request)
        return html_page(request, "signin_required.html", status=401, next_path=target, try_refresh=False,
                         messages=script_messages(lang))
    if principal.role in (Role.ATTORNEY, Role.ADMIN):
        location = "/second-factor?" + urlencode({"next": target, "again": "1"})
    else:
        location = f"/auth/{principal.provider.value}/login?" + urlencode({"next": target})
    return Response(body="", status_code=302, headers={"Location": location, "Cache-Control": "no-store"})

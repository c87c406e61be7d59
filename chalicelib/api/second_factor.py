"""The staff second factor at the HTTP edge (CONTRACT.md "staff second factor").

- ``GET /second-factor``: the page a staff member lands on after the provider's
  callback: enter the code, or first set up an authenticator app.
- ``GET /auth/second-factor``: where this session stands (and, while enrolling,
  the ``otpauth://`` URI and secret to set the app up with).
- ``POST /auth/second-factor`` ``{"code"}``: accept a code (cookie session with
  ``X-CSRF-Token``, or Bearer); from then on the session's tokens work in full.
- ``GET /step-up``: where a page goes on ``step_up_required`` (a fresh code for
  staff, a new sign-in for residents), back to ``next`` after.
"""

from __future__ import annotations

from urllib.parse import urlencode

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.endpoint import operation
from chalicelib.api.endpoint import page as page_route  # this module's view of /second-factor is named page
from chalicelib.api.errors import ApiBlueprint, ForbiddenError, TooManyRequestsError, UnauthorizedError
from chalicelib.api.guard import client_of, current_principal
from chalicelib.api.http import json_response, parse_body
from chalicelib.composition import Container
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.login import LoginThrottledError, UnsafeNextError, safe_next
from chalicelib.services.second_factor import NotStaffError

bp = ApiBlueprint(__name__)




class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=8, description="The 6 digits the authenticator app shows now")


class FactorStatusOut(BaseModel):
    enrolled: bool = Field(description="false: set up an authenticator app with `otpauth_uri` first")
    verified: bool = Field(description="true: this session passed its second factor")
    otpauth_uri: str | None = Field(None, description="While enrolling only: the app's setup URI")
    secret: str | None = Field(None, description="While enrolling only: the same secret, to type by hand")


class VerifiedOut(BaseModel):
    status: str = "verified"
    enrolled_now: bool


def _staff(principal: Principal) -> Principal:
    if principal.role not in (Role.ATTORNEY, Role.ADMIN):
        raise ForbiddenError("Only attorneys and admins use a second factor.", code="wrong_role")
    return principal


@operation(bp, "GET", "/auth/second-factor", "This staff session's second factor: enrolled, verified; "
           "while enrolling, the otpauth URI (staff)", tags=("auth",), responses={200: FactorStatusOut},
           auth=True, errors=(401, 403))
def factor_status(*, container: Container) -> Response:
    principal = _staff(current_principal(bp.current_request, allow_pending=True))
    status = container.second_factor.status(principal)
    return json_response(FactorStatusOut(enrolled=status.enrolled, verified=status.verified,
                                         otpauth_uri=status.otpauth_uri, secret=status.secret), private=True)


@operation(bp, "POST", "/auth/second-factor", "Enter the authenticator app's code: the staff session works "
           "in full from now on (wrong codes count toward the sign-in lockout)", tags=("auth",),
           request=CodeIn, responses={200: VerifiedOut}, auth=True, errors=(400, 401, 403, 409, 429))
def verify(*, container: Container) -> Response:
    request = bp.current_request
    principal = _staff(current_principal(request, allow_pending=True))
    body = parse_body(request, CodeIn)
    try:
        enrolled_now = container.second_factor.verify(principal, body.code, client_of(request))
    except LoginThrottledError as exc:
        raise TooManyRequestsError(exc.message, code="too_many_attempts",
                                   headers={"Retry-After": str(exc.retry_after_seconds)}) from None
    except NotStaffError:
        raise ForbiddenError("Only attorneys and admins use a second factor.", code="wrong_role") from None
    return json_response(VerifiedOut(enrolled_now=enrolled_now), private=True)


@page_route(bp, "/second-factor")
def page() -> Response:
    from chalicelib.api.pages import html_page, page_language
    from chalicelib.api.web_pages import script_messages

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


@page_route(bp, "/step-up")
def step_up() -> Response:
    """Where a page sends a person asked to prove it is them (``step_up_required``): staff to a fresh
    second-factor code, residents to sign in again; both come back to ``next``."""
    from chalicelib.api.pages import html_page, page_language
    from chalicelib.api.web_pages import script_messages

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

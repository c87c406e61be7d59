"""The staff second factor at the HTTP edge (CONTRACT.md "staff second factor").

- ``GET /auth/second-factor``: where this session stands (and, while enrolling,
  the ``otpauth://`` URI and secret to set the app up with).
- ``POST /auth/second-factor`` ``{"code"}``: accept a code (cookie session with
  ``X-CSRF-Token``, or Bearer); from then on the session's tokens work in full.

Its pages (``/second-factor``, ``/step-up``) are in ``chalicelib/web/second_factor.py``; an admin resets
an attorney's factor in ``admin_attorneys.py``.
"""

from __future__ import annotations

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint, ForbiddenError, TooManyRequestsError
from chalicelib.api.guard import client_of, current_principal
from chalicelib.api.http import json_response, parse_body
from chalicelib.composition import Container
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.login import LoginThrottledError
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

"""The resident's contact phone, verified with a one-time code (``services/phone_verification.py``).

- ``POST /api/me/phone-verification`` ``{"phone"}``: a code by SMS to that Korean mobile number
  → 202 ``{"expires_at", "minutes", "attempts"}``.
- ``POST /api/me/phone-verification/confirm`` ``{"phone", "code"}``: → 200 ``{"verified": true,
  "verified_until"}``; a wrong code → 400 ``invalid_phone_code`` with ``details.attempts_left``.
- ``POST /api/me/phone-verification/status`` ``{"phone"}``: → 200 ``{"verified"}``, whether I verified
  that number already (the intake form then asks for no new code); a POST so the number stays out of URLs.

The service's refusals go through the error table (``error_table.py``) like every other route's.
"""

from __future__ import annotations

from typing import Annotated

from chalice.app import Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint, request_language
from chalicelib.api.fields import korean_phone
from chalicelib.api.guard import current_principal
from chalicelib.api.http import json_response, parse_body
from chalicelib.api.me import local_time
from chalicelib.composition import Container

bp = ApiBlueprint(__name__)

Phone = Annotated[str, Field(min_length=9, max_length=20, description="A Korean mobile number, e.g. 010-2345-6789"),
                  AfterValidator(korean_phone)]


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: Phone


class PhoneCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: Phone
    code: str = Field(min_length=1, max_length=12, description="The 6 digits of the SMS")


class PhoneCodeSentOut(BaseModel):
    status: str = "sent"
    expires_at: str = Field(description="Enter the code before this time")
    minutes: int = Field(description="How many minutes the code works")
    attempts: int = Field(description="How many times a code may be tried")


class PhoneVerifiedOut(BaseModel):
    verified: bool = True
    verified_until: str


class PhoneStateOut(BaseModel):
    verified: bool = Field(description="Whether I verified this number (SMS about my consultations go to it)")


@operation(bp, "POST", "/api/me/phone-verification", "Send a one-time code by SMS to my Korean mobile number "
           "(codes per account and per number per day are limited)", tags=("me",), request=PhoneIn,
           responses={202: PhoneCodeSentOut}, auth=True, errors=(400, 401, 413, 415, 429))
def send_code(*, container: Container) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    body = parse_body(request, PhoneIn)
    sent = container.phone_verification.send_code(principal, body.phone, request_language(request))
    return json_response(PhoneCodeSentOut(expires_at=local_time(sent.expires_at), minutes=sent.minutes,
                                          attempts=sent.attempts), 202,
                         private=True)


@operation(bp, "POST", "/api/me/phone-verification/confirm", "Enter the SMS code: the number is verified for "
           "messages about my consultations", tags=("me",), request=PhoneCodeIn, responses={200: PhoneVerifiedOut},
           auth=True, errors=(400, 401, 413, 415))
def confirm(*, container: Container) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    body = parse_body(request, PhoneCodeIn)
    until = container.phone_verification.confirm(principal, body.phone, body.code.strip())
    return json_response(PhoneVerifiedOut(verified_until=local_time(until)), private=True)


@operation(bp, "POST", "/api/me/phone-verification/status", "Whether I verified this number already (no code "
           "is sent)", tags=("me",), request=PhoneIn, responses={200: PhoneStateOut}, auth=True,
           errors=(400, 401, 413, 415))
def status(*, container: Container) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    body = parse_body(request, PhoneIn)
    verified = container.phone_verification.is_verified(principal.subject, body.phone)
    return json_response(PhoneStateOut(verified=verified), private=True)

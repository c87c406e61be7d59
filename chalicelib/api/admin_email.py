"""Admin: attorneys whose e-mail is failing (bounces, complaints, suppression), and clearing one
after the address has been checked. Thin adapters over ``services/email_health``."""

from __future__ import annotations

from datetime import datetime

from chalice.app import Response
from pydantic import BaseModel, Field

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import client_of, require_role
from chalicelib.api.http import json_response
from chalicelib.api.pages import page_language
from chalicelib.composition import Container
from chalicelib.domain.identity import Role
from chalicelib.services import email_health
from chalicelib.web import Translator

bp = ApiBlueprint(__name__)




class EmailFailureOut(BaseModel):
    attorney_id: str
    reason: str = Field(description="bounce, complaint or suppressed")
    since: datetime


class EmailFailuresOut(BaseModel):
    count: int = Field(description="How many attorneys get no e-mail until an admin clears them.")
    message: str = Field(description="The console's line, in the page language; empty when none fail.")
    items: list[EmailFailureOut]


class EmailClearedOut(BaseModel):
    attorney_id: str
    cleared: bool = Field(description="false when the attorney's e-mail was not marked as failing")


@operation(bp, "GET", "/api/admin/email-failures", "Attorneys whose e-mail is failing (bounce, complaint, "
           "suppression): they get no e-mail until cleared (admins)", tags=("admin",),
           responses={200: EmailFailuresOut}, auth=True, errors=(403,))
def email_failures(*, container: Container) -> Response:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    failures = container.email_failures.failing()
    lang, _ = page_language(request)
    message = Translator(lang)("attorney_email.console.failing", count=len(failures)) if failures else ""
    return json_response(EmailFailuresOut(
        count=len(failures), message=message,
        items=[EmailFailureOut(attorney_id=f.attorney_id, reason=f.reason.value, since=f.since)
               for f in failures]), private=True)


@operation(bp, "POST", "/api/admin/attorneys/{attorney_id}/email-clear", "Send e-mail to an attorney again "
           "after their address was checked (admins)", tags=("admin",),
           responses={200: EmailClearedOut}, auth=True, errors=(403, 404))
def clear_email(attorney_id: str, *, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN)
    path_ids.attorney_id(attorney_id, missing=email_health.UnknownAttorneyForEmailError)
    cleared = container.email_failures.clear(admin, attorney_id, client_of(request).ip)
    return json_response(EmailClearedOut(attorney_id=attorney_id, cleared=cleared), private=True)

"""Admin: attorneys whose e-mail is failing (bounces, complaints, suppression). Clearing one after the
address was checked is the attorney's own route (``admin_attorneys``). A thin adapter over
``services/email_health``."""

from __future__ import annotations

from datetime import datetime

from chalice.app import Response
from pydantic import BaseModel, Field

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import require_role
from chalicelib.api.http import json_response
from chalicelib.composition import Container
from chalicelib.domain.identity import Role
from chalicelib.web import Translator
from chalicelib.web.html import page_language

bp = ApiBlueprint(__name__)




class EmailFailureOut(BaseModel):
    attorney_id: str
    reason: str = Field(description="bounce, complaint or suppressed")
    since: datetime


class EmailFailuresOut(BaseModel):
    count: int = Field(description="How many attorneys get no e-mail until an admin clears them.")
    message: str = Field(description="The console's line, in the page language; empty when none fail.")
    items: list[EmailFailureOut]


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

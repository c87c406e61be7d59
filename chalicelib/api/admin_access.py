"""Admin: the staff access log, and invite codes that link an attorney profile to an account."""

from __future__ import annotations

import re
from datetime import date

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import client_of, require_role
from chalicelib.api.http import json_response, parse_query
from chalicelib.api.me import local_time
from chalicelib.composition import Container
from chalicelib.domain.identity import Role

bp = ApiBlueprint(__name__)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class AccessLogQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: date | None = Field(None, alias="from",
                               description="First day (YYYY-MM-DD, Asia/Seoul); default: 6 days before 'to'")
    end: date | None = Field(None, alias="to", description="Last day (YYYY-MM-DD); default: today")
    actor: str | None = Field(None, max_length=200, description="Only this staff member (subject)")
    owner: str | None = Field(None, max_length=200, description="Only records of this person (subject)")
    limit: int = Field(200, ge=1, le=1000)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        # pydantic would read "0" or "1700000000" as a Unix time: only the documented form is a date
        if value is None or (isinstance(value, str) and _DATE.match(value)):
            return value
        raise PydanticCustomError("date_format", "Give the date as YYYY-MM-DD, e.g. 2026-12-01.")

    @model_validator(mode="after")
    def _order(self) -> AccessLogQuery:
        if self.start and self.end and self.end < self.start:
            raise ValueError("'to' must not be before 'from'")
        return self


class AccessEntry(BaseModel):
    at: str
    actor: str
    actor_role: str
    actor_name: str | None = Field(None, description="The attorney's display name on the roster (null for "
                                                     "admins and unknown subjects).")
    owner: str
    owner_name: str | None = Field(None, description="For entries about an attorney profile: its display name.")
    record: str
    action: str
    ip: str


class AccessLogView(BaseModel):
    items: list[AccessEntry]


class InviteView(BaseModel):
    code: str = Field(description="Shown once: give it to the attorney, who redeems it after signing in")
    attorney_id: str
    expires_at: str


@operation(bp, "GET", "/api/admin/access-log", "Staff access to personal data (who, when, whose, what)",
           tags=("admin",), query=AccessLogQuery, responses={200: AccessLogView}, auth=True, errors=(403,))
def access_log_entries(*, container: Container) -> Response:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    query = parse_query(request, AccessLogQuery)
    found = container.access_log.read(start=query.start, end=query.end, actor=query.actor, owner=query.owner,
                                      limit=query.limit)
    events, names = found.events, found.names
    items = [AccessEntry(at=local_time(e.at), actor=e.actor, actor_role=e.actor_role, actor_name=names.get(e.actor),
                         owner=e.owner, owner_name=names.get(e.owner), record=e.record, action=e.action, ip=e.ip)
             for e in events]
    return json_response(AccessLogView(items=items), private=True)


@operation(bp, "POST", "/api/admin/attorneys/{attorney_id}/invites",
           "A one-time invite code linking this attorney profile to the account that redeems it",
           tags=("admin",), responses={201: InviteView}, auth=True, errors=(403, 404))
def create_invite(attorney_id: str, *, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    invite = container.accounts.invite_attorney(admin, attorney_id, client_of(request))
    return json_response(InviteView(code=invite.code, attorney_id=invite.attorney_id,
                                    expires_at=local_time(invite.expires_at)), 201, private=True)

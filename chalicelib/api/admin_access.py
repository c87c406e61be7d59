"""Admin: staff access to personal data: the access log and the monthly review (``services/access_review.py``)."""

from __future__ import annotations

import re
from datetime import date

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import require_role
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


# --- the monthly review -----------------------------------------------------------------------------

class ReviewQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: str | None = Field(None, pattern=r"^20\d\d-(0[1-9]|1[0-2])$",
                              description="YYYY-MM (Asia/Seoul, 2000-2099); default: last month")


class StaffMonthOut(BaseModel):
    actor: str
    actor_role: str
    accesses: int
    actions: dict[str, int]
    people: int = Field(description="How many different people's data they read")
    first: str
    last: str


class RightsChangeOut(BaseModel):
    at: str
    actor: str
    record: str
    action: str


class ReviewOut(BaseModel):
    month: str
    total: int
    staff: list[StaffMonthOut]
    rights_changes: list[RightsChangeOut]
    truncated: bool


@operation(bp, "GET", "/api/admin/access-review", "The month's staff access, per staff member, for the "
           "monthly review (admins)", tags=("admin",), query=ReviewQuery, responses={200: ReviewOut},
           auth=True, errors=(400, 403))
def monthly_review(*, container: Container) -> Response:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    query = parse_query(request, ReviewQuery)
    year, month = (int(part) for part in query.month.split("-")) if query.month else (None, None)
    found = container.access_review.review(year, month)
    return json_response(ReviewOut(
        month=found.month, total=found.total, truncated=found.truncated,
        staff=[StaffMonthOut(actor=s.actor, actor_role=s.actor_role, accesses=s.accesses, actions=s.actions,
                             people=s.people, first=local_time(s.first), last=local_time(s.last))
               for s in found.staff],
        rights_changes=[RightsChangeOut(at=local_time(e.at), actor=e.actor, record=e.record, action=e.action)
                        for e in found.rights_changes]), private=True)

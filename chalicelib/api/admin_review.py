"""Admin: the monthly review of staff access (``services/access_review.py``)."""

from __future__ import annotations

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import require_role
from chalicelib.api.http import json_response, parse_query
from chalicelib.api.me import local_time
from chalicelib.composition import Container
from chalicelib.domain.identity import Role

bp = ApiBlueprint(__name__)


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


__all__ = ["bp"]

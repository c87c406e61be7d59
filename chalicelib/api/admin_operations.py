"""Admin: the operations queue (``GET /api/admin/consultations``): what waits, what real time could
not place, what was booked and has no outcome, and whose messages wait for an answer.

Codes and times only: no names, phones or free text of residents (open a consultation for those).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import require_role
from chalicelib.api.http import json_response, parse_query
from chalicelib.api.openapi import spec
from chalicelib.composition import get_container
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Role

bp = ApiBlueprint(__name__)

Flag = Literal["waiting", "realtime_failed", "booked_without_outcome", "unanswered"]


class OperationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flag: Flag | None = Field(None, description="Only consultations with this flag.")
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                              description="Month of intake (YYYY-MM, Korea time); default this and last month.")


class OperationsItemOut(BaseModel):
    id: str
    status: Status
    category: str
    region: str
    mode: Mode
    method: Method
    created_at: datetime
    attorney_id: str | None
    attorney_name: str | None
    booking_start: datetime | None
    unanswered_since: datetime | None = Field(description="Since when the resident's message waits.")
    flags: list[Flag]


class OperationsCounts(BaseModel):
    waiting: int
    realtime_failed: int
    booked_without_outcome: int
    unanswered: int


class OperationsQueueOut(BaseModel):
    items: list[OperationsItemOut]
    counts: OperationsCounts


@spec.operation("GET", "/api/admin/consultations", "The operations queue: open consultations that need "
                "staff attention, oldest first, with their flags (admins)", tags=("admin",), query=OperationsQuery,
                responses={200: OperationsQueueOut}, auth=True, errors=(400, 403))
@bp.route("/api/admin/consultations", methods=["GET"])
def operations_queue() -> object:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    query = parse_query(request, OperationsQuery)
    container = get_container()
    items, counts = container.operations.items(query.month, query.flag)
    local = container.calendar.to_local
    out = [OperationsItemOut(id=i.consultation.id, status=i.consultation.status, category=i.consultation.category,
                        region=i.consultation.region, mode=i.consultation.mode, method=i.consultation.method,
                        created_at=local(i.consultation.created_at), attorney_id=i.consultation.attorney_id,
                        attorney_name=i.attorney_name,
                        booking_start=local(i.booking_start) if i.booking_start else None,
                        unanswered_since=local(i.unanswered_since) if i.unanswered_since else None,
                        flags=list(i.flags)) for i in items]
    return json_response(OperationsQueueOut(items=out, counts=OperationsCounts(**counts)), private=True)

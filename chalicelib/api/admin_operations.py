"""Admin: the consultations and their statistics.

- the operations queue (``GET /api/admin/consultations``): what waits, what real time could not place,
  what was booked and has no outcome, and whose messages wait for an answer;
- assigning a consultation to a named attorney, with a reason (``matching.manual_assignment``; the
  load moves);
- a month's statistics (JSON or CSV), and a range of months as a spreadsheet.

Codes and times only: no names, phones or free text of residents (open a consultation for those).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.api import path_ids
from chalicelib.api.consultations import ConsultationHeadOut
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import require_role
from chalicelib.api.http import json_response, parse_body, parse_query
from chalicelib.composition import Container
from chalicelib.domain.identity import Role
from chalicelib.services import statistics

bp = ApiBlueprint(__name__)


Flag = Literal["waiting", "realtime_failed", "booked_without_outcome", "unanswered"]


class OperationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flag: Flag | None = Field(None, description="Only consultations with this flag.")
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                              description="Month of intake (YYYY-MM, Korea time); default this and last month.")


class OperationsItemOut(ConsultationHeadOut):
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


@operation(bp, "GET", "/api/admin/consultations", "The operations queue: open consultations that need "
           "staff attention, oldest first, with their flags (admins)", tags=("admin",), query=OperationsQuery,
           responses={200: OperationsQueueOut}, auth=True, errors=(400, 403))
def operations_queue(*, container: Container) -> object:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    query = parse_query(request, OperationsQuery)
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


_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(None, alias="from", pattern=_MONTH, description="First month (YYYY-MM); default "
                                                                             "this month.")
    to: str | None = Field(None, pattern=_MONTH, description="Last month (YYYY-MM), at most 24 months after "
                                                             "'from'; default 'from'.")
    lang: Literal["ko", "en"] = Field("ko", description="Language of the headings and labels.")


@operation(bp, "GET", "/api/admin/stats/export", "The statistics of a range of months as a spreadsheet "
           "(admins): labels next to codes, per month, per attorney and per city", tags=("admin",),
           query=ExportQuery, auth=True, errors=(400, 403),
           media={200: {"text/csv": {"type": "string", "description": "UTF-8, with a BOM"}}})
def stats_csv(*, container: Container) -> Response:
    from chalicelib.web import catalogue
    from chalicelib.web.html import labels

    request = bp.current_request
    require_role(request, Role.ADMIN)
    query = parse_query(request, ExportQuery)
    t = catalogue(query.lang)
    headings = {k[4:]: v for k, v in t.items() if k.startswith("csv.")}
    sheet = container.stats_export.spreadsheet(query.from_, query.to, labels(query.lang), headings)
    name = f"maeul-stats-{sheet.months[0]}-{sheet.months[-1]}.csv"
    return Response(body="\ufeff" + sheet.csv, status_code=200,
                    headers={"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
                             "Content-Disposition": f'attachment; filename="{name}"'})


# --- reassignment -----------------------------------------------------------------------------------

class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attorney_id: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    reason: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=3, max_length=300)] = \
        Field(description="Why (kept with the assignment; no personal data).")


class ReassignOut(BaseModel):
    consultation_id: str
    attorney_id: str
    reason: dict[str, object]


@operation(bp, "POST", "/api/admin/consultations/{consultation_id}/reassign", "Assign a consultation to a "
           "named attorney, with a reason (admins)", tags=("matching", "admin"), request=ReassignIn,
           responses={200: ReassignOut}, auth=True, errors=(403, 404, 409, 415))
def reassign(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    path_ids.consultation_id(consultation_id)
    body = parse_body(request, ReassignIn)
    assignment = container.realtime_queue.reassign(consultation_id, body.attorney_id, body.reason)
    return json_response(ReassignOut(consultation_id=consultation_id, attorney_id=assignment.attorney_id,
                                     reason=assignment.reason.as_dict()), private=True)


# --- statistics -------------------------------------------------------------------------------------

class StatsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                              description="YYYY-MM (Korea time); default: this month.")
    format_: Literal["json", "csv"] = Field("json", alias="format", description="csv: a spreadsheet download.")


class CountOut(BaseModel):
    code: str
    count: int


class WaitingOut(BaseModel):
    mode: str
    measured: int = Field(description="Consultations measured: matched or booked, waiting from intake to the "
                                      "assignment.")
    median_minutes: float | None


class MessageCountOut(BaseModel):
    template: str
    channel: str
    result: str
    count: int


class StatsOut(BaseModel):
    month: str
    total: int
    by_category: list[CountOut]
    by_region: list[CountOut]
    by_mode: list[CountOut]
    by_method: list[CountOut]
    by_status: list[CountOut]
    outcomes: list[CountOut]
    recorded_outcomes: list[CountOut] = Field(description="Completed consultations by the outcome the attorney "
                                                          "recorded (advice_given, *_referral, follow_up_needed; "
                                                          "not_recorded).")
    satisfaction_answered: int = Field(description="Survey answers among the month's consultations.")
    satisfaction_average: float | None = Field(description="Their mean rating, 1 (poor) to 5 (very good).")
    by_rating: list[CountOut] = Field(description="Answers per rating, 5 to 1.")
    waiting: list[WaitingOut]
    messages: list[MessageCountOut] = Field(default_factory=list, description=(
        "Resident messages marked this month, per template, channel (alimtalk, sms, lms, sns-sms) and "
        "result (accepted, delivered, failed, limited, no_recipient)."))
    by_language: list[CountOut] = Field(description="Requests per consultation language (ko, ko-x-easy, vi, ...).")


@operation(bp, "GET", "/api/admin/stats", "A month's statistics by category, region, mode, method, "
           "language and status, with median waiting times (admins); ?format=csv for a spreadsheet",
           tags=("admin",), query=StatsQuery, responses={200: StatsOut}, auth=True, errors=(403,),
           media={200: {"text/csv": {"type": "string", "description": "format=csv: UTF-8, with a BOM"}}})
def month_stats(*, container: Container) -> Response:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    query = parse_query(request, StatsQuery)
    if query.format_ == "csv":
        result = container.statistics.month(query.month)
        return Response(body="\ufeff" + statistics.to_csv(result), status_code=200,
                        headers={"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
                                 "Content-Disposition": f'attachment; filename="maeul-stats-{result.month}.csv"'})
    result, messages = container.statistics.month_with_messages(query.month)
    out = StatsOut.model_validate(result, from_attributes=True)
    out.messages = [MessageCountOut(template=t, channel=c, result=r, count=n) for (t, c, r), n in
                    sorted(messages.items())]
    return json_response(out, private=True)

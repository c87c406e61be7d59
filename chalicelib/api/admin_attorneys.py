"""Admin: the roster list and adding attorneys, and the monthly statistics (JSON or CSV).

Thin adapters: authenticate (admins only), validate, call one service, shape
the response. The roster list carries no contact details: those are sealed
and written once, when the attorney is added.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.fields import email_address, korean_phone, one_line
from chalicelib.api.guard import client_of, require_role
from chalicelib.api.http import json_response, parse_body, parse_query
from chalicelib.composition import Container
from chalicelib.domain import languages as language_list
from chalicelib.domain.attorneys import KOREAN, MAX_COVERAGE_PAIRS, Attorney, AttorneyContact, InvalidAttorneyError
from chalicelib.domain.categories import CATEGORIES, is_category
from chalicelib.domain.identity import Role
from chalicelib.domain.regions import REGIONS, is_region
from chalicelib.services import roster, statistics

bp = ApiBlueprint(__name__)




class RosterItem(BaseModel):
    id: str
    display_name: str
    categories: list[str]
    regions: list[str]
    active: bool
    on_duty: bool
    annual_cap: int = Field(description="The attorney's own cap, else the programme's.")
    own_annual_cap: bool = Field(description="true when the attorney has a cap of their own.")
    load_this_year: int = Field(description="Consultations assigned this calendar year.")
    languages: list[str] = Field(description="Languages the attorney consults in besides Korean (codes of "
                                             "GET /api/meta languages).")


class RosterPage(BaseModel):
    items: list[RosterItem]


class AttorneyChange(BaseModel):
    """What an attorney serves, their name and cap (contact details are not changed here)."""

    model_config = ConfigDict(extra="forbid")

    display_name: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                                   max_length=40)] = Field(
        description="The name residents see, e.g. '김민준 노무사'.")
    categories: list[str] = Field(min_length=1, max_length=len(CATEGORIES),
                                  json_schema_extra={"items": {"enum": [c.code for c in CATEGORIES]}})
    regions: list[str] = Field(min_length=1, max_length=len(REGIONS),
                               json_schema_extra={"items": {"enum": [r.code for r in REGIONS]}})
    annual_cap: int | None = Field(None, ge=1, le=500, description="Leave out (or null) for the programme's cap.")
    languages: list[str] | None = Field(
        None, max_length=len(language_list.CODES),
        description="Languages the attorney consults in besides Korean, e.g. [\"vi\", \"zh\"]; leave out to "
                    "keep them as they are (a new attorney: Korean only).",
        json_schema_extra={"items": {"enum": list(language_list.CODES)}})

    @field_validator("display_name")
    @classmethod
    def _plain(cls, value: str) -> str:
        return one_line(value)

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if not is_category(c)]
        if unknown:
            raise PydanticCustomError("unknown_category", "Unknown category codes: {codes}. Use the codes of "
                                      "GET /api/meta.", {"codes": ", ".join(unknown)})
        return sorted(set(value))

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if not is_region(r)]
        if unknown:
            raise PydanticCustomError("unknown_region", "Unknown region codes: {codes}. Use the 31 codes of "
                                      "GET /api/meta.", {"codes": ", ".join(unknown)})
        return sorted(set(value))

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [c for c in value if not language_list.is_supported(c)]
        if unknown:
            raise PydanticCustomError("unknown_language", "Unknown language codes: {codes}. Use the codes of "
                                      "GET /api/meta languages.", {"codes": ", ".join(map(str, unknown))})
        return sorted(set(value) - KOREAN)

    def check_coverage(self) -> None:
        if len(self.categories) * len(self.regions) > MAX_COVERAGE_PAIRS:
            raise InvalidAttorneyError(f"At most {MAX_COVERAGE_PAIRS} category-region pairs per attorney: "
                                       "choose fewer categories or regions.")


class NewAttorney(AttorneyChange):
    """A new attorney (or a deactivated one brought back under the same id)."""

    id: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = Field(
        None, description="Leave out to get a new id (att-xxxxxxxx).")
    phone: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=4, max_length=30)] = \
        Field(description="A Korean phone number; stored sealed as E.164.")
    email: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=3, max_length=254)] = \
        Field(description="Where offer and booking alerts go (a link and a time, never personal data).")
    email_language: Literal["ko", "en"] = Field("ko", description="The language of the attorney's e-mail alerts.")
    alert_channel: Literal["alimtalk", "sms", "email"] = Field(
        "alimtalk", description="How alerts reach the attorney's phone besides e-mail: KakaoTalk 알림톡 "
                                "(SMS when it fails), plain SMS, or e-mail only.")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return korean_phone(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return email_address(value)

    def to_attorney(self) -> Attorney:
        self.check_coverage()
        return Attorney(id=self.id or f"att-{secrets.token_hex(4)}", display_name=self.display_name,
                        categories=frozenset(self.categories), regions=frozenset(self.regions),
                        annual_cap=self.annual_cap, active=True, on_duty=False,
                        languages=frozenset(self.languages or ()))


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


def _item(entry: roster.RosterEntry) -> RosterItem:
    a = entry.attorney
    return RosterItem(id=a.id, display_name=a.display_name, categories=sorted(a.categories),
                      regions=sorted(a.regions), active=a.active, on_duty=a.on_duty, annual_cap=entry.annual_cap,
                      own_annual_cap=a.annual_cap is not None, load_this_year=entry.load_this_year,
                      languages=sorted(a.languages))


@operation(bp, "GET", "/api/admin/attorneys", "The roster with this year's load (admins; no contact details)",
           tags=("admin",), responses={200: RosterPage}, auth=True, errors=(403,))
def list_attorneys(*, container: Container) -> Response:
    require_role(bp.current_request, Role.ADMIN)
    entries = container.roster.entries()
    return json_response(RosterPage(items=[_item(e) for e in entries]), private=True)


@operation(bp, "POST", "/api/admin/attorneys", "Add an attorney to the roster, or bring a deactivated one "
           "back (admins); contact details are stored sealed", tags=("admin",), request=NewAttorney,
           responses={201: RosterItem}, auth=True, errors=(403, 409, 413, 415, 422))
def add_attorney(*, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    body = parse_body(request, NewAttorney)
    entry = container.roster.add(admin, body.to_attorney(),
                                 AttorneyContact(phone=body.phone, email=body.email, language=body.email_language,
                                                 alert_channel=body.alert_channel), client_of(request).ip)
    return json_response(_item(entry), 201, private=True,
                         headers={"Location": f"/api/admin/attorneys/{entry.attorney.id}"})


@operation(bp, "PUT", "/api/admin/attorneys/{attorney_id}", "Change an attorney's name, categories, regions, "
           "annual cap and languages (admins)", tags=("admin",), request=AttorneyChange,
           responses={200: RosterItem},
           auth=True, errors=(403, 404, 413, 415, 422))
def change_attorney(attorney_id: str, *, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    path_ids.attorney_id(attorney_id, missing=roster.UnknownAttorneyProfileError)
    body = parse_body(request, AttorneyChange)
    body.check_coverage()
    entry = container.roster.edit(admin, attorney_id, display_name=body.display_name,
                                  categories=frozenset(body.categories), regions=frozenset(body.regions),
                                  annual_cap=body.annual_cap,
                                  languages=frozenset(body.languages) if body.languages is not None else None,
                                  ip=client_of(request).ip)
    return json_response(_item(entry), private=True)


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

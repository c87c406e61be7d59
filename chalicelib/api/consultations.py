"""Consultation routes: intake (``POST /api/consultations``) and reads.

Thin adapters: authenticate, validate (pydantic models that also feed the
OpenAPI document), call one service, shape the response. Every response here
is personal: ``Cache-Control: no-store``.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime
from typing import Annotated, Any

from chalice.app import Request
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint, BadRequestError, current_policy
from chalicelib.api.fields import email_address, known_code, korean_phone, one_line, plain_text
from chalicelib.api.guard import current_principal, require_role
from chalicelib.api.http import json_response, parse_body, parse_query
from chalicelib.composition import Container
from chalicelib.domain.categories import CATEGORIES, Method, Mode, is_category
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, SensitiveDetails, Status
from chalicelib.domain.identity import Role
from chalicelib.domain.regions import REGIONS, is_region
from chalicelib.domain.triage import EmploymentStatus, PayBand
from chalicelib.logs import best_effort
from chalicelib.services.consultation_reads import ConsultationView, PersonalData

bp = ApiBlueprint(__name__)


IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_KEY = re.compile(r"^[\x20-\x7e]{1,128}$")
_CURSOR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z#[0-9a-f-]{36}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST_DATE = date(1950, 1, 1)


def _text(min_length: int, max_length: int) -> StringConstraints:
    return StringConstraints(strict=True, strip_whitespace=True, min_length=min_length, max_length=max_length)


NameText = Annotated[str, _text(1, 50)]
PhoneText = Annotated[str, _text(4, 30)]
EmailText = Annotated[str, _text(0, 254)]
EmployerText = Annotated[str, _text(0, 100)]
CityText = Annotated[str, _text(0, 50)]
DescriptionText = Annotated[str, _text(20, 4000)]


# --- request ------------------------------------------------------------------------------------

class SensitiveDetailsIn(BaseModel):
    """Sensitive data under PIPA art. 23: mark what your description contains."""

    model_config = ConfigDict(extra="forbid")

    health: StrictBool = Field(False, description="The description mentions an injury, illness or other "
                                                  "health information.")
    union: StrictBool = Field(False, description="The description mentions trade-union membership.")


class IntakeRequest(BaseModel):
    """A consultation request. Required: category, region, mode, method, name, phone,
    description, consent_privacy (true). Everything else is optional."""

    model_config = ConfigDict(extra="forbid")

    category: Annotated[str, StringConstraints(strict=True)] = Field(
        description="A category code from GET /api/meta.",
        json_schema_extra={"enum": [c.code for c in CATEGORIES]})
    region: Annotated[str, StringConstraints(strict=True)] = Field(
        description="The city or county (GET /api/meta) where you live or work.",
        json_schema_extra={"enum": [r.code for r in REGIONS]})
    mode: Mode = Field(description="realtime: now, in service hours; reservation: at a booked slot.")
    method: Method
    name: NameText
    phone: Annotated[PhoneText, AfterValidator(korean_phone)] = Field(
        description="A Korean phone number, e.g. 010-1234-5678; stored as E.164 (+821012345678).")
    email: EmailText | None = None
    employer_name: EmployerText | None = None
    employer_city: CityText | None = None
    employment_status: EmploymentStatus | None = None
    left_on: date | None = Field(None, description="YYYY-MM-DD; required when employment_status is 'left'.")
    dismissed_on: date | None = Field(None, description="YYYY-MM-DD; required when employment_status is "
                                                        "'dismissed'.")
    monthly_pay: PayBand = PayBand.UNKNOWN
    lives_or_works_in_gyeonggi: StrictBool | None = None
    description: Annotated[DescriptionText, AfterValidator(plain_text)] = Field(
        description="What happened, in your own words (20 to 4,000 characters).")
    sensitive_details: SensitiveDetailsIn = Field(default_factory=SensitiveDetailsIn)
    consent_sensitive: StrictBool = Field(False, description="Separate consent to handle the sensitive "
                                                             "details marked (required when any is marked).")
    consent_privacy: StrictBool = Field(description="Consent to the collection and use of personal data "
                                                    "(GET /api/consent); must be true.")
    preferred_language: Language = Language.KO

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        return known_code(value, is_category, "unknown_category", "Choose one of the category codes listed by "
                          "GET /api/meta (e.g. wage_arrears, dismissal).")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return known_code(value, is_region, "unknown_region", "Choose one of the 31 Gyeonggi city or county codes "
                          "listed by GET /api/meta (e.g. suwon, goyang).")

    @field_validator("name", "employer_name", "employer_city")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        return None if value is None else (one_line(value) or None)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if not value:
            return None
        return email_address(value, ", or leave it out")

    @field_validator("left_on", "dismissed_on", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str) or not _DATE.match(value):
            raise PydanticCustomError("date_format", "Enter the date as YYYY-MM-DD, e.g. 2026-11-02.")
        return value

    @field_validator("consent_privacy")
    @classmethod
    def _consent(cls, value: bool) -> bool:
        if value is not True:
            raise PydanticCustomError("consent_required", "We can take a request online only with your "
                                      "consent to the use of your personal data (see GET /api/consent). "
                                      "Without it, please call {phone}.",
                                      {"phone": current_policy().fallback_phone})
        return value

    def check(self, today: date) -> None:
        """Rules across fields and against today's date: a ValidationError (400) per field."""
        problems: list[tuple[str, str, str]] = []
        dates = {"left_on": (self.left_on, EmploymentStatus.LEFT, "you left"),
                 "dismissed_on": (self.dismissed_on, EmploymentStatus.DISMISSED, "you were dismissed")}
        for field, (value, status, what) in dates.items():
            if self.employment_status is status and value is None:
                problems.append((field, "date_required",
                                 f"Give the date {what} (YYYY-MM-DD): the deadlines for your case depend on it."))
            elif value is not None and self.employment_status is not status:
                problems.append((field, "date_not_applicable",
                                 f"{field} applies only when employment_status is '{status.value}'."))
            elif value is not None and value > today:
                problems.append((field, "date_in_future", "This date is in the future; give the date it "
                                 "happened."))
            elif value is not None and value < EARLIEST_DATE:
                problems.append((field, "date_too_old", "Check this date: it is before 1950."))
        if (self.sensitive_details.health or self.sensitive_details.union) and not self.consent_sensitive:
            problems.append(("consent_sensitive", "consent_required",
                             "You marked health or trade-union details: we need your separate consent to "
                             "handle them (PIPA art. 23). Set consent_sensitive to true, or unmark them."))
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, [
                {"type": PydanticCustomError(kind, message), "loc": (field,), "input": None}
                for field, kind, message in problems])

    def to_intake(self) -> Intake:
        personal = PersonalDetails(
            name=self.name, phone=self.phone, description=self.description, email=self.email,
            employer_name=self.employer_name, employer_city=self.employer_city,
            employment_status=self.employment_status, left_on=self.left_on, dismissed_on=self.dismissed_on,
            monthly_pay=self.monthly_pay, lives_or_works_in_gyeonggi=self.lives_or_works_in_gyeonggi,
            sensitive=SensitiveDetails(health=self.sensitive_details.health, union=self.sensitive_details.union),
            consent_sensitive=self.consent_sensitive)
        return Intake(category=self.category, region=self.region, mode=self.mode, method=self.method,
                      language=self.preferred_language, personal=personal)


class ListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=50, description="Items per page (1-50).")
    next: str | None = Field(None, max_length=200, description="The 'next' value of the previous page.")
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                              description="Admins: the month of intake (YYYY-MM, Korea time); default "
                                          "the current month.")


# --- responses ----------------------------------------------------------------------------------

class SensitiveDetailsOut(BaseModel):
    health: bool
    union: bool


class PersonalOut(BaseModel):
    name: str
    phone: str
    email: str | None
    employer_name: str | None
    employer_city: str | None
    employment_status: EmploymentStatus | None
    left_on: date | None
    dismissed_on: date | None
    monthly_pay: PayBand
    lives_or_works_in_gyeonggi: bool | None
    description: str
    sensitive_details: SensitiveDetailsOut
    consent_sensitive: bool


class TriageOut(BaseModel):
    dismissal_remedy_deadline: date | None = Field(description="Last day to apply for an unfair-dismissal "
                                                               "remedy (3 months after the dismissal).")
    dismissal_remedy_days_left: int | None
    dismissal_remedy_overdue: bool
    wage_settlement_due: date | None = Field(description="Last day the pay was due after leaving (14 days).")
    wage_complaint_possible: bool
    free_representation_eligible: bool | None = Field(description="Pay below 3M KRW and living or working in "
                                                                  "Gyeonggi; null when not known yet.")


class ConsultationHeadOut(BaseModel):
    """What every response about a consultation starts with: its id, state and codes (no personal data)."""

    id: str
    status: Status
    category: str
    region: str
    mode: Mode
    method: Method


class ConsultationOut(ConsultationHeadOut):
    preferred_language: Language
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    attorney_id: str | None
    consent_version: str
    receipt: str | None = Field(None, description="The request's 접수번호 (receipt number), short and "
                                                  "unique, to quote when phoning the centre.")
    triage: TriageOut
    personal_data: PersonalData = Field(description="included; withheld (lists: open the consultation); "
                                                    "erased; unreadable (failed the integrity check).")
    personal: PersonalOut | None


class ConsultationPage(BaseModel):
    items: list[ConsultationOut]
    next: str | None = Field(description="Pass as ?next= for the following page; null on the last page.")


# --- routes -------------------------------------------------------------------------------------

@operation(bp, "POST", "/api/consultations", "Submit a consultation request (residents)",
           tags=("consultations",), request=IntakeRequest, responses={201: ConsultationOut},
           errors=(403, 409, 413, 415, 422, 429, 503), auth=True,
           headers=((IDEMPOTENCY_HEADER, True, "1-128 printable characters, new for each new request; "
                     "the same key and body again return the same consultation."),))
def submit_consultation(*, container: Container) -> object:
    request = bp.current_request
    principal = require_role(request, Role.RESIDENT)
    key = _idempotency_key(request)
    body = parse_body(request, IntakeRequest)
    now = container.clock()
    body.check(container.calendar.local_date(now))
    received = container.intake.submit(principal, body.to_intake(), key)
    view = received.view
    if not received.replayed:
        _queue_realtime(container, view.consultation, now)
    headers = {"Location": f"/api/consultations/{view.consultation.id}"}
    if received.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(_out(view, container.calendar), 201, private=True, headers=headers)


@operation(bp, "GET", "/api/consultations", "Consultations: own (resident), assigned (attorney), "
           "a month's (admin), newest first", tags=("consultations",), query=ListQuery,
           responses={200: ConsultationPage}, auth=True, errors=(503,))
def list_consultations(*, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    query = parse_query(request, ListQuery)
    if query.month is not None and not principal.is_admin:
        raise BadRequestError("'month' is for admins; your list already holds all of yours.", code="invalid_input")
    page = container.consultation_reads.read_page(principal, query.limit, _decode_cursor(query.next), query.month)
    body = ConsultationPage(items=[_out(v, container.calendar) for v in page.items],
                            next=_encode_cursor(page.after))
    return json_response(body, private=True)


@operation(bp, "GET", "/api/consultations/{consultation_id}", "One consultation (owner, assigned attorney, "
           "admin; others get 404)", tags=("consultations",), responses={200: ConsultationOut},
           auth=True, errors=(404, 409, 503))
def get_consultation(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    path_ids.consultation_id(consultation_id)
    view = container.consultation_reads.read_one(principal, consultation_id, _source_ip(request))
    return json_response(_out(view, container.calendar), private=True)


# --- helpers ------------------------------------------------------------------------------------

def _queue_realtime(container: Any, consultation: Any, now: datetime) -> None:
    """Real-time requests join the real-time queue (best effort: the window keeper sweeps misses)."""
    if consultation.mode is not Mode.REALTIME:
        return
    # the request is stored; the window keeper queues a miss within 5 minutes
    best_effort(lambda: container.realtime_queue.enqueue(consultation, now), "real-time queueing")


def _idempotency_key(request: Request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER.lower())
    if key is None or not key.strip():
        raise BadRequestError(f"Send an '{IDEMPOTENCY_HEADER}' header with a new random value (e.g. a UUID) "
                              "for each new request, so that a retry cannot create it twice.",
                              code="idempotency_key_required")
    if not _IDEMPOTENCY_KEY.match(key):
        raise BadRequestError(f"The '{IDEMPOTENCY_HEADER}' header must be 1 to 128 printable ASCII characters.",
                              code="invalid_idempotency_key")
    return key


def _encode_cursor(after: str | None) -> str | None:
    if after is None:
        return None
    return base64.urlsafe_b64encode(after.encode("ascii")).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        after = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        after = ""
    if not _CURSOR.match(after):
        raise BadRequestError("The 'next' value is not one this API gave out; start again without it.",
                              code="invalid_cursor")
    return after


def _source_ip(request: Request) -> str:
    context = request.context if isinstance(request.context, dict) else {}
    identity = context.get("identity") or {}
    return str(identity.get("sourceIp") or "")


def _out(view: ConsultationView, calendar: Any) -> ConsultationOut:
    c, p, t = view.consultation, view.personal, view.triage
    personal = None
    if p is not None:
        personal = PersonalOut(
            name=p.name, phone=p.phone, email=p.email, employer_name=p.employer_name,
            employer_city=p.employer_city, employment_status=p.employment_status, left_on=p.left_on,
            dismissed_on=p.dismissed_on, monthly_pay=p.monthly_pay,
            lives_or_works_in_gyeonggi=p.lives_or_works_in_gyeonggi, description=p.description,
            sensitive_details=SensitiveDetailsOut(health=p.sensitive.health, union=p.sensitive.union),
            consent_sensitive=p.consent_sensitive)
    return ConsultationOut(
        id=c.id, status=c.status, category=c.category, region=c.region, mode=c.mode, method=c.method,
        preferred_language=c.language, created_at=calendar.to_local(c.created_at),
        updated_at=calendar.to_local(c.updated_at),
        closed_at=calendar.to_local(c.closed_at) if c.closed_at else None, attorney_id=c.attorney_id,
        consent_version=c.consent_version, receipt=c.receipt,
        triage=TriageOut(dismissal_remedy_deadline=t.dismissal_remedy_deadline,
                         dismissal_remedy_days_left=t.dismissal_remedy_days_left,
                         dismissal_remedy_overdue=t.dismissal_remedy_overdue,
                         wage_settlement_due=t.wage_settlement_due, wage_complaint_possible=t.wage_complaint_possible,
                         free_representation_eligible=t.free_representation_eligible),
        personal_data=view.personal_data, personal=personal)


# --- the assigned attorney (the status page's one small read) --------------------------------------

class AttorneyRefOut(BaseModel):
    id: str
    display_name: str


class AssignedAttorneyOut(BaseModel):
    assigned: bool
    attorney: AttorneyRefOut | None = Field(description="The assigned attorney's public display name; null "
                                                        "until one is assigned.")


@operation(bp, "GET", "/api/consultations/{consultation_id}/attorney", "The attorney assigned to a "
           "consultation, by display name (owner, assigned attorney, admin; others 404)",
           tags=("consultations",), responses={200: AssignedAttorneyOut}, auth=True, errors=(404,))
def assigned_attorney(consultation_id: str, *, container: Container) -> object:
    principal = current_principal(bp.current_request)
    path_ids.consultation_id(consultation_id)
    found = container.roster.assigned_attorney(principal, consultation_id)
    ref = AttorneyRefOut(id=found.id, display_name=found.display_name) if found else None
    return json_response(AssignedAttorneyOut(assigned=found is not None, attorney=ref), private=True)

"""Reservation routes: an attorney's own availability (an admin's view of it is in ``admin_attorneys``),
open slots, holds, bookings, declines.

Thin adapters: authenticate, validate, call one service, shape the response.
Times go out as ISO 8601 with the Korean offset (``2026-12-01T10:00:00+09:00``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any, Literal

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint, BadRequestError, UnprocessableError
from chalicelib.api.fields import plain_text
from chalicelib.api.guard import current_principal, require_role
from chalicelib.api.http import json_response, parse_body, parse_query
from chalicelib.composition import Container
from chalicelib.domain.availability import (
    MAX_CLOSED_DAYS,
    MAX_LEAVES,
    MAX_RANGES_PER_DAY,
    WEEKDAYS,
    Availability,
    AvailabilityError,
    AvailabilityOutsideWindowsError,
)
from chalicelib.domain.bookings import AttorneyNotFoundError, how_it_happens
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.categories import Method
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Role
from chalicelib.services.reservations import BookingView

bp = ApiBlueprint(__name__)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HHMM = r"^\d{2}:\d{2}$"

# --- models ----------------------------------------------------------------------------------------

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
assert set(Weekday.__args__) == set(WEEKDAYS)  # type: ignore[attr-defined]


class TimeRangeModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: str = Field(pattern=_HHMM, description="HH:MM, Korea time", examples=["10:00"])
    end: str = Field(pattern=_HHMM, description="HH:MM, Korea time (exclusive)", examples=["11:30"])


class LeaveModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$", description="First day away (YYYY-MM-DD)")
    to: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Last day away, included (YYYY-MM-DD)")


class AvailabilityModel(BaseModel):
    """Weekly template (ranges inside the service windows, weekdays only) and date exceptions."""

    model_config = ConfigDict(extra="forbid")

    timezone: Literal["Asia/Seoul"] = "Asia/Seoul"
    weekly: dict[Weekday, Annotated[list[TimeRangeModel], Field(max_length=MAX_RANGES_PER_DAY)]] = Field(
        default_factory=dict, description='e.g. {"mon": [{"start": "10:00", "end": "11:30"}], "tue": []}')
    leaves: list[LeaveModel] = Field(default_factory=list, max_length=MAX_LEAVES,
                                     description="Out-of-office ranges of whole days.")
    closed_days: list[Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]] = Field(
        default_factory=list, max_length=MAX_CLOSED_DAYS, description="Extra days off (YYYY-MM-DD).")

    @classmethod
    def of(cls, availability: Availability | None) -> AvailabilityModel:
        if availability is None:
            return cls()
        return cls.model_validate(availability.to_dict())


def _parse_date(value: object) -> object:
    if value is None:
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise PydanticCustomError("date_format", "Give the date as YYYY-MM-DD, e.g. 2026-12-01.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("date_format", "This is not a calendar date (YYYY-MM-DD).") from None


def _parse_start(value: object) -> datetime:
    message = "Give the start as an ISO 8601 time with its offset, e.g. 2026-12-01T10:00:00+09:00."
    if not isinstance(value, str) or len(value) > 40:
        raise PydanticCustomError("start_format", message)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("start_format", message) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("start_offset", message)
    return moment


class SlotsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    consultation_id: str = Field(max_length=64, description="Your consultation's id.")
    from_: date | None = Field(None, alias="from", description="First day (YYYY-MM-DD, Korea); default today.")
    to: date | None = Field(None, description="Last day, included (YYYY-MM-DD); default the last bookable day.")

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        return _parse_date(value)


class SlotOut(BaseModel):
    start: datetime
    end: datetime


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: datetime = Field(description="A slot start from GET /api/slots, e.g. 2026-12-01T10:00:00+09:00.")

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, value: object) -> datetime:
        return _parse_start(value)


class HoldIn(StartIn):
    consultation_id: str = Field(max_length=64)


class HoldOut(BaseModel):
    consultation_id: str
    start: datetime
    end: datetime
    held_until: datetime = Field(description="Book before this time to keep the slot.")


class AttorneyRef(BaseModel):
    id: str
    display_name: str


class BookingOut(BaseModel):
    consultation_id: str
    booking_id: str
    status: Literal["booked"] = "booked"
    start: datetime
    end: datetime
    method: Method
    attorney: AttorneyRef
    how: str = Field(description="How the consultation will happen, by method.")
    cancel_until: datetime = Field(description="Until when the booking can be cancelled or moved online.")
    fallback_phone: str = Field(description="The programme's phone line (Policy.fallback_phone).")


class BookingEndedOut(BaseModel):
    consultation_id: str
    consultation_status: Status
    booking_id: str
    booking_status: Literal["cancelled", "declined"]
    start: datetime
    end: datetime


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=2, max_length=500)] = \
        Field(description="Why you cannot take it (kept sealed; shown to the programme's staff only).")

    @field_validator("reason")
    @classmethod
    def _plain(cls, value: str) -> str:
        return plain_text(value)


# --- availability ------------------------------------------------------------------------------

@operation(bp, "GET", "/api/attorney/availability", "Your weekly availability and days off (attorneys)",
           tags=("reservations",), responses={200: AvailabilityModel}, auth=True, errors=(403, 404))
def get_own_availability(*, container: Container) -> object:
    principal = require_role(bp.current_request, Role.ATTORNEY)
    return availability_response(container, _own_attorney_id(principal))


@operation(bp, "PUT", "/api/attorney/availability", "Replace your weekly availability and days off "
           "(attorneys); ranges must lie inside the service windows", tags=("reservations",),
           request=AvailabilityModel, responses={200: AvailabilityModel}, auth=True,
           errors=(403, 404, 413, 415, 422))
def put_own_availability(*, container: Container) -> object:
    request = bp.current_request
    principal = require_role(request, Role.ATTORNEY)
    return replace_availability(container, _own_attorney_id(principal), request)


def availability_response(container: Container, attorney_id: str) -> Response:
    """An attorney's availability as the attorney and the admins read it."""
    view = container.availability.of(attorney_id)
    headers = {"X-Availability-Default": "true" if view.is_default else "false"}
    return json_response(AvailabilityModel.of(view.availability), private=True, headers=headers)


def replace_availability(container: Container, attorney_id: str, request: Request) -> Response:
    """The request's availability saved for the attorney (the attorney's own or an admin's change)."""
    body = parse_body(request, AvailabilityModel)
    with _availability_errors():
        saved = container.availability.replace(attorney_id, body.model_dump(by_alias=True))
    return json_response(AvailabilityModel.of(saved), private=True)


@contextmanager
def _availability_errors() -> Iterator[None]:
    try:
        yield
    except AvailabilityOutsideWindowsError as exc:
        raise UnprocessableError(str(exc), code="outside_service_windows",
                                 details={"field": exc.field, "allowed_windows": exc.allowed}) from None
    except AvailabilityError as exc:
        raise BadRequestError(str(exc), code="invalid_availability", details={"field": exc.field}) from None


# --- slots and holds -----------------------------------------------------------------------------

@operation(bp, "GET", "/api/slots", "Open slot start times for your consultation (owner)",
           tags=("reservations",), query=SlotsQuery, responses={200: list[SlotOut]}, auth=True,
           errors=(404, 409))
def list_slots(*, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    query = parse_query(request, SlotsQuery)
    slots = container.reservations.open_slots(principal, _consultation_id(query.consultation_id),
                                              query.from_, query.to)
    to_local = container.calendar.to_local
    return json_response([SlotOut(start=to_local(s.start), end=to_local(s.end)).model_dump(mode="json")
                          for s in slots], private=True)


@operation(bp, "POST", "/api/slots/hold", "Hold a slot while you confirm (owner); it is released after "
           "Policy.hold_minutes (default 5)", tags=("reservations",), request=HoldIn,
           responses={201: HoldOut}, auth=True, errors=(404, 409, 413, 415, 422))
def hold_slot(*, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    body = parse_body(request, HoldIn)
    hold = container.reservations.hold(principal, _consultation_id(body.consultation_id), body.start)
    to_local = container.calendar.to_local
    return json_response(HoldOut(consultation_id=hold.consultation_id, start=to_local(hold.start),
                                 end=to_local(hold.end), held_until=to_local(hold.until)), 201, private=True)


# --- bookings ----------------------------------------------------------------------------------------

@operation(bp, "GET", "/api/consultations/{consultation_id}/booking", "The consultation's booking (owner, "
           "booked attorney, admin)", tags=("reservations",), responses={200: BookingOut}, auth=True,
           errors=(404,))
def get_booking(consultation_id: str, *, container: Container) -> object:
    principal = current_principal(bp.current_request)
    view = container.reservations.booking_of(principal, _consultation_id(consultation_id))
    return json_response(_booking_out(view, container), private=True)


@operation(bp, "POST", "/api/consultations/{consultation_id}/booking", "Book a slot (owner); with a booking "
           "already made, move it to the new time in one step; the same start again returns the booking",
           tags=("reservations",), request=StartIn, responses={201: BookingOut, 200: BookingOut},
           auth=True, errors=(404, 409, 413, 415, 422, 429))
def book(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    body = parse_body(request, StartIn)
    view = container.reservations.book(principal, _consultation_id(consultation_id), body.start)
    return json_response(_booking_out(view, container), 200 if view.replayed else 201, private=True,
                         headers={"Location": f"/api/consultations/{consultation_id}/booking"})


@operation(bp, "DELETE", "/api/consultations/{consultation_id}/booking", "Cancel the booking (owner until "
           "the cancellation notice, admin any time); the consultation can be booked again",
           tags=("reservations",), responses={200: BookingEndedOut}, auth=True, errors=(403, 404, 409, 429))
def cancel_booking(consultation_id: str, *, container: Container) -> object:
    principal = current_principal(bp.current_request)
    ended = container.reservations.cancel(principal, _consultation_id(consultation_id))
    return json_response(_ended_out(ended, container.calendar), private=True)


@operation(bp, "POST", "/api/attorney/bookings/{consultation_id}/decline", "Decline a booking made with you "
           "(attorneys); the consultation goes back to matching", tags=("reservations",), request=DeclineIn,
           responses={200: BookingEndedOut}, auth=True, errors=(403, 404, 409, 413, 415, 503))
def decline_booking(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = require_role(request, Role.ATTORNEY)
    body = parse_body(request, DeclineIn)
    ended = container.reservations.decline(principal, _consultation_id(consultation_id), body.reason)
    return json_response(_ended_out(ended, container.calendar), private=True)


# --- helpers -------------------------------------------------------------------------------------------

_consultation_id = path_ids.consultation_id


def _own_attorney_id(principal: Any) -> str:
    if not principal.attorney_id:
        raise AttorneyNotFoundError()
    return str(principal.attorney_id)


def _booking_out(view: BookingView, container: Container) -> BookingOut:
    b, to_local, phone = view.booking, container.calendar.to_local, container.settings.policy.fallback_phone
    return BookingOut(consultation_id=b.consultation_id, booking_id=b.id, start=to_local(b.start),
                      end=to_local(b.end), method=b.method,
                      attorney=AttorneyRef(id=b.attorney_id, display_name=view.attorney_name),
                      how=how_it_happens(b.method, view.language, phone), cancel_until=to_local(view.cancel_until),
                      fallback_phone=phone)


def _ended_out(ended: Any, calendar: ServiceCalendar) -> BookingEndedOut:
    to_local = calendar.to_local
    return BookingEndedOut(consultation_id=ended.consultation_id, consultation_status=Status.SUBMITTED,
                           booking_id=ended.id, booking_status=ended.status.value, start=to_local(ended.start),
                           end=to_local(ended.end))

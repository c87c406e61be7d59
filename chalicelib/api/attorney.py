"""Attorney routes for real-time matching: open offers, accept / decline, duty, own consultations.

Thin adapters: authenticate (attorneys only), validate, call the real-time
service, shape the response. An offer shows what the attorney needs to decide
(category, region, method, urgency flags) and no contact details.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import require_role
from chalicelib.api.http import json_response, parse_body
from chalicelib.composition import Container
from chalicelib.domain.categories import Method
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Role
from chalicelib.domain.offers import NotOnRosterError, OfferStatus

bp = ApiBlueprint(__name__)


class UrgencyOut(BaseModel):
    dismissal_remedy_deadline: date | None = Field(description="Last day to apply for an unfair-dismissal remedy.")
    wage_settlement_due: date | None = Field(description="Last day the pay was due after leaving.")
    free_representation_eligible: bool | None


class OfferOut(BaseModel):
    id: str
    consultation_id: str
    category: str
    region: str
    method: Method
    attempt: int
    offered_at: datetime
    deadline: datetime
    seconds_left: int = Field(ge=0, description="Seconds until the deadline, by the server's clock when this "
                              "answer was made: a countdown need not trust the device's clock.")
    urgency: UrgencyOut
    language: str = Field(description="The consultation's language (a code of GET /api/meta languages).")
    interpreter_needed: bool = Field(description="You do not list this language: the consultation is a "
                                                 "three-way call with an interpretation line.")


class InterpretationLineOut(BaseModel):
    name: str
    phone: str
    serves: str


class OfferPage(BaseModel):
    items: list[OfferOut]
    interpretation_lines: list[InterpretationLineOut] = Field(
        description="Public interpretation lines for a three-way call, when an offer needs one.")


class AnswerOut(BaseModel):
    id: str
    consultation_id: str
    status: OfferStatus
    consultation_status: Status | None = None


class DutyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on_duty: StrictBool = Field(description="true: you take real-time requests now; false: you do not.")


class DutyOut(BaseModel):
    attorney_id: str
    on_duty: bool


_offer_id = path_ids.offer_id


@operation(bp, "GET", "/api/attorney/offers", "Your open real-time offers (attorneys)", tags=("matching",),
           responses={200: OfferPage}, auth=True, errors=(403,))
def list_offers(*, container: Container) -> object:
    principal = require_role(bp.current_request, Role.ATTORNEY)
    views = container.realtime_queue.pending_offers(principal)
    cal, now = container.calendar, container.clock()
    items = [OfferOut(id=v.offer.id, consultation_id=v.offer.consultation_id, category=v.offer.category,
                      region=v.offer.region, method=Method(v.offer.method), attempt=v.offer.attempt,
                      offered_at=cal.to_local(v.offer.offered_at), deadline=cal.to_local(v.offer.deadline),
                      seconds_left=max(0, int((v.offer.deadline - now).total_seconds())),
                      urgency=UrgencyOut(dismissal_remedy_deadline=v.urgent_dismissal_deadline,
                                         wage_settlement_due=v.urgent_wage_due,
                                         free_representation_eligible=v.free_representation_eligible),
                      language=str(v.offer.reason.get("language") or "ko"),
                      interpreter_needed=bool(v.offer.reason.get("interpreter_needed")))
             for v in views]
    lines = [InterpretationLineOut(name=x.name, phone=x.phone, serves=x.serves)
             for x in container.settings.policy.interpretation_lines]
    return json_response(OfferPage(items=items, interpretation_lines=lines), private=True)


@operation(bp, "POST", "/api/attorney/offers/{offer_id}/accept", "Accept a real-time offer: the first valid "
           "accept wins; late or second accepts get 409 offer_unavailable", tags=("matching",),
           responses={200: AnswerOut}, auth=True, errors=(403, 404, 409))
def accept_offer(offer_id: str, *, container: Container) -> object:
    principal = require_role(bp.current_request, Role.ATTORNEY)
    offer = container.realtime_queue.accept(principal, _offer_id(offer_id))
    return json_response(AnswerOut(id=offer.id, consultation_id=offer.consultation_id,
                                   status=OfferStatus.ACCEPTED, consultation_status=Status.MATCHED), private=True)


@operation(bp, "POST", "/api/attorney/offers/{offer_id}/decline", "Decline a real-time offer: it goes to "
           "the next attorney", tags=("matching",), responses={200: AnswerOut}, auth=True,
           errors=(403, 404, 409))
def decline_offer(offer_id: str, *, container: Container) -> object:
    principal = require_role(bp.current_request, Role.ATTORNEY)
    offer = container.realtime_queue.decline(principal, _offer_id(offer_id))
    return json_response(AnswerOut(id=offer.id, consultation_id=offer.consultation_id,
                                   status=OfferStatus.DECLINED), private=True)


@operation(bp, "GET", "/api/attorney/duty", "Whether you take real-time requests now (attorneys)",
           tags=("matching",), responses={200: DutyOut}, auth=True, errors=(403,))
def get_duty(*, container: Container) -> object:
    principal = require_role(bp.current_request, Role.ATTORNEY)
    attorney = container.duty.profile_of(principal)
    return json_response(DutyOut(attorney_id=attorney.id, on_duty=attorney.on_duty), private=True)


@operation(bp, "PUT", "/api/attorney/duty", "Go on or off duty for real-time requests (attorneys)",
           tags=("matching",), request=DutyIn, responses={200: DutyOut}, auth=True, errors=(403, 415))
def put_duty(*, container: Container) -> object:
    request = bp.current_request
    principal = require_role(request, Role.ATTORNEY)
    body = parse_body(request, DutyIn)
    attorney = container.duty.set_duty(principal, body.on_duty)
    return json_response(DutyOut(attorney_id=attorney.id, on_duty=body.on_duty), private=True)


class AssignedOut(BaseModel):
    id: str
    status: Status
    category: str
    region: str
    method: Method
    preferred_language: str
    created_at: datetime
    updated_at: datetime
    booking_start: datetime | None = Field(description="Start of the booked slot (reservations; null "
                                                       "when none is booked).")
    booking_end: datetime | None


class AssignedPage(BaseModel):
    items: list[AssignedOut]


@operation(bp, "GET", "/api/attorney/consultations", "Consultations assigned to you, newest first (attorneys; "
           "open one with GET /api/consultations/{id})", tags=("matching",), responses={200: AssignedPage},
           auth=True, errors=(403,))
def list_assigned(*, container: Container) -> object:
    principal = require_role(bp.current_request, Role.ATTORNEY)
    if not principal.attorney_id:
        raise NotOnRosterError()
    cal = container.calendar
    items = []
    for assigned in container.consultation_reads.assigned(principal):
        v, booking = assigned.view, assigned.booking
        items.append(AssignedOut(id=v.consultation.id, status=v.consultation.status,
                                 category=v.consultation.category, region=v.consultation.region,
                                 method=v.consultation.method, preferred_language=v.consultation.language.value,
                                 created_at=cal.to_local(v.consultation.created_at),
                                 updated_at=cal.to_local(v.consultation.updated_at),
                                 booking_start=cal.to_local(booking.start) if booking else None,
                                 booking_end=cal.to_local(booking.end) if booking else None))
    return json_response(AssignedPage(items=items), private=True)


# --- the resident's side: place in the real-time queue --------------------------------------------

class QueueOut(BaseModel):
    consultation_id: str
    status: Status
    queued: bool = Field(description="Waiting for a real-time attorney now.")
    position: int | None = Field(description="1 = next among waiting real-time requests of its category.")
    estimate_minutes: int | None = Field(description="Estimated wait, from recent acceptance times (and, "
                                                     "outside service hours, the time until the next window).")
    next_opening: datetime | None = Field(description="When real-time service opens again (only while closed).")
    realtime_failed: bool = Field(description="No attorney could take it in real time: book a reservation "
                                              "(GET /api/slots) or call the phone line.")
    fallback_phone: str


@operation(bp, "GET", "/api/consultations/{consultation_id}/queue", "Place of a real-time consultation in "
           "the queue (owner, assigned attorney, admin; others 404)", tags=("matching",),
           responses={200: QueueOut}, auth=True, errors=(404,))
def queue_status(consultation_id: str, *, container: Container) -> object:
    from chalicelib.api.guard import current_principal

    principal = current_principal(bp.current_request)
    path_ids.consultation_id(consultation_id)
    q = container.realtime_queue.queue_status(principal, consultation_id)
    cal = container.calendar
    return json_response(QueueOut(consultation_id=consultation_id, status=q.status, queued=q.queued,
                                  position=q.position, estimate_minutes=q.estimate_minutes,
                                  next_opening=cal.to_local(q.next_opening) if q.next_opening else None,
                                  realtime_failed=q.realtime_failed,
                                  fallback_phone=container.settings.policy.fallback_phone), private=True)

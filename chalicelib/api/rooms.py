"""Consultation room routes: messages, video signalling, the room view, the outcome (the room page is in
``chalicelib/web/pages.py``).

Thin adapters: authenticate, validate, one service call (``container.rooms``),
shape the response. Everything here is personal: ``Cache-Control: no-store``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from chalice.app import Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint, ApiError, BadRequestError
from chalicelib.api.fields import plain_text
from chalicelib.api.guard import client_of, current_principal, require_role
from chalicelib.api.http import json_response, parse_body, parse_query
from chalicelib.composition import Container
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.categories import Method
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Role
from chalicelib.domain.rooms import CURSOR, Message, Outcome, Side, SignalType
from chalicelib.services.rooms import RoomView, ThreadPage

bp = ApiBlueprint(__name__)


MAX_SIGNAL_BYTES = 16 * 1024
_MAX_TEXT = 10000  # the hard ceiling; Policy.message_max_chars is the rule


def _cursor(value: str | None) -> str | None:
    if value is not None and not CURSOR.match(value):
        raise PydanticCustomError("invalid_cursor", "Pass back a cursor this API gave out ('next'), or none.")
    return value


# --- requests -----------------------------------------------------------------------------------

class SinceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: str | None = Field(None, max_length=40, description="The 'next' cursor of the previous poll.")

    _check = field_validator("since")(classmethod(lambda cls, v: _cursor(v)))


class MessageIn(BaseModel):
    """A message: plain text, 1 to 2,000 characters."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=_MAX_TEXT)]

    @field_validator("text")
    @classmethod
    def _plain(cls, value: str) -> str:
        return plain_text(value)


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: str = Field(description="Everything up to this cursor (inclusive) has been read.")

    _check = field_validator("until")(classmethod(lambda cls, v: _cursor(v)))


class SignalIn(BaseModel):
    """A WebRTC signalling message for the other participant."""

    model_config = ConfigDict(extra="forbid")

    type: SignalType
    data: Any = Field(None, description="The SDP description or ICE candidate (JSON, at most 16 KB).")


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = Field(description="advice_given; wage_complaint_referral (Ministry of Employment and "
                                         "Labor); remedy_application_referral (Labor Relations Commission); "
                                         "state_representation_referral (state-appointed labor attorney); "
                                         "follow_up_needed; no_show (the resident never came: it does not "
                                         "count towards the attorney's annual cap).")
    note: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, max_length=2000)] | None = None


# --- responses ----------------------------------------------------------------------------------

class TranslationOut(BaseModel):
    text: str = Field(description="The machine translation (never the original).")
    source: str = Field(description="Language the message was written in.")
    target: str = Field(description="Language it was translated into.")
    machine: bool = Field(True, description="Always true: a machine translation, labelled as such.")


class MessageOut(BaseModel):
    id: str
    cursor: str
    side: Side
    mine: bool
    text: str = Field(description="The original, as written.")
    sent_at: datetime
    translation: TranslationOut | None = Field(None, description="For a resident and an attorney who share "
                                                                 "no language: the machine translation.")
    untranslated: Literal["unsupported", "unavailable"] | None = Field(
        None, description="The thread needs translation but this message has none: no machine translator "
                          "for the language (an interpreter helps), or the translator failed just then.")


class ThreadOut(BaseModel):
    items: list[MessageOut]
    next: str | None = Field(description="Poll again with ?since=<next>.")
    unread: int | None = Field(description="Messages of the other side you have not read.")
    read_by_other: str | None = Field(description="The other side has read your messages up to this cursor.")
    closed: bool


class SignalOut(BaseModel):
    cursor: str
    type: SignalType
    data: Any


class SignalsOut(BaseModel):
    items: list[SignalOut]
    next: str | None


class RoomOut(BaseModel):
    consultation_id: str
    status: Status
    method: Method
    side: Side
    ice_servers: list[dict[str, Any]]
    open: bool = Field(description="The video room is open now.")
    opens_at: datetime | None
    closes_at: datetime | None
    booked_start: datetime | None
    booked_end: datetime | None
    phone: str | None = Field(description="Attorney of a phone consultation: the resident's number "
                                          "(every read is access-logged).")
    call_at: datetime | None = Field(description="Resident of a phone consultation: when you will be called "
                                                 "(null: shortly, for a real-time match).")
    centre_phone: str
    outcome: Outcome | None


class OutcomeOut(BaseModel):
    consultation_id: str
    outcome: Outcome
    status: Status
    recorded_at: datetime


# --- routes -------------------------------------------------------------------------------------

_consultation_id = path_ids.consultation_id


def _ip(request: Request) -> str:
    return client_of(request).ip or ""


@operation(bp, "GET", "/api/consultations/{consultation_id}/messages", "The consultation's message thread "
           "(owner, assigned attorney; others 404, admins 403); poll with ?since=",
           tags=("rooms",), query=SinceQuery, responses={200: ThreadOut}, auth=True,
           errors=(400, 403, 404, 503))
def list_messages(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    cid = _consultation_id(consultation_id)
    query = parse_query(request, SinceQuery)
    page = container.rooms.thread(principal, cid, query.since, ip=_ip(request))
    return json_response(_thread_out(page, container.calendar), private=True)


@operation(bp, "POST", "/api/consultations/{consultation_id}/messages", "Send a message (owner, assigned "
           "attorney)", tags=("rooms",), request=MessageIn, responses={201: MessageOut}, auth=True,
           errors=(400, 403, 404, 409, 429, 503))
def post_message(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    cid = _consultation_id(consultation_id)
    body = parse_body(request, MessageIn)
    limit = container.settings.policy.message_max_chars
    if len(body.text) > limit:
        raise BadRequestError(f"A message can be at most {limit:,} characters; this one has {len(body.text):,}. "
                              "Split it into several messages.", code="message_too_long")
    message = container.rooms.post(principal, cid, body.text)
    return json_response(_message_out(message, message.side, container.calendar), 201, private=True)


@operation(bp, "POST", "/api/consultations/{consultation_id}/messages/read", "Mark messages read up to a "
           "cursor", tags=("rooms",), request=ReadIn, responses={200: ThreadOut}, auth=True,
           errors=(400, 403, 404))
def mark_read(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    cid = _consultation_id(consultation_id)
    body = parse_body(request, ReadIn)
    page = container.rooms.mark_read(principal, cid, body.until)
    return json_response(_thread_out(page, container.calendar), private=True)


@operation(bp, "GET", "/api/consultations/{consultation_id}/room", "The consultation room: method, ICE "
           "servers, when the video room opens, the phone details", tags=("rooms",),
           responses={200: RoomOut}, auth=True, errors=(403, 404, 503))
def get_room(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    cid = _consultation_id(consultation_id)
    view = container.rooms.room(principal, cid, ip=_ip(request))
    return json_response(_room_out(view, container.calendar), private=True)


@operation(bp, "POST", "/api/consultations/{consultation_id}/signal", "Send a WebRTC signalling message to "
           "the other participant (only while the room is open)", tags=("rooms",), request=SignalIn,
           responses={201: None}, auth=True, errors=(400, 403, 404, 409, 413))
def post_signal(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    cid = _consultation_id(consultation_id)
    body = parse_body(request, SignalIn)
    if len(request.raw_body or b"") > MAX_SIGNAL_BYTES:
        raise ApiError("A signalling message can be at most 16 KB.", status=413, code="payload_too_large")
    cursor = container.rooms.signal(principal, cid, body.type, body.data)
    return json_response({"cursor": cursor}, 201, private=True)


@operation(bp, "GET", "/api/consultations/{consultation_id}/signal", "The other participant's signalling "
           "messages since a cursor", tags=("rooms",), query=SinceQuery, responses={200: SignalsOut},
           auth=True, errors=(400, 403, 404, 409))
def list_signals(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    cid = _consultation_id(consultation_id)
    query = parse_query(request, SinceQuery)
    items, last = container.rooms.signals(principal, cid, query.since)
    out = SignalsOut(items=[SignalOut(cursor=s.cursor, type=s.type, data=s.data) for s in items], next=last)
    return json_response(out, private=True)


@operation(bp, "POST", "/api/attorney/consultations/{consultation_id}/outcome", "Record the outcome and "
           "close the consultation (assigned attorney; a booked one only once its slot has started, "
           "409 not_started before)", tags=("rooms",), request=OutcomeIn,
           responses={201: OutcomeOut}, auth=True, errors=(400, 403, 404, 409, 503))
def record_outcome(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = require_role(request, Role.ATTORNEY)
    cid = _consultation_id(consultation_id)
    body = parse_body(request, OutcomeIn)
    record = container.rooms.record_outcome(principal, cid, body.outcome, body.note or None)
    out = OutcomeOut(consultation_id=cid, outcome=record.outcome, status=Status.COMPLETED,
                     recorded_at=container.calendar.to_local(record.recorded_at))
    return json_response(out, 201, private=True)


# --- helpers ------------------------------------------------------------------------------------

def _message_out(m: Message, reader: Side | None, calendar: Any) -> MessageOut:
    t = m.translation
    return MessageOut(id=m.id, cursor=m.cursor, side=m.side, mine=m.side is reader, text=m.text,
                      sent_at=calendar.to_local(m.sent_at),
                      translation=TranslationOut(text=t.text, source=t.source, target=t.target,
                                                 machine=t.machine) if t is not None else None,
                      untranslated=m.untranslated if m.untranslated in ("unsupported", "unavailable") else None)


def _thread_out(page: ThreadPage, calendar: ServiceCalendar) -> ThreadOut:
    return ThreadOut(items=[_message_out(m, page.side, calendar) for m in page.messages],
                     next=page.next, unread=page.unread, read_by_other=page.read_by_other, closed=page.closed)


def _room_out(view: RoomView, calendar: Any) -> RoomOut:
    c, w = view.consultation, view.window

    def local(moment: datetime | None) -> datetime | None:
        return calendar.to_local(moment) if moment is not None else None

    call_at = view.booked[0] if view.side is Side.RESIDENT and c.method is Method.PHONE and view.booked else None
    return RoomOut(consultation_id=c.id, status=c.status, method=c.method, side=view.side,
                   ice_servers=list(view.ice_servers), open=view.open_now,
                   opens_at=local(w.opens_at if w else None), closes_at=local(w.closes_at if w else None),
                   booked_start=local(view.booked[0] if view.booked else None),
                   booked_end=local(view.booked[1] if view.booked else None),
                   phone=view.phone, call_at=local(call_at), centre_phone=view.fallback_phone,
                   outcome=view.outcome)


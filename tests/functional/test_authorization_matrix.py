"""The authorization matrix: every route of the app, tried by every kind of caller.

Two residents (R1, R2), two attorneys (A1, A2), an admin and an anonymous
caller. Every object the matrix names belongs to the *other* side: R2's
consultations (one assigned to A2), A2's offer, A2's booking, A2's roster
profile. R1 and A1 own objects of their own, so that their lists are not empty
and a list that leaked everything would show it.

One row per (route, target, caller) with the documented status
(CONTRACT.md, the OpenAPI summaries, the route and service docstrings):

- 401 for an anonymous caller on every route that needs a session;
- 403 for a caller of the wrong role (checked before any object is looked up);
- 404, exactly as for an id that does not exist, for another party's object.

Every row also checks that

- a refused call changes nothing at all (every fake's state compared before and after);
- a call by an outsider (anonymous, R1, A1) leaves the other party's records as
  they were, even when it succeeds (R1 leaving, A1 going on duty, ...);
- an outsider's response carries none of the other party's personal data
  (name, phone, description, message and signalling text, login history) and
  no id of theirs beyond the one the caller sent;
- a caller who may not know that an object exists gets the very response an
  unknown id gets (status and body), so the answer reveals nothing.

The route list comes from ``app.app.routes``: a route added without rows here
fails ``test_every_route_of_the_app_has_matrix_rows``.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.composition import Container, use_container
from chalicelib.domain.announcements import AnnouncementKind
from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.audit import LoginEvent, LoginResult
from chalicelib.domain.availability import Availability
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.domain.offers import (
    Offer,
    OfferStatus,
    RealtimeRequest,
    deadline_of,
)
from chalicelib.domain.rooms import Outcome, SignalType
from chalicelib.domain.surveys import SurveyAlreadyAnsweredError
from chalicelib.domain.users import UserProfile
from chalicelib.services import intake
from tests import documents
from tests.fakes import FakeAuthenticator, admin, attorney, resident
from tests.functional.test_admin_console_api import Roster
from tests.identity_fakes import Clock, signin_container
from tests.phones import code_from_notifier, verify_phone
from tests.support import ApiClient, ApiResponse, assert_error
from tests.twins.memory import MemoryBookingRepository, MemoryLoadStore, MemoryNotifier
from tests.twins.memory_announcements import MemoryAnnouncementStore
from tests.twins.memory_attachments import MemoryAttachmentStore, MemoryObjectStore
from tests.twins.memory_email import MemoryEmailHealthStore
from tests.twins.memory_phone import MemoryPhoneVerificationStore
from tests.twins.memory_realtime import MemoryRealtimeStore
from tests.twins.memory_rooms import MemoryThreadStore

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=KST)  # a Tuesday, inside the morning service window

# --- the parties ----------------------------------------------------------------------------------

ANON, R1, R2, A1, A2, ADMIN = "anonymous", "resident-1", "resident-2", "attorney-1", "attorney-2", "admin"
CALLERS = (ANON, R1, R2, A1, A2, ADMIN)
OUTSIDERS = frozenset({ANON, R1, A1})  # own nothing of R2's or A2's and are assigned to nothing of theirs
PRINCIPALS = {R1: resident("r1"), R2: resident("r2"), A1: attorney("att-001"), A2: attorney("att-002"),
              ADMIN: admin()}
A1_ID, A2_ID = "att-001", "att-002"

# R2's personal data: none of it may reach an outsider (ASCII, so JSON escaping cannot hide it).
VICTIM_NAME = "Victim Doe"
VICTIM_PHONE = "+821098765432"
VICTIM_DESCRIPTION = "VICTIM-DESCRIPTION: my employer has not paid me since October."
VICTIM_MESSAGE = "VICTIM-MESSAGE: the contract is in my drawer"
VICTIM_SIGNAL = "VICTIM-SIGNAL-candidate"
VICTIM_AGENT = "VICTIM-AGENT/1.0"
VICTIM_FILE = "VICTIM-FILE-payslip.pdf"  # the name of R2's document in "matched"
A2_PHONE, A2_EMAIL = "+821055550002", "attorney-two@example.invalid"  # A2's sealed contact details
VICTIM_MARKERS = (VICTIM_NAME, "98765432", "9876-5432", "VICTIM-DESCRIPTION", "VICTIM-MESSAGE", VICTIM_SIGNAL,
                  VICTIM_AGENT, "55550002", A2_EMAIL, "VICTIM-FILE")

# --- the objects (symbolic names; the world maps them to ids) -------------------------------------

# Who may know that the object exists: its owner, its assigned attorney, admins.
KNOWERS: dict[str, frozenset[str]] = {
    "matched": frozenset({R2, A2, ADMIN}),     # R2's video consultation, matched in real time with A2
    "booked": frozenset({R2, A2, ADMIN}),      # R2's phone reservation, booked with A2
    "submitted": frozenset({R2, ADMIN}),       # R2's reservation request, not booked yet
    "offered": frozenset({R2, ADMIN}),         # R2's real-time request, offered to A2 (not assigned yet)
    "completed": frozenset({R2, A2, ADMIN}),   # R2's consultation A2 closed with an outcome
    "offer": frozenset({A2}),                  # A2's pending offer (for "offered")
    "profile": frozenset({A2, ADMIN}),         # A2's roster profile
    "account": frozenset({A2, ADMIN}),         # A2's sign-in account, linked to A2's profile
    "session": frozenset({R2}),                # one of R2's sessions (another device of theirs)
    "kakao": frozenset(CALLERS),               # public targets
    "room.js": frozenset(CALLERS),
    "attachment": frozenset({R2, A2}),         # R2's document in "matched" (admins: nothing this round)
    "announcement": frozenset(CALLERS),        # a notice every page shows
}
VICTIM_TARGETS = frozenset({"matched", "booked", "submitted", "offered", "completed", "offer", "profile",
                            "attachment", "session"})
TARGET_PLACEHOLDER = {"profile": "{attorney_id}", "account": "{attorney_id}/accounts/{account}", "offer": "{offer_id}",
                      "kakao": "{provider}",
                      "room.js": "{name}", "session": "{session_id}", "announcement": "{announcement_id}",
                      "attachment": "{consultation_id}/attachments/{attachment_id}"}  # otherwise {consultation_id}


# --- expectations ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expect:
    status: int
    code: str | None = None  # the error code (JSON errors only)

    def __str__(self) -> str:
        return f"{self.status}{' ' + self.code if self.code else ''}"


OK, CREATED, FOUND = Expect(200), Expect(201), Expect(302)
SIGN_IN = Expect(401, "not_signed_in")
ROLE = Expect(403, "wrong_role")
HIDDEN = Expect(404, "not_found")
NOT_PARTICIPANT = Expect(403, "not_participant")  # admins see the consultation, not its thread or room
PAGE_SIGN_IN, PAGE_403 = Expect(401), Expect(403)  # HTML pages: the sign-in page, the 403 page
THREAD_CLOSED, ROOM_CLOSED = Expect(409, "thread_closed"), Expect(409, "room_closed")
BAD_INVITE = Expect(400, "invalid_invite")
NO_ADMIN_KEY = Expect(401, "invalid_admin_key")


@dataclass(frozen=True)
class Route:
    """The rows of one (method, route, target): the expected answer for each caller."""

    method: str
    path: str  # exactly as the app declares it
    expect: Mapping[str, Expect]
    target: str | None = None
    query: str = ""  # "{id}" stands for the target's id
    body: Any = None  # strings "{id}" / "{cursor}" are filled in
    headers: Mapping[str, str] = field(default_factory=dict)
    public: bool = False


def grid(anon: Expect, r1: Expect, r2: Expect, a1: Expect, a2: Expect, adm: Expect) -> dict[str, Expect]:
    return {ANON: anon, R1: r1, R2: r2, A1: a1, A2: a2, ADMIN: adm}


def admin_only(success: Expect) -> dict[str, Expect]:
    return grid(SIGN_IN, ROLE, ROLE, ROLE, ROLE, success)


def attorneys_only(success: Expect) -> dict[str, Expect]:
    return grid(SIGN_IN, ROLE, ROLE, success, success, ROLE)


def everyone_signed_in(success: Expect) -> dict[str, Expect]:
    return grid(SIGN_IN, success, success, success, success, success)


def public(method: str, path: str, expect: Expect, target: str | None = None, query: str = "") -> Route:
    return Route(method, path, {ANON: expect}, target=target, query=query, public=True)


INTAKE = {"category": "wage_arrears", "region": "suwon", "mode": "reservation", "method": "chat",
          "name": "Matrix Caller", "phone": "010-1111-2222", "consent_privacy": True,
          "description": "My employer has not paid my overtime for three months."}
NEW_ATTORNEY = {"id": "att-900", "display_name": "New Attorney", "categories": ["dismissal"],
                "regions": ["suwon"], "phone": "010-3333-4444", "email": "new@example.invalid"}
ATTORNEY_CHANGE = {"display_name": "Attorney Two (edited)", "categories": ["dismissal"], "regions": ["suwon"]}
FRIDAY_AFTERNOON = {"weekly": {"fri": [{"start": "14:00", "end": "15:00"}]}}
WEDNESDAY_14 = "2026-12-02T14:00:00+09:00"

MATRIX: tuple[Route, ...] = (
    # --- public: no session needed, the same for everyone ---------------------------------------
    public("GET", "/", OK),
    public("GET", "/api/health", OK),
    public("GET", "/api/meta", OK),
    public("GET", "/api/openapi.json", OK),
    public("GET", "/api/consent", OK),
    public("GET", "/static/{name}", OK, target="room.js"),
    public("GET", "/auth/{provider}/login", FOUND, target="kakao"),
    public("GET", "/auth/{provider}/callback", Expect(400, "invalid_state"), target="kakao"),
    # page shells: the personal part is fetched by the page's script through the API
    public("GET", "/consultations/{consultation_id}/room", OK, target="matched"),
    public("GET", "/consultations/{consultation_id}/survey", OK, target="completed"),
    public("GET", "/privacy", OK),
    public("GET", "/terms", OK),
    public("GET", "/accessibility", OK),
    public("GET", "/api/announcements", OK),

    # --- sessions and the signed-in person's own account --------------------------------------------
    # refresh needs a refresh token (cookie or body): a Bearer access token is not one
    Route("POST", "/auth/refresh", grid(*(SIGN_IN,) * 6)),
    Route("POST", "/auth/logout", everyone_signed_in(OK)),
    # Kakao's unlink callback is signed with the app's admin key; no user session may trigger it
    Route("GET", "/auth/kakao/unlink", grid(*(NO_ADMIN_KEY,) * 6)),
    Route("POST", "/auth/kakao/unlink", grid(*(NO_ADMIN_KEY,) * 6), body={"user_id": "2"}),
    # the staff second factor: staff only (a resident has none); nobody here is enrolled yet
    Route("GET", "/auth/second-factor", grid(SIGN_IN, ROLE, ROLE, OK, OK, OK)),
    Route("POST", "/auth/second-factor", grid(SIGN_IN, ROLE, ROLE, *(Expect(409, "not_enrolled"),) * 3),
          body={"code": "123456"}),
    Route("GET", "/second-factor", grid(PAGE_SIGN_IN, PAGE_403, PAGE_403, OK, OK, OK)),
    Route("GET", "/step-up", grid(PAGE_SIGN_IN, *(FOUND,) * 5)),
    Route("GET", "/api/me", everyone_signed_in(OK)),
    Route("GET", "/api/me/logins", everyone_signed_in(OK)),
    Route("GET", "/api/me/sessions", everyone_signed_in(OK)),
    # only one's own sessions: anyone else's is as unknown as an id that does not exist
    Route("DELETE", "/api/me/sessions/{session_id}", grid(SIGN_IN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
          target="session"),
    Route("DELETE", "/api/me", everyone_signed_in(OK)),
    Route("PUT", "/api/me/language", everyone_signed_in(OK), body={"language": "vi"}),
    Route("POST", "/api/me/attorney-link", everyone_signed_in(BAD_INVITE),
          body={"code": "ABCD-EFGH-JKMN-PQRS"}),

    # --- signed-in pages ----------------------------------------------------------------------------
    Route("GET", "/me", grid(PAGE_SIGN_IN, OK, OK, OK, OK, OK)),
    Route("GET", "/consultations", grid(PAGE_SIGN_IN, OK, OK, PAGE_403, PAGE_403, PAGE_403)),
    Route("GET", "/consultations/new", grid(PAGE_SIGN_IN, OK, OK, PAGE_403, PAGE_403, PAGE_403)),
    # a shell for any id: R1 gets exactly what an unknown id gets, and none of R2's data
    Route("GET", "/consultations/{consultation_id}", grid(PAGE_SIGN_IN, OK, OK, PAGE_403, PAGE_403, OK),
          target="matched"),
    Route("GET", "/attorney", grid(PAGE_SIGN_IN, PAGE_403, PAGE_403, OK, OK, PAGE_403)),
    Route("GET", "/admin", grid(PAGE_SIGN_IN, PAGE_403, PAGE_403, PAGE_403, PAGE_403, OK)),
    # anyone signed in may enter an invite code (an attorney is told they are linked already)
    Route("GET", "/attorney/join", grid(PAGE_SIGN_IN, OK, OK, OK, OK, OK)),

    # --- consultations (CONTRACT: owner, assigned attorney, admin; others get 404) ------------------
    Route("POST", "/api/consultations", grid(SIGN_IN, CREATED, CREATED, ROLE, ROLE, ROLE), body=INTAKE,
          headers={"Idempotency-Key": "matrix-intake-1"}),
    Route("GET", "/api/consultations", everyone_signed_in(OK)),
    Route("GET", "/api/consultations/{consultation_id}", grid(SIGN_IN, HIDDEN, OK, HIDDEN, OK, OK),
          target="matched"),
    # the offered attorney is not assigned yet: no personal data before accepting
    Route("GET", "/api/consultations/{consultation_id}", grid(SIGN_IN, HIDDEN, OK, HIDDEN, HIDDEN, OK),
          target="offered"),
    Route("GET", "/api/consultations/{consultation_id}/attorney", grid(SIGN_IN, HIDDEN, OK, HIDDEN, OK, OK),
          target="matched"),
    Route("GET", "/api/consultations/{consultation_id}/queue", grid(SIGN_IN, HIDDEN, OK, HIDDEN, HIDDEN, OK),
          target="offered"),
    # withdrawing is for the owner alone (CONTRACT "withdrawing"): everyone else, admins and the assigned
    # attorney included, gets what an unknown id gets; a closed one is refused to its owner only
    *(Route("DELETE", "/api/consultations/{consultation_id}", grid(SIGN_IN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
            target=target) for target in ("submitted", "offered", "matched", "booked")),
    Route("DELETE", "/api/consultations/{consultation_id}",
          grid(SIGN_IN, HIDDEN, Expect(409, "not_withdrawable"), HIDDEN, HIDDEN, HIDDEN), target="completed"),

    # correcting is for the owner alone, while the request waits; afterwards the owner is told why
    Route("PATCH", "/api/consultations/{consultation_id}", grid(SIGN_IN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN),
          target="submitted", body={"phone": "010-9999-8888"}),
    *(Route("PATCH", "/api/consultations/{consultation_id}",
            grid(SIGN_IN, HIDDEN, Expect(409, "not_correctable"), HIDDEN, HIDDEN, HIDDEN), target=target,
            body={"phone": "010-9999-8888"}) for target in ("offered", "booked", "completed")),

    # --- reservations (CONTRACT: slots and booking by the owner; cancel by owner or admin) ------------
    Route("GET", "/api/slots", grid(SIGN_IN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN), target="submitted",
          query="consultation_id={id}&from=2026-12-02&to=2026-12-03"),
    Route("POST", "/api/slots/hold", grid(SIGN_IN, HIDDEN, CREATED, HIDDEN, HIDDEN, HIDDEN),
          target="submitted", body={"consultation_id": "{id}", "start": WEDNESDAY_14}),
    Route("POST", "/api/consultations/{consultation_id}/booking",
          grid(SIGN_IN, HIDDEN, CREATED, HIDDEN, HIDDEN, HIDDEN), target="submitted",
          body={"start": WEDNESDAY_14}),
    # with a booking made, POST moves it: nobody but the owner may move R2's booking
    Route("POST", "/api/consultations/{consultation_id}/booking",
          grid(SIGN_IN, HIDDEN, CREATED, HIDDEN, HIDDEN, HIDDEN), target="booked",
          body={"start": WEDNESDAY_14}),
    Route("GET", "/api/consultations/{consultation_id}/booking",
          grid(SIGN_IN, HIDDEN, OK, HIDDEN, OK, OK), target="booked"),
    # cancelling is for the owner and admins; the booked attorney declines instead (next route)
    Route("DELETE", "/api/consultations/{consultation_id}/booking",
          grid(SIGN_IN, HIDDEN, OK, HIDDEN, HIDDEN, OK), target="booked"),
    Route("POST", "/api/attorney/bookings/{consultation_id}/decline",
          grid(SIGN_IN, ROLE, ROLE, HIDDEN, OK, ROLE), target="booked",
          body={"reason": "conflict of interest with the employer"}),

    # --- rooms (CONTRACT: messages by the owner and the assigned attorney only) ---------------------
    Route("GET", "/api/consultations/{consultation_id}/messages",
          grid(SIGN_IN, HIDDEN, OK, HIDDEN, OK, NOT_PARTICIPANT),
          target="matched"),
    Route("POST", "/api/consultations/{consultation_id}/messages",
          grid(SIGN_IN, HIDDEN, CREATED, HIDDEN, CREATED, NOT_PARTICIPANT), target="matched",
          body={"text": "a new message"}),
    # a closed thread: its parties learn it is closed; an outsider learns nothing (404, not 409)
    Route("POST", "/api/consultations/{consultation_id}/messages",
          grid(SIGN_IN, HIDDEN, THREAD_CLOSED, HIDDEN, THREAD_CLOSED, NOT_PARTICIPANT), target="completed",
          body={"text": "one more thing"}),
    Route("POST", "/api/consultations/{consultation_id}/messages/read",
          grid(SIGN_IN, HIDDEN, OK, HIDDEN, OK, NOT_PARTICIPANT), target="matched",
          body={"until": "{cursor}"}),
    Route("GET", "/api/consultations/{consultation_id}/room",
          grid(SIGN_IN, HIDDEN, OK, HIDDEN, OK, NOT_PARTICIPANT), target="matched"),
    Route("GET", "/api/consultations/{consultation_id}/signal",
          grid(SIGN_IN, HIDDEN, OK, HIDDEN, OK, NOT_PARTICIPANT), target="matched"),
    Route("POST", "/api/consultations/{consultation_id}/signal",
          grid(SIGN_IN, HIDDEN, CREATED, HIDDEN, CREATED, NOT_PARTICIPANT), target="matched",
          body={"type": "candidate", "data": {"candidate": "candidate:1 1 udp 1 192.0.2.1 5000 typ host"}}),
    # the room of tomorrow's booking is not open yet: 409 for its parties, 404 for an outsider
    Route("POST", "/api/consultations/{consultation_id}/signal",
          grid(SIGN_IN, HIDDEN, ROOM_CLOSED, HIDDEN, ROOM_CLOSED, NOT_PARTICIPANT), target="booked",
          body={"type": "offer", "data": {"type": "offer", "sdp": "v=0"}}),
    Route("POST", "/api/attorney/consultations/{consultation_id}/outcome",
          grid(SIGN_IN, ROLE, ROLE, HIDDEN, CREATED, ROLE), target="matched",
          body={"outcome": "advice_given"}),
    Route("POST", "/api/attorney/consultations/{consultation_id}/outcome",
          grid(SIGN_IN, ROLE, ROLE, HIDDEN, Expect(409, "outcome_recorded"), ROLE), target="completed",
          body={"outcome": "follow_up_needed"}),
    # --- documents (CONTRACT: owner and assigned attorney only, others 404; admins too) ---------------
    Route("POST", "/api/consultations/{consultation_id}/attachments",
          grid(SIGN_IN, HIDDEN, CREATED, HIDDEN, CREATED, HIDDEN), target="matched",
          body={"filename": "contract.pdf", "content_type": "application/pdf", "size": 2048}),
    Route("GET", "/api/consultations/{consultation_id}/attachments",
          grid(SIGN_IN, HIDDEN, OK, HIDDEN, OK, HIDDEN), target="matched"),
    # only its uploader confirms a document; the assigned attorney sees it but cannot confirm it
    Route("POST", "/api/consultations/{consultation_id}/attachments/{attachment_id}/confirm",
          grid(SIGN_IN, HIDDEN, OK, HIDDEN, HIDDEN, HIDDEN), target="attachment"),
    # tomorrow's booking is closed only once its slot has started
    Route("POST", "/api/attorney/consultations/{consultation_id}/outcome",
          grid(SIGN_IN, ROLE, ROLE, HIDDEN, Expect(409, "not_started"), ROLE), target="booked",
          body={"outcome": "advice_given"}),
    Route("POST", "/api/consultations/{consultation_id}/survey",
          grid(SIGN_IN, HIDDEN, CREATED, ROLE, ROLE, ROLE), target="completed", body={"rating": 5}),

    # --- attorneys (CONTRACT: offers of that attorney; first valid accept wins) -----------------------
    Route("GET", "/api/attorney/offers", attorneys_only(OK)),
    Route("POST", "/api/attorney/offers/{offer_id}/accept", grid(SIGN_IN, ROLE, ROLE, HIDDEN, OK, ROLE),
          target="offer"),
    Route("POST", "/api/attorney/offers/{offer_id}/decline", grid(SIGN_IN, ROLE, ROLE, HIDDEN, OK, ROLE),
          target="offer"),
    Route("GET", "/api/attorney/consultations", attorneys_only(OK)),
    Route("GET", "/api/attorney/duty", attorneys_only(OK)),
    Route("PUT", "/api/attorney/duty", attorneys_only(OK), body={"on_duty": True}),
    Route("GET", "/api/attorney/availability", attorneys_only(OK)),
    Route("PUT", "/api/attorney/availability", attorneys_only(OK), body=FRIDAY_AFTERNOON),

    Route("POST", "/api/me/phone-verification", everyone_signed_in(Expect(202)), body={"phone": "010-2345-6789"}),
    Route("POST", "/api/me/phone-verification/confirm", everyone_signed_in(Expect(400, "phone_code_expired")),
          body={"phone": "010-2345-6789", "code": "123456"}),
    Route("POST", "/api/me/phone-verification/status", everyone_signed_in(OK), body={"phone": "010-2345-6789"}),

    # --- admins ----------------------------------------------------------------------------------------
    Route("GET", "/api/admin/attorneys", admin_only(OK)),
    Route("POST", "/api/admin/attorneys", admin_only(CREATED), body=NEW_ATTORNEY),
    Route("PUT", "/api/admin/attorneys/{attorney_id}", admin_only(OK), target="profile",
          body=ATTORNEY_CHANGE),
    Route("PATCH", "/api/admin/attorneys/{attorney_id}", admin_only(OK), target="profile",
          body={"active": False}),
    Route("GET", "/api/admin/attorneys/{attorney_id}/availability", admin_only(OK), target="profile"),
    Route("PUT", "/api/admin/attorneys/{attorney_id}/availability", admin_only(OK), target="profile",
          body=FRIDAY_AFTERNOON),
    Route("POST", "/api/admin/attorneys/{attorney_id}/invites", admin_only(CREATED), target="profile"),
    Route("DELETE", "/api/admin/attorneys/{attorney_id}/second-factor", admin_only(OK), target="profile"),
    Route("GET", "/api/admin/attorneys/{attorney_id}/accounts", admin_only(OK), target="profile"),
    Route("DELETE", "/api/admin/attorneys/{attorney_id}/accounts/{account}", admin_only(OK), target="account"),
    Route("GET", "/api/admin/email-failures", admin_only(OK)),
    Route("POST", "/api/admin/attorneys/{attorney_id}/email-clear", admin_only(OK), target="profile"),
    Route("POST", "/api/admin/consultations/{consultation_id}/reassign", admin_only(OK), target="matched",
          body={"attorney_id": A1_ID, "reason": "the assigned attorney is on leave"}),
    Route("GET", "/api/admin/stats", admin_only(OK)),
    Route("GET", "/api/admin/access-log", admin_only(OK)),
    Route("GET", "/api/admin/access-review", admin_only(OK), query="month=2026-12"),
    Route("GET", "/api/admin/consultations", admin_only(OK)),
    Route("GET", "/api/admin/stats/export", admin_only(OK)),
    Route("GET", "/api/admin/announcements", admin_only(OK)),
    Route("POST", "/api/admin/announcements", admin_only(CREATED),
          body={"kind": "closure", "message_ko": "설 연휴에는 상담을 쉽니다.", "starts_at": "2026-12-01T00:00:00+09:00",
                "ends_at": "2026-12-03T00:00:00+09:00"}),
    Route("DELETE", "/api/admin/announcements/{announcement_id}", admin_only(Expect(204)), target="announcement"),
)


@dataclass(frozen=True)
class Case:
    route: Route
    caller: str
    expect: Expect

    @property
    def id(self) -> str:
        target = f" [{self.route.target}]" if self.route.target else ""
        return f"{self.route.method} {self.route.path}{target} as {self.caller} -> {self.expect}"


CASES = [Case(route, caller, expect) for route in MATRIX for caller, expect in route.expect.items()]


# --- fakes the other functional tests do not need -------------------------------------------------

class SurveyStore:
    """Twin of ``DynamoSurveyStore``: one answer per consultation."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, str, bytes | None, datetime, int | None]] = {}

    def save(self, consultation_id: str, rating: int, month: str, sealed_comment: bytes | None, now: datetime,
             expires_at: int | None) -> None:
        if consultation_id in self.answers:
            raise SurveyAlreadyAnsweredError()
        self.answers[consultation_id] = (rating, month, sealed_comment, now, expires_at)

    def erase_comment(self, consultation_id: str) -> bool:
        answer = self.answers.get(consultation_id)
        if answer is None or answer[2] is None:
            return False
        self.answers[consultation_id] = (answer[0], answer[1], None, answer[3], answer[4])
        return True


# --- the world ---------------------------------------------------------------------------------------

@dataclass
class World:
    api: ApiClient
    container: Container
    auth: FakeAuthenticator
    roster: Roster
    loads: MemoryLoadStore
    bookings: MemoryBookingRepository
    threads: MemoryThreadStore
    surveys: SurveyStore
    realtime: MemoryRealtimeStore
    notifier: MemoryNotifier
    ids: dict[str, str] = field(default_factory=dict)  # target name -> id
    own: dict[str, str] = field(default_factory=dict)  # R1's and A1's own objects
    cursor: str = ""  # the cursor of R2's message in "matched"

    def headers(self, caller: str) -> dict[str, str]:
        return {} if caller == ANON else self.auth.headers_for(PRINCIPALS[caller])

    @property
    def victim_ids(self) -> set[str]:
        return {v for k, v in self.ids.items() if k in VICTIM_TARGETS and k != "profile"}

    # what the fakes hold
    def state(self) -> dict[str, str]:
        """Everything every fake holds (the login history aside: every attempt is recorded there)."""
        c = self.container
        parts: dict[str, Any] = {
            "consultations": c.consultations, "threads": self.threads, "bookings": self.bookings,
            "loads": self.loads, "roster": self.roster, "notifier": self.notifier, "realtime": self.realtime,
            "surveys": self.surveys, "users": c.users, "invites": c.invites, "sessions": c.session_store,
            "attachments": c.attachment_store, "objects": c.object_store,
            "announcements": c.announcement_store, "phone_codes": c.phone_verification_store,
        }
        snapshot = {name: _fields(obj) for name, obj in parts.items()}
        snapshot["access_log"] = repr(c.audit.access)
        return snapshot

    def victim_state(self) -> dict[str, str]:
        """R2's and A2's records, one entry per object."""
        c = self.container
        out: dict[str, str] = {}
        for name in ("matched", "booked", "submitted", "offered", "completed"):
            cid = self.ids[name]
            out[f"consultation {name}"] = repr(c.consultations.get(cid))
            # the twin's dicts, read with .get: its public reads would add empty defaultdict entries
            out[f"thread {name}"] = repr((self.threads._messages.get(cid), self.threads._threads.get(cid),
                                          self.threads._signals.get(cid), self.threads._outcomes.get(cid)))
            out[f"booking {name}"] = repr(self.bookings.state_of(cid))
            out[f"real-time {name}"] = repr(self.realtime.request(cid))
            out[f"survey {name}"] = repr(self.surveys.answers.get(cid))
            out[f"documents {name}"] = repr(c.attachment_store.list(cid))
        out["offer"] = repr(self.realtime.offer(self.ids["offer"]))
        out["attorney-2"] = repr((self.roster.get(A2_ID), self.roster.contact(A2_ID),
                                  self.bookings.availability(A2_ID), self.loads.get_many([A2_ID], 2026),
                                  self.realtime.duty.get(A2_ID), self.realtime.busy_.get(A2_ID)))
        subject = PRINCIPALS[R2].subject
        out["resident-2 account"] = repr((c.users.get(subject), c.consultations.open_counts.get(subject)))
        out["messages to resident-2"] = repr([m for m in self.notifier.sms if m[0] == VICTIM_PHONE])
        out["alerts to attorney-2"] = repr(([m for m in self.notifier.sms if m[0] == A2_PHONE],
                                            [e for e in self.notifier.emails if e[0] == A2_ID]))
        return out

    # requests
    def request_of(self, route: Route, ids: Mapping[str, str]) -> tuple[str, Any]:
        path = route.path
        if route.target is not None:
            placeholder = TARGET_PLACEHOLDER.get(route.target, "{consultation_id}")
            path = path.replace(placeholder, ids.get(route.target, route.target))
        target_id = ids.get(route.target or "", "")
        if route.query:
            path += "?" + route.query.replace("{id}", target_id)
        return path, _filled(route.body, {"{id}": target_id, "{cursor}": self.cursor})

    def call(self, route: Route, caller: str, ids: Mapping[str, str] | None = None, *,
             auth: Mapping[str, str] | None = None) -> ApiResponse:
        path, body = self.request_of(route, self.ids if ids is None else ids)
        headers = {**(self.headers(caller) if auth is None else auth), **route.headers}
        return self.api.request(route.method, path, body=body, headers=headers)


def _filled(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return values.get(value, value)
    if isinstance(value, dict):
        return {k: _filled(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, values) for v in value]
    return value


_LOCKS = (type(threading.Lock()), type(threading.RLock()))


def _fields(obj: Any) -> str:
    """A fake's state as text; a defaultdict's empty entries (made by mere reads) do not count."""
    def plain(value: Any) -> Any:
        if isinstance(value, defaultdict):
            return {k: v for k, v in value.items() if v}
        return value

    return repr({k: plain(v) for k, v in sorted(vars(obj).items()) if not isinstance(v, _LOCKS)})


def _submit(world: World, owner: str, *, name: str, phone: str, description: str, mode: Mode, method: Method,
            category: str) -> str:
    c = world.container
    personal = PersonalDetails(name=name, phone=phone, description=description)
    made = intake.submit(consultations=c.consultations, cipher=c.cipher, calendar=c.calendar,
                         policy=c.settings.policy, owner=PRINCIPALS[owner].subject,
                         intake=Intake(category, "suwon", mode, method, Language.KO, personal),
                         idempotency_key=str(uuid.uuid4()), now=c.clock())
    return made.consultation.id


def _offer(world: World, consultation_id: str, attorney_id: str) -> str:
    c = world.container
    consultation = c.consultations.get(consultation_id)
    now = c.clock()
    request = RealtimeRequest(consultation_id, consultation.category, consultation.region,
                              queued_at=consultation.created_at)
    assert world.realtime.enqueue(request, consultation.sort_key)
    deadline = deadline_of(now, c.settings.policy.offer_timeout_seconds, c.calendar)
    offer = Offer(id=str(uuid.uuid4()), consultation_id=consultation_id, attorney_id=attorney_id,
                  category=consultation.category, region=consultation.region,
                  method=consultation.method.value, offered_at=now, deadline=deadline, attempt=1)
    world.realtime.create_offer(offer, world.realtime.request(consultation_id), now)
    return offer.id


def build_world() -> World:
    clock = Clock(NOW.astimezone(UTC))
    nowhere = "http://127.0.0.1:9"  # sign-in starts build a URL only; nothing here talks to a provider
    env = {"MAEUL_POLICY": json.dumps({"max_open_consultations": 10}),  # R2 holds four open ones
           "KAKAO_CLIENT_ID": "maeul-local-kakao", "NAVER_CLIENT_ID": "maeul-local-naver",
           "KAKAO_AUTH_BASE_URL": nowhere, "KAKAO_API_BASE_URL": nowhere,
           "NAVER_AUTH_BASE_URL": nowhere, "NAVER_API_BASE_URL": nowhere}
    container = signin_container(env, clock)
    auth, roster, loads, notifier = FakeAuthenticator(), Roster(), MemoryLoadStore(), MemoryNotifier()
    bookings = MemoryBookingRepository(container.consultations, loads, roster)
    threads, surveys = MemoryThreadStore(), SurveyStore()
    realtime = MemoryRealtimeStore(container.consultations, loads, roster)
    container.__dict__.update(authenticator=auth, attorneys=roster, loads=loads, notifier=notifier,
                              bookings=bookings, thread_store=threads, surveys=surveys,
                              realtime_store=realtime, attachment_store=MemoryAttachmentStore(),
                              object_store=MemoryObjectStore(), announcement_store=MemoryAnnouncementStore(),
                              email_health=MemoryEmailHealthStore(),
                              phone_verification_store=MemoryPhoneVerificationStore())
    use_container(container)
    world = World(ApiClient(), container, auth, roster, loads, bookings, threads, surveys, realtime, notifier)
    now = clock()
    for principal in PRINCIPALS.values():  # each caller signed in once (their account record)
        container.users.signed_in(principal.subject, principal.provider, UserProfile(), now)

    # A1 takes both categories but no reservations (so bookings go to A2); A2 takes dismissals.
    roster.save(Attorney(A1_ID, "Attorney One", frozenset({"wage_arrears", "dismissal"}),
                         frozenset({"suwon"})),
                AttorneyContact(phone="+821055550001", email="attorney-one@example.invalid"), now)
    bookings.save_availability(A1_ID, Availability.of({}), now)
    roster.save(Attorney(A2_ID, "Attorney Two", frozenset({"dismissal"}), frozenset({"suwon"}),
                         subjects=frozenset({PRINCIPALS[A2].subject})),
                AttorneyContact(phone=A2_PHONE, email=A2_EMAIL), now)

    victim = {"name": VICTIM_NAME, "phone": VICTIM_PHONE, "description": VICTIM_DESCRIPTION}
    own = {"name": "Alice Own", "phone": "+821012340001",
           "description": "R1's own case: unpaid severance after leaving."}
    consultations = container.consultations
    r2, a2 = PRINCIPALS[R2], PRINCIPALS[A2]

    ids = world.ids
    # R2 verified their number (resident SMS go to verified numbers only): they are told below
    verify_phone(world.api.post, auth.headers_for(r2), VICTIM_PHONE, code_from_notifier(notifier))

    def r2_consultation(mode: Mode, method: Method) -> str:
        return _submit(world, R2, **victim, mode=mode, method=method, category="dismissal")

    ids["matched"] = r2_consultation(Mode.REALTIME, Method.VIDEO)
    consultations.transition(ids["matched"], Status.MATCHED, now, attorney_id=A2_ID)
    world.cursor = container.rooms.post(r2, ids["matched"], VICTIM_MESSAGE).cursor
    container.rooms.signal(a2, ids["matched"], SignalType.CANDIDATE, {"candidate": VICTIM_SIGNAL})
    paper = documents.pdf()
    ticket = container.attachments.request_upload(r2, ids["matched"], filename=VICTIM_FILE,
                                                  content_type="application/pdf", size=len(paper))
    container.object_store.put(ticket.attachment.upload_key, paper, "application/pdf")  # as the browser would
    container.attachments.confirm(r2, ids["matched"], ticket.attachment.id)
    ids["attachment"] = f"{ids['matched']}/attachments/{ticket.attachment.id}"

    ids["booked"] = r2_consultation(Mode.RESERVATION, Method.PHONE)
    booked = container.reservations.book(r2, ids["booked"], datetime(2026, 12, 2, 10, tzinfo=KST))
    assert booked.booking.attorney_id == A2_ID

    ids["submitted"] = r2_consultation(Mode.RESERVATION, Method.PHONE)
    ids["offered"] = r2_consultation(Mode.REALTIME, Method.CHAT)
    ids["offer"] = _offer(world, ids["offered"], A2_ID)

    ids["completed"] = r2_consultation(Mode.REALTIME, Method.CHAT)
    consultations.transition(ids["completed"], Status.MATCHED, now, attorney_id=A2_ID)
    container.rooms.record_outcome(a2, ids["completed"], Outcome.ADVICE_GIVEN, None)
    ids["profile"] = A2_ID
    [a2_account] = container.staff_access.accounts(A2_ID)
    ids["account"] = f"{A2_ID}/accounts/{a2_account.ref}"
    from chalicelib.domain.identity import Provider

    ids["session"] = container.sessions.start(r2.subject, Provider.KAKAO).session_id
    ids["announcement"] = container.announcements.put_up(
        AnnouncementKind.MAINTENANCE, "시스템 점검으로 잠시 쉽니다.", None, now, now + timedelta(hours=2)).id

    container.audit.record_login(LoginEvent(now - timedelta(hours=1), "kakao", LoginResult.SUCCESS, "ok",
                                            "203.0.113.2", VICTIM_AGENT, r2.subject))

    # R1's and A1's own: a matched consultation with a message, and a pending offer.
    def r1_consultation() -> str:
        return _submit(world, R1, **own, mode=Mode.REALTIME, method=Method.CHAT, category="wage_arrears")

    world.own["matched"] = r1_consultation()
    consultations.transition(world.own["matched"], Status.MATCHED, now, attorney_id=A1_ID)
    container.rooms.post(PRINCIPALS[R1], world.own["matched"], "R1's own message")
    world.own["offered"] = r1_consultation()
    world.own["offer"] = _offer(world, world.own["offered"], A1_ID)
    notifier.sms.clear()
    notifier.emails.clear()
    return world


@pytest.fixture
def world() -> Iterator[World]:
    yield build_world()
    use_container(None)


# --- the matrix ------------------------------------------------------------------------------------

def _normalised(response: ApiResponse, ids: Mapping[str, str]) -> tuple[int, str, str]:
    text = response.body.decode("utf-8", "replace")
    for name, value in ids.items():
        text = text.replace(value, f"<{name}>")
    return response.status, response.headers.get("content-type", ""), text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_authorization_matrix(world: World, case: Case) -> None:
    route, caller, expect = case.route, case.caller, case.expect
    before, victim_before = world.state(), world.victim_state()

    response = world.call(route, caller)

    assert response.status == expect.status, (case.id, response.body[:400])
    is_json = response.headers.get("content-type", "").startswith("application/json")
    if expect.status >= 400 and (expect.code or is_json):
        assert_error(response, expect.status, expect.code)
    refused = expect.status >= 400
    if refused:
        assert world.state() == before, f"{case.id}: a refused call changed stored state"
    if caller in OUTSIDERS:
        assert world.victim_state() == victim_before, \
            f"{case.id}: an outsider's call changed the other side's records"
        text = response.body.decode("utf-8", "replace")
        leaked = [m for m in VICTIM_MARKERS if m in text]
        assert not leaked, f"{case.id}: the response carries the other side's data {leaked}"
        sent = world.ids.get(route.target or "")
        foreign = [i for i in world.victim_ids if i in text and i != sent]
        assert not foreign, f"{case.id}: the response names the other side's records {foreign}"
    target = route.target
    if target is not None and caller not in KNOWERS[target]:
        # Nothing tells this caller that the object exists: an unknown id gets the very same answer.
        unknown = {**world.ids, target: {"profile": "att-nobody", "account": f"{A2_ID}/accounts/{'0' * 24}",
                                         "attachment": f"{uuid.uuid4()}/attachments/{uuid.uuid4().hex}"}
                   .get(target, str(uuid.uuid4()))}
        again = world.call(route, caller, unknown)
        seen = _normalised(response, {target: world.ids[target]})
        assert _normalised(again, {target: unknown[target]}) == seen, \
            f"{case.id}: the answer differs from the answer for an id that does not exist"


# --- the matrix covers the app -------------------------------------------------------------------

def test_every_route_of_the_app_has_matrix_rows() -> None:
    from app import app

    served = {(method, path) for path, methods in app.routes.items() for method in methods}
    covered = {(route.method, route.path) for route in MATRIX}
    assert not served - covered, f"routes without authorization-matrix rows: {sorted(served - covered)}"
    assert not covered - served, f"matrix rows for routes the app does not serve: {sorted(covered - served)}"


def test_every_signed_in_route_is_tried_by_every_caller_and_refuses_anonymous_ones() -> None:
    for route in MATRIX:
        name = f"{route.method} {route.path}"
        if route.public:
            assert set(route.expect) == {ANON}, name
            assert route.expect[ANON].status not in (401, 403), f"{name} is listed as public"
        else:
            missing = set(CALLERS) - set(route.expect)
            assert not missing, f"{name} lacks rows for {missing}"
            assert route.expect[ANON].status == 401, f"{name}: an anonymous caller must get 401"
        if "{" in route.path:
            assert route.target is not None, f"{name} names an object: give the row a target"
            assert route.target in KNOWERS, name
        if not route.public and route.target in VICTIM_TARGETS:
            # another party's object: R1 and A1 get "wrong role" or "not found", never more; the one
            # exception is the status page's shell, which is the same for every id and holds no data
            for outsider in (R1, A1):
                status = route.expect[outsider].status
                shell = route.path == "/consultations/{consultation_id}"
                assert status in (403, 404) or (status == 200 and shell), f"{name} as {outsider}"


def test_the_other_sides_data_is_there_for_its_rightful_readers(world: World) -> None:
    """The leak checks above look for these markers: they must be in what R2, A2 and admins read."""
    matched = f"/api/consultations/{world.ids['matched']}"
    own = world.api.get(matched, headers=world.headers(R2)).body.decode()
    assert VICTIM_NAME in own and "98765432" in own and "VICTIM-DESCRIPTION" in own
    assert VICTIM_NAME in world.api.get(matched, headers=world.headers(ADMIN)).body.decode()
    thread = world.api.get(f"{matched}/messages", headers=world.headers(A2)).body.decode()
    assert "VICTIM-MESSAGE" in thread
    signals = world.api.get(f"{matched}/signal", headers=world.headers(R2)).body.decode()
    assert VICTIM_SIGNAL in signals
    assert VICTIM_AGENT in world.api.get("/api/me/logins", headers=world.headers(R2)).body.decode()
    documents_seen = world.api.get(f"{matched}/attachments", headers=world.headers(A2)).json["items"]
    assert [(d["filename"], d["status"], bool(d["url"])) for d in documents_seen] == [(VICTIM_FILE, "ready", True)]
    offers = world.api.get("/api/attorney/offers", headers=world.headers(A2)).json["items"]
    assert [o["id"] for o in offers] == [world.ids["offer"]]
    mine = world.api.get("/api/attorney/offers", headers=world.headers(A1)).json["items"]
    assert [o["id"] for o in mine] == [world.own["offer"]]  # A1's own list is not empty: it just lacks A2's
    listed = world.api.get("/api/consultations", headers=world.headers(R1)).json["items"]
    assert {c["id"] for c in listed} == {world.own["matched"], world.own["offered"]}
    assigned = world.api.get("/api/attorney/consultations", headers=world.headers(A1)).json["items"]
    assert [c["id"] for c in assigned] == [world.own["matched"]]


def test_a_refused_accept_leaves_the_offer_to_its_attorney(world: World) -> None:
    """The headline case, spelt out: A1 cannot take A2's offer, and A2 still can."""
    offer = world.ids["offer"]
    refused = world.api.post(f"/api/attorney/offers/{offer}/accept", headers=world.headers(A1))
    assert_error(refused, 404, "not_found")
    consultation = world.container.consultations.get(world.ids["offered"])
    assert consultation.status is Status.OFFERED and consultation.attorney_id is None
    assert world.realtime.offer(offer).status is OfferStatus.PENDING
    accepted = world.api.post(f"/api/attorney/offers/{offer}/accept", headers=world.headers(A2))
    assert accepted.status == 200, accepted.body
    assert world.container.consultations.get(world.ids["offered"]).attorney_id == A2_ID


def test_each_row_has_its_own_readable_id() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


# --- a deactivated attorney: every route A2 could use refuses A2's existing tokens at once -----------

# (logging out with an ended session is answered "signed out" as always, and is no access)
A2_ROUTES = [route for route in MATRIX if not route.public and route.expect[A2].status < 400
             and route.path != "/auth/logout"]


class RealOrTestTokens:
    """The app's authenticator for these rows: A2's real session tokens go to the real session service
    (signature, session, second factor), the test tokens of the other callers to the fake."""

    def __init__(self, fake: FakeAuthenticator, real: Any) -> None:
        self.fake, self.real = fake, real

    def authenticate(self, token: str) -> Any:
        return self.fake.authenticate(token) if token.startswith("test-") else self.real.authenticate(token)


def _a2_real_session(world: World, second_factor: bool = True) -> Any:
    """A2's account linked to A2's profile, signed in for real, second factor passed (or pending)."""
    from chalicelib.domain.identity import Provider, Role
    from tests.support import verified_staff_session

    c = world.container
    subject = PRINCIPALS[A2].subject
    world.roster.save(replace(world.roster.get(A2_ID), subjects=frozenset({subject})))
    c.__dict__["authenticator"] = RealOrTestTokens(world.auth, c.sessions)
    tokens = verified_staff_session(c, subject, Provider.KAKAO) if second_factor else \
        c.sessions.start(subject, Provider.KAKAO)
    assert tokens.role is Role.ATTORNEY
    return tokens


def _deactivate_a2(world: World) -> None:
    answer = world.api.request("PATCH", f"/api/admin/attorneys/{A2_ID}", body={"active": False},
                               headers=world.headers(ADMIN))
    assert answer.status == 200 and answer.json["sessions_ended"] == 1, answer.body
    assert answer.json["bookings_handed_back"] == 1


@pytest.mark.parametrize("route", A2_ROUTES,
                         ids=[f"{r.method} {r.path}{f' [{r.target}]' if r.target else ''} "
                              f"as deactivated attorney-2 -> 401" for r in A2_ROUTES])
def test_a_deactivated_attorneys_tokens_stop_working_at_once(world: World, route: Route) -> None:
    tokens = _a2_real_session(world)
    bearer = {"Authorization": f"Bearer {tokens.access_token}"}
    assert world.api.get("/api/attorney/duty", headers=bearer).status == 200  # works before
    _deactivate_a2(world)
    before, victim_before = world.state(), world.victim_state()
    refused = world.call(route, A2, auth=bearer)
    if route.path.startswith(("/api/", "/auth/")):
        assert_error(refused, 401, "invalid_session")
    else:  # a page: the sign-in page
        assert refused.status == 401 and refused.headers["content-type"].startswith("text/html")
    assert world.state() == before and world.victim_state() == victim_before
    assert not any(m in refused.body.decode() for m in VICTIM_MARKERS)


PENDING_ROUTES = [route for route in A2_ROUTES if "second-factor" not in route.path]


@pytest.mark.parametrize("route", PENDING_ROUTES,
                         ids=[f"{r.method} {r.path}{f' [{r.target}]' if r.target else ''} "
                              f"as attorney-2 before the second factor -> 401" for r in PENDING_ROUTES])
def test_a_staff_session_before_its_second_factor_reaches_nothing(world: World, route: Route) -> None:
    tokens = _a2_real_session(world, second_factor=False)
    before, victim_before = world.state(), world.victim_state()
    refused = world.call(route, A2, auth={"Authorization": f"Bearer {tokens.access_token}"})
    if route.path.startswith(("/api/", "/auth/")):
        assert_error(refused, 401, "second_factor_required")
    else:  # a page: on to the second-factor page
        assert refused.status == 302 and refused.headers["location"].startswith("/second-factor?next=")
    assert world.state() == before and world.victim_state() == victim_before
    assert not any(m in refused.body.decode() for m in VICTIM_MARKERS)


def test_a_deactivated_attorney_gets_no_attorney_role_until_reactivated(world: World) -> None:
    from chalicelib.domain.identity import Provider, Role

    tokens = _a2_real_session(world)
    _deactivate_a2(world)
    refused = world.api.post("/auth/refresh", body={"refresh_token": tokens.refresh_token})
    assert_error(refused, 401, "invalid_refresh")
    assert world.roster.get(A2_ID).active is False
    assert world.realtime.offer(world.ids["offer"]).status is OfferStatus.WITHDRAWN  # open work moves on
    booked = world.container.consultations.get(world.ids["booked"])  # tomorrow's booking: back to R2
    assert booked.status is Status.SUBMITTED and world.bookings.state_of(booked.id).active is None
    # R2 is told: the withdrawn real-time request (no attorney now), and the booking to pick again
    told = [text for phone, text in world.notifier.sms if phone == VICTIM_PHONE]
    assert len(told) == 2 and any(f"/consultations/{booked.id}" in text for text in told)
    subject = PRINCIPALS[A2].subject
    again = world.container.sessions.start(subject, Provider.KAKAO)  # a new sign-in: no attorney role
    assert again.role is Role.RESIDENT
    resident_now = {"Authorization": f"Bearer {again.access_token}"}
    assert_error(world.api.get("/api/attorney/duty", headers=resident_now), 403, "wrong_role")
    back = world.api.request("PATCH", f"/api/admin/attorneys/{A2_ID}", body={"active": True},
                             headers=world.headers(ADMIN))
    assert back.status == 200 and back.json["active"] is True and back.json["on_duty"] is False
    assert world.container.sessions.start(subject, Provider.KAKAO).role is Role.ATTORNEY
    actions = [e.action for e in world.container.audit.access if e.owner == f"attorney:{A2_ID}"]
    assert actions == ["attorney_deactivated", "attorney_reactivated"]


# --- step-up: leaving, roster changes need a recent sign-in (residents) or second factor (staff) ------

STEP_UP = {("DELETE", "/api/me"), ("POST", "/api/admin/attorneys"),
           ("PUT", "/api/admin/attorneys/{attorney_id}"), ("PATCH", "/api/admin/attorneys/{attorney_id}"),
           ("POST", "/api/admin/attorneys/{attorney_id}/invites"),
           ("DELETE", "/api/admin/attorneys/{attorney_id}/second-factor"),
           ("DELETE", "/api/admin/attorneys/{attorney_id}/accounts/{account}")}
STEP_UP_CASES = [(route, caller) for route in MATRIX if (route.method, route.path) in STEP_UP
                 for caller, expect in route.expect.items() if expect.status < 400]


@pytest.mark.parametrize("route,caller", STEP_UP_CASES,
                         ids=[f"{r.method} {r.path} as {c} signed in 11 minutes ago -> 401 step_up_required"
                              for r, c in STEP_UP_CASES])
def test_a_stale_session_must_step_up_first(world: World, route: Route, caller: str) -> None:
    minutes = world.container.settings.policy.step_up_minutes
    then = world.container.clock() - timedelta(minutes=minutes, seconds=1)
    stale = replace(PRINCIPALS[caller], signed_in_at=then, second_factor_at=then)
    before = world.state()
    refused = world.call(route, caller, auth=world.auth.headers_for(stale))
    assert_error(refused, 401, "step_up_required")
    assert world.state() == before
    # just inside the limit it goes through, as the matrix says
    later = then + timedelta(seconds=2)
    fresh = replace(stale, signed_in_at=later, second_factor_at=later)
    assert world.call(route, caller, auth=world.auth.headers_for(fresh)).status == route.expect[caller].status


def test_every_route_that_needs_a_step_up_is_in_the_matrix() -> None:
    assert STEP_UP <= {(route.method, route.path) for route in MATRIX}
    assert len(STEP_UP_CASES) == 5 + len(STEP_UP) - 1  # leaving: all five signed-in callers; the rest: admins


# --- browsers: the session cookie needs its CSRF token on every state-changing call ----------------

# Not here: Kakao's unlink callback (signed with Kakao's admin key, no session) and /auth/refresh
# (the refresh cookie's own CSRF check is in tests/functional/test_signin.py).
SESSION_ROUTES = [route for route in MATRIX
                  if route.method not in ("GET", "HEAD", "OPTIONS") and not route.public
                  and route.path not in ("/auth/kakao/unlink", "/auth/refresh")]


def _cookie_caller(route: Route) -> str:
    """The caller for whom the call would go through (R1 when it goes through for nobody)."""
    return next((c for c in (R2, A2, ADMIN, R1, A1) if route.expect[c].status < 300), R1)


@pytest.mark.parametrize("route", SESSION_ROUTES,
                         ids=[f"{r.method} {r.path}{f' [{r.target}]' if r.target else ''} as "
                              f"{_cookie_caller(r)}" for r in SESSION_ROUTES])
def test_a_cookie_session_without_its_csrf_token_changes_nothing(world: World, route: Route) -> None:
    caller = _cookie_caller(route)
    token = world.auth.issue(PRINCIPALS[caller])
    jar = {"Cookie": f"session={token}; csrf=matrix-csrf-value"}
    before = world.state()
    refused = world.call(route, caller, auth=jar)
    assert_error(refused, 403, "csrf_failed")
    assert world.state() == before
    # the same call with the token echoed is answered as the matrix says
    passed = world.call(route, caller, auth={**jar, "X-CSRF-Token": "matrix-csrf-value"})
    assert passed.status == route.expect[caller].status, passed.body[:300]

"""Consultation rooms through the app (chalice.test, in-memory twins, a movable clock): who may
read and post, limits with clear errors, read receipts, the nudge, signalling and its window,
the phone view, and closing with the outcome."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.adapters.recipients import ContactDirectory
from chalicelib.domain.attorneys import AttorneyContact
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.domain.rooms import Side
from chalicelib.services import intake
from tests.fakes import FakeAuthenticator, admin, attorney, resident
from tests.support import ApiClient, assert_error
from tests.twins.memory import MemoryAuditLog, MemoryConsultationRepository, MemoryNotifier
from tests.twins.memory_rooms import MemoryThreadStore

T0 = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # Tue 10:30 KST
PHONE = "+821023456789"


class Roster:
    def contact(self, attorney_id: str) -> AttorneyContact | None:
        return AttorneyContact(phone="+821099990000", email=f"{attorney_id}@example.org")


@dataclass
class Bookings:
    slots: dict[str, tuple[datetime, datetime]]

    def state_of(self, consultation_id: str) -> Any:
        slot = self.slots.get(consultation_id)

        class Active:
            start, end = slot if slot else (None, None)

        class State:
            active = Active() if slot else None

        return State()


class Duty:
    def __init__(self) -> None:
        self.released: list[tuple[str, str]] = []

    def release(self, attorney_id: str, consultation_id: str) -> None:
        self.released.append((attorney_id, consultation_id))


@dataclass
class World:
    api: ApiClient
    auth: FakeAuthenticator
    clock: list[datetime]
    consultations: MemoryConsultationRepository
    store: MemoryThreadStore
    notifier: MemoryNotifier
    audit: MemoryAuditLog
    bookings: Bookings
    duty: Duty
    container: Any

    def consultation(self, owner: str = "kakao:res-1", method: Method = Method.CHAT,
                     status: Status = Status.MATCHED, attorney_id: str = "att-001") -> str:
        c = self.container
        personal = PersonalDetails(name="홍길동", phone=PHONE,
                                   description="My employer has not paid me for two months.")
        made = intake.submit(consultations=self.consultations, cipher=c.cipher, calendar=c.calendar,
                             policy=c.settings.policy, owner=owner,
                             intake=Intake("wages", "suwon", Mode.REALTIME, method, Language.KO, personal),
                             idempotency_key=str(uuid.uuid4()), now=self.clock[0])
        cid = made.consultation.id
        self.consultations.transition(cid, Status.MATCHED, self.clock[0], attorney_id=attorney_id)
        if status is Status.BOOKED:
            self.consultations.transition(cid, Status.BOOKED, self.clock[0])
        return cid

    def h(self, principal: Any) -> dict[str, str]:
        return self.auth.headers_for(principal)


@pytest.fixture
def world(clock_at) -> World:
    clock = [T0]
    container = clock_at(T0)
    container.clock = lambda: clock[0]
    auth = FakeAuthenticator()
    consultations = MemoryConsultationRepository(container.settings.policy.retention_days_after_close)
    cipher = LocalFieldCipher()
    store, notifier, audit = MemoryThreadStore(), MemoryNotifier(), MemoryAuditLog()
    bookings, duty = Bookings({}), Duty()
    container.__dict__.update(authenticator=auth, cipher=cipher, consultations=consultations, thread_store=store,
                              notifier=notifier, audit=audit, bookings=bookings, duty=duty,
                              recipients=ContactDirectory(Roster(), consultations, cipher))
    return World(ApiClient(), auth, clock, consultations, store, notifier, audit, bookings, duty, container)


def tick(world: World, **delta: float) -> None:
    world.clock[0] = world.clock[0] + timedelta(**delta)


def test_the_two_participants_exchange_messages_and_others_get_404(world: World) -> None:
    cid = world.consultation()
    me, lawyer = resident("res-1"), attorney("att-001")
    path = f"/api/consultations/{cid}/messages"
    sent = world.api.post(path, body={"text": "  안녕하세요, 임금을 못 받았어요.  "}, headers=world.h(me))
    assert sent.status == 201 and sent.json["text"] == "안녕하세요, 임금을 못 받았어요." and sent.json["mine"]
    tick(world, seconds=5)
    page = world.api.get(path, headers=world.h(lawyer)).json
    assert [m["text"] for m in page["items"]] == ["안녕하세요, 임금을 못 받았어요."]
    assert page["items"][0]["side"] == "resident" and not page["items"][0]["mine"]
    assert page["unread"] == 0  # reading the page marked it read
    assert world.api.post(path, body={"text": "네, 언제부터인가요?"}, headers=world.h(lawyer)).status == 201
    mine = world.api.get(f"{path}?since={sent.json['cursor']}", headers=world.h(me)).json
    assert [m["text"] for m in mine["items"]] == ["네, 언제부터인가요?"]
    assert mine["read_by_other"] >= sent.json["cursor"]  # the attorney read my message
    # nothing new: the same cursor back, no items
    again = world.api.get(f"{path}?since={mine['next']}", headers=world.h(me)).json
    assert again["items"] == [] and again["next"] == mine["next"]
    # a third resident, another attorney: 404 exactly as for an unknown id
    for stranger in (resident("res-2"), attorney("att-002")):
        assert_error(world.api.get(path, headers=world.h(stranger)), 404, "not_found")
        assert_error(world.api.post(path, body={"text": "hi"}, headers=world.h(stranger)), 404, "not_found")
    assert_error(world.api.get(f"/api/consultations/{uuid.uuid4()}/messages", headers=world.h(me)), 404)
    assert world.api.get(path).status == 401


def test_the_thread_is_the_two_parties_only_admins_neither_read_nor_post(world: World) -> None:
    """CONTRACT.md: messages are for the owner and the assigned attorney."""
    cid = world.consultation()
    world.api.post(f"/api/consultations/{cid}/messages", body={"text": "hello"}, headers=world.h(resident("res-1")))
    page = world.api.get(f"/api/consultations/{cid}/messages", headers=world.h(admin()))
    assert_error(page, 403, "not_participant")
    assert "hello" not in page.body.decode()
    assert_error(world.api.post(f"/api/consultations/{cid}/messages", body={"text": "x"}, headers=world.h(admin())),
                 403, "not_participant")
    assert world.audit.access == []  # nothing was read


def test_bad_messages_and_cursors_get_clear_errors(world: World) -> None:
    cid = world.consultation()
    h = world.h(resident("res-1"))
    path = f"/api/consultations/{cid}/messages"
    assert_error(world.api.post(path, body={"text": "   "}, headers=h), 400, "invalid_input")
    too_long = world.api.post(path, body={"text": "가" * 2001}, headers=h)
    assert "2,000" in assert_error(too_long, 400, "message_too_long")["message"]
    assert world.api.post(path, body={"text": "가" * 2000}, headers=h).status == 201
    # characters outside the BMP travel as surrogate pairs in JSON; each is still one character
    assert_error(world.api.post(path, body={"text": "\U0001F3FB" * 2001}, headers=h), 400, "message_too_long")
    assert world.api.post(path, body={"text": "\U0001F3FB" * 10001}, headers=h).status == 413  # over 32 KB
    assert_error(world.api.post(path, body={"text": "a\x00b"}, headers=h), 400, "invalid_input")
    assert_error(world.api.post(path, body={"text": "x", "to": "y"}, headers=h), 400, "invalid_input")
    assert_error(world.api.get(f"{path}?since=yesterday", headers=h), 400, "invalid_input")


def test_twenty_messages_a_minute_then_429_until_the_next_minute(world: World) -> None:
    cid = world.consultation()
    h = world.h(resident("res-1"))
    path = f"/api/consultations/{cid}/messages"
    for i in range(20):
        assert world.api.post(path, body={"text": f"m{i}"}, headers=h).status == 201
    limited = assert_error(world.api.post(path, body={"text": "one more"}, headers=h), 429, "too_many_messages")
    assert "minute" in limited["message"]
    assert world.api.post(path, body={"text": "from the attorney"}, headers=world.h(attorney("att-001"))).status == 201
    tick(world, minutes=1)
    assert world.api.post(path, body={"text": "later"}, headers=h).status == 201
    texts = [m["text"] for m in world.api.get(path, headers=h).json["items"]]
    assert len(texts) == 22 and texts[-1] == "later" and texts[:2] == ["m0", "m1"]


def test_unread_counts_per_side_and_explicit_read_receipts(world: World) -> None:
    cid = world.consultation()
    me, lawyer = world.h(resident("res-1")), world.h(attorney("att-001"))
    path = f"/api/consultations/{cid}/messages"
    world.api.post(path, body={"text": "first"}, headers=me)
    second = world.api.post(path, body={"text": "second"}, headers=me).json
    assert world.store.state(cid).unread_by(Side.ATTORNEY) == 2
    assert world.store.state(cid).unread_by(Side.RESIDENT) == 0
    marked = world.api.post(f"{path}/read", body={"until": second["cursor"]}, headers=lawyer)
    assert marked.status == 200 and marked.json["unread"] == 0
    assert world.api.get(path, headers=me).json["read_by_other"] == second["cursor"]
    assert_error(world.api.post(f"{path}/read", body={"until": "x"}, headers=lawyer), 400, "invalid_input")


def test_the_thread_closes_with_the_consultation(world: World) -> None:
    cid = world.consultation()
    h = world.h(resident("res-1"))
    world.consultations.transition(cid, Status.CANCELLED, world.clock[0])
    closed = assert_error(world.api.post(f"/api/consultations/{cid}/messages", body={"text": "hello?"}, headers=h),
                          409, "thread_closed")
    assert "031-8030-4541" in closed["message"]
    assert world.api.get(f"/api/consultations/{cid}/messages", headers=h).json["closed"] is True


def test_a_waiting_resident_message_nudges_the_attorney_once_without_content(world: World) -> None:
    from chalicelib.jobs.message_nudge import run

    cid = world.consultation()
    world.api.post(f"/api/consultations/{cid}/messages", body={"text": "급해요 비밀 내용"},
                   headers=world.h(resident("res-1")))
    tick(world, minutes=9)
    assert run(world.container, world.clock[0])["sent"] == 0 and world.notifier.sms == []
    tick(world, minutes=2)
    assert run(world.container, world.clock[0])["sent"] == 1
    (phone, text), = world.notifier.sms
    assert phone == "+821099990000" and "비밀" not in text and f"/consultations/{cid}/room" in text
    tick(world, minutes=5)
    assert run(world.container, world.clock[0])["sent"] == 0  # once per waiting period
    # an answered thread is not nudged
    other = world.consultation(owner="kakao:res-9")
    world.api.post(f"/api/consultations/{other}/messages", body={"text": "q"}, headers=world.h(resident("res-9")))
    world.api.post(f"/api/consultations/{other}/messages", body={"text": "a"}, headers=world.h(attorney("att-001")))
    tick(world, minutes=30)
    assert run(world.container, world.clock[0])["sent"] == 0


def test_signalling_only_between_the_two_and_only_while_the_room_is_open(world: World) -> None:
    cid = world.consultation(method=Method.VIDEO, owner="kakao:res-v", status=Status.BOOKED)
    start = T0 + timedelta(hours=2)
    world.bookings.slots[cid] = (start, start + timedelta(minutes=30))
    me, lawyer = world.h(resident("res-v")), world.h(attorney("att-001"))
    path = f"/api/consultations/{cid}/signal"
    early = assert_error(world.api.post(path, body={"type": "offer", "data": {"sdp": "v=0"}}, headers=me),
                         409, "room_closed")
    assert early["details"]["opens_at"] == "2026-12-01T12:20:00+09:00"
    room = world.api.get(f"/api/consultations/{cid}/room", headers=me).json
    assert room["open"] is False and room["method"] == "video" and room["ice_servers"] == []
    world.clock[0] = start - timedelta(minutes=5)
    offer = {"type": "offer", "data": {"type": "offer", "sdp": "v=0"}}
    assert world.api.post(path, body=offer, headers=me).status == 201
    tick(world, milliseconds=20)
    assert world.api.post(path, body={"type": "candidate", "data": {"candidate": "c1"}}, headers=me).status == 201
    tick(world, milliseconds=20)
    seen = world.api.get(path, headers=lawyer).json
    assert [s["type"] for s in seen["items"]] == ["offer", "candidate"]
    assert world.api.get(path, headers=me).json["items"] == []  # one's own signals are not echoed
    assert world.api.post(path, body={"type": "answer", "data": {"type": "answer", "sdp": "v=0"}},
                          headers=lawyer).status == 201
    mine = world.api.get(path, headers=me).json
    assert [s["type"] for s in mine["items"]] == ["answer"]
    assert world.api.get(f"{path}?since={mine['next']}", headers=me).json["items"] == []
    assert_error(world.api.get(path, headers=world.h(resident("res-2"))), 404, "not_found")
    assert_error(world.api.get(path, headers=world.h(admin())), 403, "not_participant")
    assert_error(world.api.post(path, body={"type": "bye"}, headers=me), 400, "invalid_input")
    big = world.api.post(path, body={"type": "candidate", "data": "x" * 17000}, headers=me)
    assert_error(big, 413, "payload_too_large")
    world.clock[0] = start + timedelta(minutes=61)
    assert_error(world.api.get(path, headers=me), 409, "room_closed")


def test_a_realtime_match_opens_the_room_at_once(world: World) -> None:
    cid = world.consultation(method=Method.VIDEO, owner="kakao:res-rt")
    room = world.api.get(f"/api/consultations/{cid}/room", headers=world.h(resident("res-rt"))).json
    assert room["open"] is True and room["opens_at"] is None


def test_phone_the_attorney_sees_the_number_access_logged_and_the_resident_the_time(world: World) -> None:
    cid = world.consultation(method=Method.PHONE, owner="kakao:res-p", status=Status.BOOKED)
    start = T0 + timedelta(hours=3)
    world.bookings.slots[cid] = (start, start + timedelta(minutes=30))
    lawyer = world.api.get(f"/api/consultations/{cid}/room", headers=world.h(attorney("att-001"))).json
    assert lawyer["phone"] == PHONE and lawyer["side"] == "attorney"
    assert [(e.action, e.owner) for e in world.audit.access] == [("read_phone", "kakao:res-p")]
    mine = world.api.get(f"/api/consultations/{cid}/room", headers=world.h(resident("res-p"))).json
    assert mine["phone"] is None and mine["call_at"] == "2026-12-01T13:30:00+09:00"
    assert mine["centre_phone"] == "031-8030-4541"


def test_the_outcome_completes_the_consultation_closes_the_thread_and_sends_the_survey(world: World) -> None:
    cid = world.consultation(owner="kakao:res-o")
    path = f"/api/attorney/consultations/{cid}/outcome"
    assert_error(world.api.post(path, body={"outcome": "advice_given"}, headers=world.h(resident("res-o"))),
                 403, "wrong_role")
    assert_error(world.api.post(path, body={"outcome": "advice_given"}, headers=world.h(attorney("att-002"))),
                 404, "not_found")
    assert_error(world.api.post(path, body={"outcome": "won"}, headers=world.h(attorney("att-001"))),
                 400, "invalid_input")
    done = world.api.post(path, body={"outcome": "wage_complaint_referral", "note": "진정서 작성 안내"},
                          headers=world.h(attorney("att-001")))
    assert done.status == 201 and done.json["status"] == "completed"
    assert world.consultations.get(cid).status is Status.COMPLETED
    record = world.store.outcome(cid)
    assert record.outcome.value == "wage_complaint_referral" and b"\xec\xa7\x84" not in record.sealed_note
    closed, survey = world.notifier.messages  # the outcome in plain words and the next step, then the survey
    assert closed[0] == PHONE and closed[1].code == "MAEUL_CLOSED_KO"
    assert "임금체불 진정을 권해 드렸습니다" in closed[1].text and "labor.moel.go.kr" in closed[1].text
    assert "진정서 작성 안내" not in closed[1].text  # the attorney's note stays out of the message
    phone, text = survey[0], survey[1].text
    assert phone == PHONE and f"/consultations/{cid}/survey" in text
    assert world.duty.released == [("att-001", cid)]
    assert_error(world.api.post(f"/api/consultations/{cid}/messages", body={"text": "thanks"},
                                headers=world.h(resident("res-o"))), 409, "thread_closed")
    assert_error(world.api.post(path, body={"outcome": "advice_given"}, headers=world.h(attorney("att-001"))),
                 409, "outcome_recorded")


def test_the_room_page_is_served_with_its_script_and_no_inline_code(world: World) -> None:
    cid = world.consultation()
    page = world.api.get(f"/consultations/{cid}/room")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    text = page.body.decode()
    assert '<script src="/static/room.js" defer></script>' in text and f'data-consultation="{cid}"' in text
    assert "<script>" not in text and "style=" not in text
    assert world.api.get("/consultations/nope/room").status == 404
    assert world.api.get("/static/room.js").status == 200


def test_an_attorney_reading_the_residents_messages_is_access_logged_once_per_new_batch(world: World) -> None:
    cid = world.consultation(owner="kakao:res-log")
    me, lawyer = resident("res-log"), attorney("att-001")
    path = f"/api/consultations/{cid}/messages"
    words = "임금을 세 달째 못 받았습니다."
    first = world.api.post(path, body={"text": words}, headers=world.h(me)).json
    tick(world, seconds=2)
    page = world.api.get(path, headers=world.h(lawyer)).json
    entries = [(e.actor, e.owner, e.record, e.action) for e in world.audit.access]
    assert entries == [(lawyer.subject, "kakao:res-log", f"consultation:{cid}", "read_thread")]
    # polls that bring nothing new, the attorney's own message, the resident's own reading: no entry
    world.api.get(f"{path}?since={page['next']}", headers=world.h(lawyer))
    mine = world.api.post(path, body={"text": "언제부터인가요?"}, headers=world.h(lawyer)).json
    world.api.get(f"{path}?since={page['next']}", headers=world.h(lawyer))
    world.api.get(path, headers=world.h(me))
    assert len(world.audit.access) == 1
    # the resident writes again: the attorney's next read is logged again
    world.api.post(path, body={"text": "작년 10월부터요."}, headers=world.h(me))
    tick(world, seconds=2)
    world.api.get(f"{path}?since={mine['cursor']}", headers=world.h(lawyer))
    assert [e.action for e in world.audit.access] == ["read_thread", "read_thread"]
    assert first["text"] not in repr(world.audit.access)  # the log holds who and what, never the words

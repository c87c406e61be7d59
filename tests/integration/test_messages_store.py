"""Consultation rooms on the emulator: messages sealed at rest (a raw scan finds no text), polling
by cursor in commit order, unread counts, the waiting index for the nudge, closing, signalling
TTL, and the KMS cost of a page of 50 messages (data keys are cached, not one call a message)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.composition import Container
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.domain.rooms import Outcome, Side, SignalType, ThreadClosedError
from chalicelib.services import intake
from chalicelib.settings import Settings
from ops import awscalls
from tests.fakes import attorney, resident
from tests.identity_fakes import Clock
from tests.phones import code_from_notifier, verify_with
from tests.twins.memory import MemoryNotifier

pytestmark = pytest.mark.emulator

T0 = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)


def fresh(stack_env: dict[str, str], clock: Clock) -> Container:
    built = Container(Settings.from_env(stack_env), clock=clock)
    built.tables  # noqa: B018
    built.__dict__["notifier"] = MemoryNotifier()
    return built


def matched(c: Container, clock: Clock, owner: str, method: Method = Method.CHAT) -> str:
    personal = PersonalDetails(name="김민수", phone="+821055556666",
                               description="My employer has not paid my wages since October.")
    made = intake.submit(consultations=c.consultations, cipher=c.cipher, calendar=c.calendar,
                         policy=c.settings.policy, owner=owner,
                         intake=Intake("wages", "suwon", Mode.REALTIME, method, Language.KO, personal),
                         idempotency_key=str(uuid.uuid4()), now=clock())
    c.consultations.transition(made.consultation.id, Status.MATCHED, clock(), attorney_id="att-001")
    return made.consultation.id


def raw_main_items(c: Container, pk: str) -> list[dict[str, Any]]:
    """Every raw item of one partition, by Scan (tests may scan; the app never does)."""
    ddb = c.boto_session.client("dynamodb")
    out = []
    for page in ddb.get_paginator("scan").paginate(TableName=c.settings.main_table):
        out += [i for i in page["Items"] if i["pk"]["S"] == pk]
    return out


@pytest.fixture(scope="module")
def world(container, stack_env):
    clock = Clock(T0)
    return fresh(stack_env, clock), clock


def test_messages_are_sealed_polled_in_order_and_counted_unread(world) -> None:
    c, clock = world
    owner = f"kakao:room-{uuid.uuid4().hex[:6]}"
    cid = matched(c, clock, owner)
    me = resident(owner.removeprefix("kakao:"))
    lawyer = attorney("att-001")
    secret = f"체불임금 비밀문구 {uuid.uuid4().hex}"
    first = c.rooms.post(me, cid, secret)
    clock.advance(seconds=1)
    c.rooms.post(me, cid, "second")
    assert c.thread_store.state(cid).unread_by(Side.ATTORNEY) == 2
    page = c.rooms.thread(lawyer, cid, None)
    assert [m.text for m in page.messages] == [secret, "second"] and page.unread == 0
    clock.advance(seconds=1)
    reply = c.rooms.post(lawyer, cid, "답변드립니다")
    newer = c.rooms.thread(me, cid, page.next)
    assert [m.text for m in newer.messages] == ["답변드립니다"] and newer.messages[0].cursor == reply.cursor
    assert newer.read_by_other >= page.next and newer.unread == 0
    assert c.rooms.thread(me, cid, newer.next).messages == []
    # at rest: no text, no name, anywhere in the thread's partition
    raw = repr(raw_main_items(c, f"THREAD#{cid}"))
    assert "THREAD#" in raw and secret not in raw and "답변드립니다" not in raw and "second" not in raw
    assert first.id in raw  # the id is plaintext, the text is not
    # a sealed message copied into another thread is refused (record binding)
    other = matched(c, clock, f"kakao:room-{uuid.uuid4().hex[:6]}")
    stolen = c.thread_store.messages(cid, None, 1)[0]
    from dataclasses import replace

    c.thread_store.post(replace(stolen, consultation_id=other, cursor=stolen.cursor), rate_key="x", rate_limit=20,
                        now=clock(), retention=timedelta(days=30))
    from chalicelib.domain.consultations import RecordIntegrityError

    with pytest.raises(RecordIntegrityError):
        c.rooms.thread(lawyer, other, None)


def test_a_page_of_50_messages_costs_at_most_one_kms_call(world, stack_env) -> None:
    c, clock = world
    owner = f"kakao:kms-{uuid.uuid4().hex[:6]}"
    cid = matched(c, clock, owner)
    me, lawyer = resident(owner.removeprefix("kakao:")), attorney("att-001")
    c.rooms.post(me, cid, "warm-up")  # builds clients, fetches the data key
    # and the attorney's first reply: it tells the resident once per window (their sealed phone read
    # then), so the messages below cost no KMS call of their own
    c.rooms.post(lawyer, cid, "warm-up reply")
    with awscalls.count_calls("kms") as posting:
        for n in range(48):
            if n and n % 18 == 0:
                clock.advance(minutes=1)  # stay under the per-minute limit
            c.rooms.post(me if n % 2 else lawyer, cid, f"message {n}")
    assert posting.total == 0, posting.by_operation
    cold = fresh(stack_env, clock)  # a new Lambda container: empty data-key cache
    with awscalls.count_calls("kms") as reading, awscalls.count_calls("dynamodb") as ddb:
        page = cold.rooms.thread(me, cid, None)
    assert len(page.messages) == 50
    assert reading.total <= 1, reading.by_operation
    assert ddb.by_operation["dynamodb.Query"] == 1, ddb.by_operation
    print(f"KMS calls for a page of 50 messages (cold container): {reading.total}; "
          f"DynamoDB: {dict(ddb.by_operation)}")
    # keep the table small (the emulator copies it on every transaction)
    for m in c.thread_store.messages(cid, None, 100):
        from chalicelib.adapters.dynamo.messages import MessageItem

        MessageItem(f"THREAD#{cid}", f"MSG#{m.cursor}").delete()


def test_the_waiting_index_holds_unanswered_threads_only_and_a_nudge_is_claimed_once(world) -> None:
    c, clock = world
    owner = f"kakao:wait-{uuid.uuid4().hex[:6]}"
    cid = matched(c, clock, owner)
    me = resident(owner.removeprefix("kakao:"))
    c.rooms.post(me, cid, "are you there?")
    posted_at = clock()
    later = posted_at + timedelta(minutes=11)
    waiting = dict(c.thread_store.waiting(later, limit=1000))
    assert waiting.get(cid) == posted_at
    assert cid not in dict(c.thread_store.waiting(posted_at - timedelta(seconds=1), limit=1000))
    assert c.thread_store.mark_nudged(cid, posted_at, later) is True
    assert c.thread_store.mark_nudged(cid, posted_at, later) is False
    assert cid not in dict(c.thread_store.waiting(later, limit=1000))
    # answered: gone from the index; a new resident message enters it again
    clock.advance(seconds=1)
    c.rooms.post(me, cid, "hello?")
    clock.advance(seconds=1)
    c.rooms.post(attorney("att-001"), cid, "yes")
    assert cid not in dict(c.thread_store.waiting(clock() + timedelta(hours=1), limit=1000))


def test_closing_makes_the_thread_read_only_and_the_outcome_completes_the_consultation(world) -> None:
    c, clock = world
    owner = f"kakao:close-{uuid.uuid4().hex[:6]}"
    cid = matched(c, clock, owner, Method.PHONE)
    me, lawyer = resident(owner.removeprefix("kakao:")), attorney("att-001")
    verify_with(c.phone_verification, me, "+821055556666", code_from_notifier(c.notifier))  # SMS: verified only
    c.rooms.post(me, cid, "thank you")
    record = c.rooms.record_outcome(lawyer, cid, Outcome.REMEDY_APPLICATION_REFERRAL, "노동위원회 구제신청 안내함")
    completed = c.consultations.get(cid)
    assert completed.status is Status.COMPLETED
    assert completed.outcome == "remedy_application_referral"  # its code on the consultation: statistics
    assert c.thread_store.outcome(cid).outcome is Outcome.REMEDY_APPLICATION_REFERRAL
    assert record.sealed_note and "노동위원회" not in repr(raw_main_items(c, f"CONSULTATION#{cid}"))
    with pytest.raises(ThreadClosedError):
        c.rooms.post(me, cid, "one more thing")
    # the resident is told: the consultation closed (with its outcome) and the survey, each once
    surveys = [(phone, text) for phone, text in c.notifier.sms if f"/consultations/{cid}/survey" in text]
    assert [phone for phone, _ in surveys] == ["+821055556666"]


def test_signals_expire_and_only_the_other_side_sees_them(world) -> None:
    c, clock = world
    owner = f"kakao:sig-{uuid.uuid4().hex[:6]}"
    cid = matched(c, clock, owner, Method.VIDEO)
    me, lawyer = resident(owner.removeprefix("kakao:")), attorney("att-001")
    c.rooms.signal(me, cid, SignalType.OFFER, {"type": "offer", "sdp": "v=0 192.0.2.10"})
    items, _last = c.rooms.signals(lawyer, cid, None)
    assert [s.type for s in items] == [SignalType.OFFER] and items[0].data["sdp"].startswith("v=0")
    assert c.rooms.signals(me, cid, None)[0] == []
    assert "192.0.2.10" not in repr(raw_main_items(c, f"SIGNAL#{cid}"))  # addresses sealed too
    clock.advance(seconds=c.settings.policy.signal_ttl_seconds + 1)
    assert c.rooms.signals(lawyer, cid, None)[0] == []


def test_leaving_erases_the_residents_threads(container) -> None:
    """The erasers run on leaving: the threads' sealed messages and signals go with the account."""
    import uuid
    from datetime import datetime

    from chalicelib import composition
    from chalicelib.domain.identity import Provider
    from tests.support import ApiClient

    subject = f"kakao:leaver-{uuid.uuid4().hex[:8]}"
    previous = composition._container
    composition.use_container(container)  # the app in-process serves from this test's container
    try:
        api = ApiClient()
        auth = {"Authorization": f"Bearer {container.sessions.start(subject, Provider.KAKAO).access_token}"}
        created = api.post("/api/consultations", headers={**auth, "Idempotency-Key": uuid.uuid4().hex}, body={
            "category": "dismissal", "region": "goyang", "mode": "realtime", "method": "chat",
            "name": "떠나는 주민", "phone": "010-3333-0303", "consent_privacy": True,
            "description": "I was dismissed without notice after two years of work."})
        cid = created.json["id"]
        container.consultations.transition(cid, Status.MATCHED, datetime.now(UTC), attorney_id="att-002")
        sent = api.post(f"/api/consultations/{cid}/messages", headers=auth,
                        body={"text": "안녕하세요, 상담 부탁드립니다"})
        assert sent.status == 201, sent.body
    finally:
        composition.use_container(previous)
    assert container.thread_store.messages(cid, None, 50)
    for erase in container.personal_data_erasers:
        erase(subject)
    assert container.thread_store.messages(cid, None, 50) == []

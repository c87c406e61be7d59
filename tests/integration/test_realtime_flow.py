"""Real-time matching on the local stack: offer, decline, timeout (tick), accept by the third
attorney with 20 parallel accepts over HTTP (exactly one wins), a request made before a
holiday weekend offered at 10:00 on the next service day, and DynamoDB calls per match that
do not grow with the roster."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from chalicelib.clock import CLOCK_VAR, pinned
from chalicelib.composition import Container
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.domain.offers import OfferStatus, OfferUnavailableError
from chalicelib.services import intake
from chalicelib.settings import Settings
from devtools.idp import accounts
from ops import awscalls, processes, seed
from ops.tick import run_jobs
from tests.concurrency import race
from tests.conftest import ARTIFACTS
from tests.support import verified_staff_session

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
CATEGORY, REGION = "industrial_accident", "gwangmyeong"
ON_DUTY = ("att-005", "att-006", "att-097")  # seeded: all three cover industrial accidents in Gwangmyeong


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


@contextmanager
def duty_world(private_stack, start: datetime, prepare=None) -> Iterator[tuple[Container, list[datetime]]]:
    """The seeded attorneys who cover the category and region on the module's own stack, the three of
    ``ON_DUTY`` on duty (and off again afterwards), and a container on a clock the test moves
    (``clock[0]``); ``prepare(container, now)`` changes profiles before duty starts."""
    seed.run(private_stack.container, wanted=lambda a: CATEGORY in a.categories and REGION in a.regions)
    clock = [start]
    mine = Container(Settings.from_env(private_stack.env), clock=lambda: clock[0])
    mine.tables  # noqa: B018
    if prepare is not None:
        prepare(mine, start)
    mine.ranking_keeper.open_year(start)  # offers choose through the ranking index of the start's year
    for attorney_id in ON_DUTY:
        mine.realtime_store.set_duty(mine.attorneys.get(attorney_id), True)
    try:
        yield mine, clock
    finally:
        for attorney_id in ON_DUTY:
            mine.realtime_store.set_duty(mine.attorneys.get(attorney_id), False)


@pytest.fixture(scope="module")
def world(private_stack):
    """A stack of the module's own (its real-time queue is no other test's), with the seeded
    attorneys who cover the category and region, three of them on duty, on a clock of the test's."""
    with duty_world(private_stack, kst(2026, 12, 1, 10, 0, 30)) as (mine, clock):
        yield mine, clock, private_stack.env


def attorney_principal(attorney_id: str) -> Principal:
    return Principal(subject=f"kakao:{attorney_id}", role=Role.ATTORNEY, provider=Provider.KAKAO,
                     session_id="s", attorney_id=attorney_id)


def submit(c: Container, now: datetime, owner: str, language: Language = Language.KO,
           personal: PersonalDetails | None = None) -> str:
    """A real-time phone request through the intake service, queued for matching."""
    personal = personal or PersonalDetails(name="홍길동", phone="+821023456789",
                                           description="I was injured at work and my employer refuses to report it.")
    made = intake.submit(consultations=c.consultations, cipher=c.cipher, calendar=c.calendar,
                         policy=c.settings.policy, owner=owner,
                         intake=Intake(CATEGORY, REGION, Mode.REALTIME, Method.PHONE, language, personal),
                         idempotency_key=str(uuid.uuid4()), now=now)
    c.realtime_queue.enqueue(made.consultation, now)
    return made.consultation.id


def current_offer(c: Container, consultation_id: str):
    request = c.realtime_store.request(consultation_id)
    return c.realtime_store.offer(request.current_offer) if request.current_offer else None


def test_offer_decline_timeout_then_one_of_twenty_parallel_accepts_wins(world) -> None:
    c, clock, stack_env = world
    t0 = clock[0] = kst(2026, 12, 1, 10, 0, 30)
    cid = submit(c, t0, f"kakao:rt-{uuid.uuid4().hex[:8]}")
    first = current_offer(c, cid)
    assert first is not None and first.attorney_id in ON_DUTY
    assert c.consultations.get(cid).status is Status.OFFERED
    assert first.deadline == t0 + timedelta(seconds=180)
    # the first attorney sees it, without contact details, and declines
    assert [v.offer.id for v in c.realtime_queue.pending_offers(attorney_principal(first.attorney_id))] == [first.id]
    c.realtime_queue.decline(attorney_principal(first.attorney_id), first.id)
    assert c.realtime_store.offer(first.id).status is OfferStatus.DECLINED
    second = current_offer(c, cid)
    assert second is not None and second.attorney_id in ON_DUTY and second.attorney_id != first.attorney_id
    # nobody answers: the offers job at +4 minutes expires it and offers the third attorney
    results = run_jobs(t0 + timedelta(minutes=4), only=["offers"], env=stack_env)
    assert results[0]["ok"], results
    assert c.realtime_store.offer(second.id).status is OfferStatus.EXPIRED
    third = current_offer(c, cid)
    assert third is not None
    assert third.attorney_id not in {first.attorney_id, second.attorney_id} and third.attorney_id in ON_DUTY
    # the second attorney's late accept is refused
    clock[0] = t0 + timedelta(minutes=4, seconds=10)
    with pytest.raises(OfferUnavailableError):
        c.realtime_queue.accept(attorney_principal(second.attorney_id), second.id)

    # 20 parallel accepts over HTTP with a real token of the third attorney: exactly one 200
    account = f"attorney-{third.attorney_id.removeprefix('att-')}"
    port = processes.free_port()
    # the server runs on the test's clock (MAEUL_CLOCK, advancing from clock[0]); tokens are issued
    # for its origin as of that instant, as the server checks them
    minting = Container(Settings.from_env({**stack_env, "MAEUL_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}),
                        clock=lambda: clock[0])
    tokens = verified_staff_session(minting, f"kakao:{accounts.kakao_id(account)}", Provider.KAKAO)
    server = processes.app_server(port, {**stack_env, "MAEUL_APP_PORT": str(port),
                                         CLOCK_VAR: pinned(clock[0])}, ARTIFACTS / f"app-{port}.log").start()
    try:
        url = f"http://127.0.0.1:{port}/api/attorney/offers/{third.id}/accept"
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        assert requests.get(f"http://127.0.0.1:{port}/api/attorney/offers", headers=headers,
                            timeout=30).status_code == 200
        # the timeout is a guard against a hang, not a speed limit: under libfaketime (every clock read
        # takes a shared semaphore) twenty parallel accepts have taken over a minute on two busy cores
        statuses = race(20, lambda: requests.post(url, headers=headers, timeout=300).status_code)
        # a foreign attorney gets 404
        other = next(a for a in ON_DUTY if a != third.attorney_id)
        other_tokens = verified_staff_session(
            minting, f"kakao:{accounts.kakao_id('attorney-' + other.removeprefix('att-'))}", Provider.KAKAO)
        foreign = requests.post(url, headers={"Authorization": f"Bearer {other_tokens.access_token}"}, timeout=120)
    finally:
        server.stop()
    assert Counter(statuses) == Counter({200: 1, 409: 19}), statuses
    assert foreign.status_code == 404
    matched = c.consultations.get(cid)
    assert matched.status is Status.MATCHED and matched.attorney_id == third.attorney_id
    assert cid in [x.id for x in c.consultations.list_by_attorney(third.attorney_id, 50).items]
    # the server accepted on the test's clock: the attorney is busy from then on
    assert c.realtime_store.busy([third.attorney_id], clock[0] + timedelta(minutes=1)) == {third.attorney_id}
    assert not c.realtime_store.request(cid).waiting
    c.duty.release(third.attorney_id, cid)


def test_request_before_a_holiday_weekend_is_offered_at_ten_on_the_next_service_day(world) -> None:
    c, clock, stack_env = world
    asked = kst(2026, 12, 24, 18, 0)  # Thursday evening; Friday 25 December is Christmas, a public holiday
    clock[0] = asked
    cid = submit(c, asked, f"kakao:rt-{uuid.uuid4().hex[:8]}")
    owner = Principal(subject=c.consultations.get(cid).owner, role=Role.RESIDENT, provider=Provider.KAKAO,
                      session_id="s")
    status = c.realtime_queue.queue_status(owner, cid)
    assert status.queued and status.position == 1 and status.next_opening == kst(2026, 12, 28, 10, 0)
    assert c.consultations.get(cid).status is Status.SUBMITTED
    for moment in (kst(2026, 12, 25, 10, 0), kst(2026, 12, 26, 10, 0), kst(2026, 12, 28, 9, 55)):
        assert all(r["ok"] for r in run_jobs(moment, only=["offers", "window_keeper"], env=stack_env))
        assert c.consultations.get(cid).status is Status.SUBMITTED, moment
    run_jobs(kst(2026, 12, 28, 10, 0), only=["window_keeper"], env=stack_env)
    offer = current_offer(c, cid)
    assert offer is not None and offer.offered_at == kst(2026, 12, 28, 10, 0)
    assert c.consultations.get(cid).status is Status.OFFERED
    # at 11:30 the window closes: the offer is withdrawn and the request moved on, not expired
    run_jobs(kst(2026, 12, 28, 11, 30), only=["window_keeper"], env=stack_env)
    assert c.realtime_store.offer(offer.id).status is OfferStatus.WITHDRAWN
    request = c.realtime_store.request(cid)
    assert request.failed and request.move_on_reason.value == "window_closed"
    assert c.consultations.get(cid).status is Status.SUBMITTED
    assert c.realtime_queue.queue_status(owner, cid).realtime_failed
    # nothing is offered between 11:30 and 14:00
    cid2 = submit(c, kst(2026, 12, 28, 12, 0), f"kakao:rt-{uuid.uuid4().hex[:8]}")
    run_jobs(kst(2026, 12, 28, 13, 55), only=["offers", "window_keeper"], env=stack_env)
    assert c.consultations.get(cid2).status is Status.SUBMITTED
    run_jobs(kst(2026, 12, 28, 14, 0), only=["offers"], env=stack_env)
    assert c.consultations.get(cid2).status is Status.OFFERED
    run_jobs(kst(2026, 12, 28, 17, 0), only=["window_keeper"], env=stack_env)


def test_dynamodb_calls_per_match_do_not_grow_with_the_roster(world) -> None:
    """The seeded 120 vs. a roster of 1,200: 1,080 more attorneys covering the same category and
    region (coverage partition and profiles), off duty. Matching reads the head of the ring's ranking
    index partition and the attorneys behind it: the same calls either way."""
    from chalicelib.adapters.dynamo.attorneys import AttorneyItem, CoverageItem
    from chalicelib.domain.offers import MoveOnReason

    c, clock, _ = world
    now = clock[0] = kst(2026, 12, 2, 10, 5)
    cid = submit(c, kst(2026, 12, 2, 9, 0), f"kakao:rt-{uuid.uuid4().hex[:8]}")  # before opening: stays queued
    consultation = c.consultations.get(cid)
    request = c.realtime_store.request(cid)

    def calls() -> tuple[int, str]:
        with awscalls.count_calls("dynamodb") as counted:
            chosen = c.realtime_queue.choose(consultation, request, now)
        assert chosen.reason.note.startswith("ranking index")
        return counted.total, chosen.attorney_id

    small, chosen_small = calls()
    extra = [f"bench-{n:04d}" for n in range(1080)]
    stamp = kst(2026, 1, 1)
    with CoverageItem.batch_write() as batch:
        for a in extra:
            batch.save(CoverageItem(f"COVER#{CATEGORY}#{REGION}", f"ATTORNEY#{a}", attorney_id=a, active=True))
    with AttorneyItem.batch_write() as batch:
        for a in extra:
            batch.save(AttorneyItem(f"ATTORNEY#{a}", "PROFILE", attorney_id=a, display_name=a,
                                    categories={CATEGORY}, regions={REGION}, created_at=stamp,
                                    updated_at=stamp, active=True, on_duty=False, version=1))
    try:
        large, chosen_large = calls()
    finally:
        with CoverageItem.batch_write() as batch:
            for a in extra:
                batch.delete(CoverageItem(f"COVER#{CATEGORY}#{REGION}", f"ATTORNEY#{a}"))
        with AttorneyItem.batch_write() as batch:
            for a in extra:
                batch.delete(AttorneyItem(f"ATTORNEY#{a}", "PROFILE"))
        c.realtime_store.move_on(request, MoveOnReason.NO_CANDIDATE, now)
    assert chosen_small == chosen_large
    # through the ranking index: ring 0's partition (one Query, its first page settles it), then the
    # profiles, load counters and busy states of the first 25 in ranking order (one BatchGetItem)
    assert small == large == 2

"""Matching by language on the local stack: an attorney's languages are stored with the profile,
a Vietnamese request is offered to the one on-duty attorney who speaks Vietnamese (even with the
others free), a Khmer one to the usual fair choice marked "interpreter needed", and the attorney
sees both on the offer before accepting (GET /api/attorney/offers, in-process)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.composition import Container
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.services import intake
from chalicelib.settings import Settings
from ops import seed

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
CATEGORY, REGION = "industrial_accident", "gwangmyeong"
ON_DUTY = ("att-005", "att-006", "att-097")  # seeded: all three cover industrial accidents in Gwangmyeong
SPEAKER = "att-097"


@pytest.fixture(scope="module")
def world(private_stack):
    seed.run(private_stack.container, wanted=lambda a: CATEGORY in a.categories and REGION in a.regions)
    clock = [datetime(2026, 12, 1, 10, 0, 30, tzinfo=KST)]
    mine = Container(Settings.from_env(private_stack.env), clock=lambda: clock[0])
    speaker = mine.attorneys.get(SPEAKER)
    mine.attorneys.save(replace(speaker, languages=frozenset({"vi", "zh"})), mine.attorneys.contact(SPEAKER),
                        clock[0])
    for attorney_id in ON_DUTY:
        mine.realtime_store.set_duty(mine.attorneys.get(attorney_id), True)
    yield mine, clock
    for attorney_id in ON_DUTY:
        mine.realtime_store.set_duty(mine.attorneys.get(attorney_id), False)


SUBMITTED: list[str] = []


@pytest.fixture(autouse=True)
def leaves_no_offer_behind(world):
    """A request a test leaves waiting keeps an attorney busy with its offer: the next test (in any order)
    would find the speaker taken. Each test's requests leave real-time matching when it ends."""
    yield
    c, clock = world
    while SUBMITTED:
        c.realtime_store.forget(SUBMITTED.pop(), clock[0])


def principal(attorney_id: str) -> Principal:
    return Principal(subject=f"kakao:{attorney_id}", role=Role.ATTORNEY, provider=Provider.KAKAO,
                     session_id="s", attorney_id=attorney_id)


def submit(c: Container, now: datetime, language: Language) -> str:
    personal = PersonalDetails(name="Nguyen Van A", phone="+821023456789",
                               description="Tôi bị thương khi làm việc và chủ không báo cáo.")
    made = intake.submit(consultations=c.consultations, cipher=c.cipher, calendar=c.calendar,
                         policy=c.settings.policy, owner=f"kakao:lang-{uuid.uuid4().hex[:8]}",
                         intake=Intake(CATEGORY, REGION, Mode.REALTIME, Method.PHONE, language, personal),
                         idempotency_key=str(uuid.uuid4()), now=now)
    c.realtime_queue.enqueue(made.consultation, now)
    SUBMITTED.append(made.consultation.id)
    return made.consultation.id


def offer_of(c: Container, consultation_id: str):
    request = c.realtime_store.request(consultation_id)
    return c.realtime_store.offer(request.current_offer)


def test_the_profile_keeps_its_languages(world) -> None:
    c, _ = world
    assert c.attorneys.get(SPEAKER).languages == frozenset({"vi", "zh"})
    assert c.attorneys.get("att-005").languages == frozenset()


def test_a_vietnamese_request_goes_to_the_attorney_who_speaks_it(world) -> None:
    c, clock = world
    cid = submit(c, clock[0], Language.VI)
    offer = offer_of(c, cid)
    assert offer.attorney_id == SPEAKER
    assert offer.reason["language"] == "vi" and offer.reason["interpreter_needed"] is False
    c.realtime_queue.decline(principal(SPEAKER), offer.id)
    # the only speaker declined: the next offer goes out with an interpreter
    following = offer_of(c, cid)
    assert following.attorney_id in ON_DUTY and following.attorney_id != SPEAKER
    assert following.reason["interpreter_needed"] is True


def test_a_khmer_request_is_offered_fairly_and_marked_interpreter_needed(world) -> None:
    from chalicelib import composition
    from tests.support import ApiClient

    c, clock = world
    cid = submit(c, clock[0], Language.KM)
    offer = offer_of(c, cid)
    assert offer.attorney_id in ON_DUTY
    assert offer.reason["language"] == "km" and offer.reason["interpreter_needed"] is True
    # what the attorney's console reads before accepting
    views = c.realtime_queue.pending_offers(principal(offer.attorney_id))
    assert [v.offer.reason["interpreter_needed"] for v in views if v.offer.id == offer.id] == [True]
    previous = composition._container
    composition._container = c
    try:
        from tests.fakes import FakeAuthenticator

        auth = FakeAuthenticator()
        c.__dict__["authenticator"] = auth
        token = auth.issue(principal(offer.attorney_id))
        page = ApiClient().get("/api/attorney/offers", headers={"Authorization": f"Bearer {token}"})
    finally:
        composition._container = previous
    assert page.status == 200, page.body
    shown = [o for o in page.json["items"] if o["id"] == offer.id]
    assert shown and shown[0]["language"] == "km" and shown[0]["interpreter_needed"] is True
    assert {line["phone"] for line in page.json["interpretation_lines"]} >= {"1644-0644", "1345"}

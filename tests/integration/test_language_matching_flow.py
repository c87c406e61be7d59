"""Matching by language on the local stack: an attorney's languages are stored with the profile,
a Vietnamese request is offered to the one on-duty attorney who speaks Vietnamese (even with the
others free), a Khmer one to the usual fair choice marked "interpreter needed", and the attorney
sees both on the offer before accepting (GET /api/attorney/offers, in-process)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

import pytest

from chalicelib.composition import Container
from chalicelib.domain.consultations import Language, PersonalDetails
from chalicelib.domain.identity import Principal, Provider, Role
from tests.integration.test_realtime_flow import KST, ON_DUTY, duty_world
from tests.integration.test_realtime_flow import submit as submit_realtime

pytestmark = pytest.mark.emulator

SPEAKER = "att-097"


def _speaks_vietnamese_and_chinese(c: Container, now: datetime) -> None:
    speaker = c.attorneys.get(SPEAKER)
    c.attorneys.save(replace(speaker, languages=frozenset({"vi", "zh"})), c.attorneys.contact(SPEAKER), now)


@pytest.fixture(scope="module")
def world(private_stack):
    with duty_world(private_stack, datetime(2026, 12, 1, 10, 0, 30, tzinfo=KST),
                    prepare=_speaks_vietnamese_and_chinese) as made:
        yield made


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
    made = submit_realtime(c, now, f"kakao:lang-{uuid.uuid4().hex[:8]}", language, personal)
    SUBMITTED.append(made)
    return made


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

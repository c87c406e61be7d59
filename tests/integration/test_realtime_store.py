"""The real-time store's contract (``RealtimeStore`` in ``chalicelib/domain/offers.py``), run against
DynamoDB on the emulator and against the in-memory twin (``tests/twins/memory_realtime.py``).

The emulator's tables are shared with the other tests of the worker: every id here is fresh, lists are
read for these ids only, and each test takes what it made out of real-time matching when it ends
(requests forgotten, attorneys off duty and off the roster), so no other test is offered them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Consultation, IdempotencyClaim, Language, Status, sort_key
from chalicelib.domain.offers import (
    ChangedMeanwhileError,
    MoveOnReason,
    Offer,
    OfferStatus,
    RealtimeRequest,
    RealtimeStore,
)
from tests.twins.memory import MemoryConsultationRepository, MemoryLoadStore, MemoryRoster
from tests.twins.memory_realtime import MemoryRealtimeStore

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # Tuesday 10:00 KST
CATEGORY, REGION = "other", "yeoncheon"
YEAR = 2026


@dataclass
class Backend:
    store: RealtimeStore
    consultations: Any
    loads: Any
    roster: Any
    made: list[str] = field(default_factory=list)  # consultation ids
    attorneys: list[str] = field(default_factory=list)

    def consultation(self, queued_at: datetime = T0) -> tuple[Consultation, RealtimeRequest]:
        cid = str(uuid.uuid4())
        owner = f"kakao:rt-{uuid.uuid4().hex[:10]}"
        consultation = Consultation(id=cid, owner=owner, status=Status.SUBMITTED, category=CATEGORY,
                                    region=REGION, mode=Mode.REALTIME, method=Method.CHAT, language=Language.KO,
                                    created_at=queued_at, updated_at=queued_at, month="2026-12",
                                    consent_version="test")
        self.consultations.create(consultation, IdempotencyClaim(owner, uuid.uuid4().hex, "f",
                                                                 queued_at + timedelta(hours=1)), 3)
        self.made.append(cid)
        return consultation, RealtimeRequest(cid, CATEGORY, REGION, queued_at)

    def queued(self, consultation: Consultation, queued_at: datetime = T0) -> RealtimeRequest:
        request = RealtimeRequest(consultation.id, CATEGORY, REGION, queued_at)
        assert self.store.enqueue(request, sort_key(consultation.created_at, consultation.id))
        return request

    def offered(self) -> tuple[Consultation, RealtimeRequest, Offer]:
        """A new consultation, queued and offered at ``T0`` to a new attorney (``offer.attorney_id``)."""
        lawyer = self.attorney()
        consultation, _ = self.consultation()
        request = self.queued(consultation)
        offer = offer_of(request, lawyer)
        self.store.create_offer(offer, request, T0)
        return consultation, request, offer

    def attorney(self, *, active: bool = True) -> str:
        attorney_id = f"att-rt{uuid.uuid4().hex[:8]}"
        self.roster.save(Attorney(id=attorney_id, display_name="테스트 노무사", categories=frozenset({CATEGORY}),
                                  regions=frozenset({REGION}), active=active), None, T0)
        self.attorneys.append(attorney_id)
        return attorney_id

    def count(self, attorney_id: str) -> int:
        return self.loads.get_many([attorney_id], YEAR)[attorney_id].assignments_this_year

    def mine(self, pairs: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        return [(cid, offered) for cid, offered in pairs if cid in self.made]


def offer_of(request: RealtimeRequest, attorney_id: str, at: datetime = T0, minutes: int = 3) -> Offer:
    return Offer(id=str(uuid.uuid4()), consultation_id=request.consultation_id, attorney_id=attorney_id,
                 category=CATEGORY, region=REGION, method="chat", offered_at=at,
                 deadline=at + timedelta(minutes=minutes), attempt=len(request.tried) + 1, reason={"ring": 0})


def _remove_profile(attorney_id: str, profile: Attorney | None) -> None:
    from chalicelib.adapters.dynamo.attorneys import AttorneyItem, CoverageItem

    for cat in profile.categories if profile else ():
        for reg in profile.regions:
            CoverageItem(f"COVER#{cat}#{reg}", f"ATTORNEY#{attorney_id}").delete()
    AttorneyItem(f"ATTORNEY#{attorney_id}", "PROFILE").delete(add_version_condition=False)


@pytest.fixture(params=["dynamodb", "memory"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        consultations, loads, roster = MemoryConsultationRepository(365), MemoryLoadStore(), MemoryRoster()
        yield Backend(MemoryRealtimeStore(consultations, loads, roster), consultations, loads, roster)
        return
    container = request.getfixturevalue("container")
    world = Backend(container.realtime_store, container.consultations, container.loads, container.attorneys)
    yield world
    for cid in world.made:  # nothing of this test stays in the queue for another test's offer loop
        world.store.forget(cid, T0)
    for attorney_id in world.attorneys:  # nor on duty or on the roster
        profile = world.roster.get(attorney_id)
        if profile is not None and profile.active:
            world.store.set_duty(profile, False)
        _remove_profile(attorney_id, profile)


def test_a_request_enters_its_queue_once_oldest_first_and_only_while_submitted(backend: Backend) -> None:
    store = backend.store
    older, _ = backend.consultation(T0)
    newer, _ = backend.consultation(T0 + timedelta(minutes=1))
    first = backend.queued(older, T0)
    second = backend.queued(newer, T0 + timedelta(minutes=1))
    assert not store.enqueue(first, sort_key(older.created_at, older.id))  # once

    assert store.request(older.id) == first and store.request(older.id).waiting
    assert set(store.requests([older.id, newer.id, str(uuid.uuid4())])) == {older.id, newer.id}
    assert backend.mine(store.queue(CATEGORY, limit=1000)) == [(older.id, False), (newer.id, False)]
    assert store.position(second) == store.position(first) + 1

    withdrawn, request = backend.consultation()
    backend.consultations.transition(withdrawn.id, Status.WITHDRAWN, T0)
    assert not store.enqueue(request, sort_key(withdrawn.created_at, withdrawn.id))
    assert store.request(withdrawn.id) is None


def test_an_offer_holds_the_request_and_the_attorney_until_it_is_declined(backend: Backend) -> None:
    store = backend.store
    consultation, request, offer = backend.offered()
    lawyer, other = offer.attorney_id, backend.attorney()

    assert backend.consultations.get(consultation.id).status is Status.OFFERED
    state = store.request(consultation.id)
    assert state.tried == (lawyer,) and state.current_offer == offer.id and state.waiting
    assert backend.mine(store.queue(CATEGORY, limit=1000)) == [(consultation.id, True)]
    assert store.busy([lawyer, other], T0 + timedelta(minutes=1)) == {lawyer}
    assert store.busy([lawyer], offer.deadline) == set()  # busy with an offer until its deadline
    assert [o.id for o in store.pending_of(lawyer)] == [offer.id]
    assert offer.id not in {o.id for o in store.due(T0 + timedelta(minutes=2), limit=1000)}
    assert offer.id in {o.id for o in store.due(offer.deadline, limit=1000)}

    # a second offer made from the same (now stale) read loses, and changes nothing
    with pytest.raises(ChangedMeanwhileError):
        store.create_offer(offer_of(request, other), request, T0)
    assert store.request(consultation.id) == state and store.busy([other], T0) == set()

    store.close_offer(offer, OfferStatus.DECLINED, T0 + timedelta(minutes=1), state)
    closed = store.offer(offer.id)
    assert closed.status is OfferStatus.DECLINED and closed.answered_at == T0 + timedelta(minutes=1)
    assert backend.consultations.get(consultation.id).status is Status.SUBMITTED
    back = store.request(consultation.id)
    assert back.current_offer is None and back.tried == (lawyer,) and back.waiting
    assert backend.mine(store.queue(CATEGORY, limit=1000)) == [(consultation.id, False)]
    assert store.busy([lawyer], T0 + timedelta(minutes=1)) == set() and store.pending_of(lawyer) == []
    with pytest.raises(ChangedMeanwhileError):  # answered once only
        store.close_offer(offer, OfferStatus.EXPIRED, T0 + timedelta(minutes=2), back)

    # the next attorney, from the fresh read
    store.create_offer(offer_of(back, other, T0 + timedelta(minutes=1)), back, T0 + timedelta(minutes=1))
    assert store.request(consultation.id).tried == (lawyer, other)


def test_an_attorney_busy_with_an_offer_gets_no_second_one_before_its_deadline(backend: Backend) -> None:
    store = backend.store
    lawyer = backend.attorney()
    first, _ = backend.consultation()
    second, _ = backend.consultation()
    held = offer_of(backend.queued(first), lawyer)
    store.create_offer(held, store.request(first.id), T0)
    waiting = backend.queued(second)
    with pytest.raises(ChangedMeanwhileError):
        store.create_offer(offer_of(waiting, lawyer), waiting, T0 + timedelta(minutes=1))
    assert backend.consultations.get(second.id).status is Status.SUBMITTED
    store.create_offer(offer_of(waiting, lawyer, held.deadline), waiting, held.deadline)  # deadline passed
    assert store.request(second.id).tried == (lawyer,)


def test_the_first_valid_accept_wins_and_counts_under_the_cap(backend: Backend) -> None:
    store = backend.store
    consultation, _, offer = backend.offered()
    lawyer = offer.attorney_id
    state = store.request(consultation.id)
    now, until = T0 + timedelta(minutes=1), T0 + timedelta(hours=2)

    store.accept(offer, state, now, year=YEAR, cap=5, busy_until=until)
    assert store.offer(offer.id).status is OfferStatus.ACCEPTED
    matched = backend.consultations.get(consultation.id)
    assert matched.status is Status.MATCHED and matched.attorney_id == lawyer
    assert backend.count(lawyer) == 1
    assert store.busy([lawyer], until - timedelta(seconds=1)) == {lawyer} and store.busy([lawyer], until) == set()
    done = store.request(consultation.id)
    assert done.matched and not done.waiting and done.current_offer is None
    assert backend.mine(store.queue(CATEGORY, limit=1000)) == [] and store.pending_of(lawyer) == []

    with pytest.raises(ChangedMeanwhileError):  # a second accept (a double click, another device)
        store.accept(offer, state, now, year=YEAR, cap=5, busy_until=until)
    assert backend.count(lawyer) == 1

    store.release_busy(lawyer, str(uuid.uuid4()))  # someone else's consultation: still busy
    assert store.busy([lawyer], now) == {lawyer}
    store.release_busy(lawyer, consultation.id)
    assert store.busy([lawyer], now) == set()

    # one assignment counted: at a cap of one, the next accept changes nothing
    another, _ = backend.consultation()
    waiting = backend.queued(another)
    second = offer_of(waiting, lawyer, now)
    store.create_offer(second, waiting, now)
    with pytest.raises(ChangedMeanwhileError):
        store.accept(second, store.request(another.id), now, year=YEAR, cap=1, busy_until=until)
    assert backend.consultations.get(another.id).status is Status.OFFERED and backend.count(lawyer) == 1
    assert store.offer(second.id).status is OfferStatus.PENDING


def test_an_accept_after_the_deadline_is_refused(backend: Backend) -> None:
    store = backend.store
    consultation, _, offer = backend.offered()
    lawyer = offer.attorney_id
    with pytest.raises(ChangedMeanwhileError):
        store.accept(offer, store.request(consultation.id), offer.deadline, year=YEAR, cap=5,
                     busy_until=T0 + timedelta(hours=2))
    assert store.offer(offer.id).status is OfferStatus.PENDING and backend.count(lawyer) == 0


def test_a_request_moves_on_only_without_a_pending_offer_and_forgetting_withdraws_it(backend: Backend) -> None:
    store = backend.store
    lawyer = backend.attorney()
    idle, _ = backend.consultation()
    offered, _ = backend.consultation()
    waiting = backend.queued(idle)
    held = backend.queued(offered)
    offer = offer_of(held, lawyer)
    store.create_offer(offer, held, T0)

    assert store.move_on(waiting, MoveOnReason.NO_CANDIDATE, T0)
    gone = store.request(idle.id)
    assert gone.failed and gone.move_on_reason is MoveOnReason.NO_CANDIDATE and not gone.waiting
    assert not store.move_on(waiting, MoveOnReason.WINDOW_CLOSED, T0)  # once
    assert not store.move_on(store.request(offered.id), MoveOnReason.WINDOW_CLOSED, T0)  # an offer is out
    assert backend.mine(store.queue(CATEGORY, limit=1000)) == [(offered.id, True)]

    assert store.forget(offered.id, T0 + timedelta(minutes=1))
    assert store.offer(offer.id).status is OfferStatus.WITHDRAWN and store.pending_of(lawyer) == []
    forgotten = store.request(offered.id)
    assert forgotten.failed and forgotten.move_on_reason is MoveOnReason.CLOSED and forgotten.current_offer is None
    assert store.busy([lawyer], T0 + timedelta(minutes=1)) == set()
    assert backend.mine(store.queue(CATEGORY, limit=1000)) == []
    assert store.forget(offered.id, T0 + timedelta(minutes=2))  # idempotent
    assert not store.forget(str(uuid.uuid4()), T0)  # never in real-time matching


def test_duty_lists_the_attorney_under_every_pair_they_cover_and_only_while_active(backend: Backend) -> None:
    store = backend.store
    lawyer, retired = backend.attorney(), backend.attorney(active=False)
    store.set_duty(backend.roster.get(lawyer), True)
    assert lawyer in store.on_duty(CATEGORY, REGION) and backend.roster.get(lawyer).on_duty
    assert lawyer not in store.on_duty("dismissal", REGION)
    assert [a.id for a in store.profiles([lawyer, f"att-{uuid.uuid4().hex[:8]}"])] == [lawyer]
    store.set_duty(backend.roster.get(lawyer), False)
    assert lawyer not in store.on_duty(CATEGORY, REGION) and not backend.roster.get(lawyer).on_duty

    with pytest.raises(ChangedMeanwhileError):
        store.set_duty(backend.roster.get(retired), True)
    assert retired not in store.on_duty(CATEGORY, REGION) and not backend.roster.get(retired).on_duty


def test_a_manual_reassignment_moves_the_load_and_takes_the_request_out_of_the_queue(backend: Backend) -> None:
    store = backend.store
    first, second = backend.attorney(), backend.attorney()
    consultation, _ = backend.consultation()
    request = backend.queued(consultation)
    key = sort_key(consultation.created_at, consultation.id)

    with pytest.raises(ChangedMeanwhileError):  # the status read is no longer true
        store.reassign(consultation.id, key, None, first, Status.MATCHED, T0, year=YEAR, cap=5,
                       previous_year=None, reason={"manual": True})
    store.reassign(consultation.id, key, None, first, Status.SUBMITTED, T0, year=YEAR, cap=5,
                   previous_year=None, reason={"manual": True})
    store.mark_matched(request)
    assert store.request(consultation.id).matched and backend.mine(store.queue(CATEGORY, limit=1000)) == []
    assert backend.consultations.get(consultation.id).attorney_id == first and backend.count(first) == 1

    later = T0 + timedelta(minutes=5)
    store.reassign(consultation.id, key, first, second, Status.MATCHED, later, year=YEAR, cap=5,
                   previous_year=YEAR, reason={"manual": True})
    moved = backend.consultations.get(consultation.id)
    assert moved.status is Status.MATCHED and moved.attorney_id == second
    assert (backend.count(first), backend.count(second)) == (0, 1)
    with pytest.raises(ChangedMeanwhileError):  # at the cap
        store.reassign(consultation.id, key, second, first, Status.MATCHED, later + timedelta(minutes=1),
                       year=YEAR, cap=0, previous_year=YEAR, reason={"manual": True})
    assert backend.consultations.get(consultation.id).attorney_id == second


def test_acceptance_times_are_kept_per_category(backend: Backend) -> None:
    store = backend.store
    before = store.accept_seconds(CATEGORY)
    try:
        store.save_accept_seconds(CATEGORY, [30.0, 95.5])
        assert store.accept_seconds(CATEGORY) == [30.0, 95.5]
    finally:
        store.save_accept_seconds(CATEGORY, before)  # other tests' wait estimates read it

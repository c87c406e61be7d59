"""The booking repository's contract on DynamoDB and on its in-memory twin, and what listing and
booking cost in AWS calls (indexed reads only, never a Scan)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ops import awscalls

awscalls.install()  # before any client this module builds, so that every call is counted

from chalicelib.domain.availability import Availability  # noqa: E402
from chalicelib.domain.bookings import BookingChangedError, BookingStatus, ClaimKind, NoBookingError, SlotTakenError  # noqa: E402
from chalicelib.domain.consultations import Status  # noqa: E402
from chalicelib.domain.regions import rings  # noqa: E402
from chalicelib.settings import Policy  # noqa: E402
from tests.integration.reservations_harness import BACKENDS, Backend, backend_world  # noqa: E402

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=KST)
CATEGORY, REGION = "workplace_harassment", "bucheon"  # this module's own coverage partitions
POLICY = Policy(availability_default="none", annual_cap=3)


def kst(d: int, hh: int, mm: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, d, hh, mm, tzinfo=KST)


@pytest.fixture(params=["memory", "dynamo"])
def world(request: pytest.FixtureRequest) -> Iterator[Backend]:
    yield from backend_world(request, POLICY, NOW)


def claims_of(world: Backend, first: datetime, last: datetime) -> list:
    """The claims of this test's attorneys (the tables hold earlier tests' claims too)."""
    return [c for c in world.bookings.claims_between(first, last) if c.attorney_id in world.attorneys]


def attorney_id() -> str:
    return f"att-t{uuid.uuid4().hex[:8]}"


def test_booking_claims_the_slot_counts_the_load_and_cancelling_undoes_all_of_it(world: Backend) -> None:
    a = world.add_attorney(attorney_id(), CATEGORY, (REGION,)).id
    owner, consultation = world.new_consultation(CATEGORY, REGION)
    view = world.service.book(owner, consultation.id, kst(2, 10))
    assert view.booking.attorney_id == a and not view.replayed
    state = world.bookings.state_of(consultation.id)
    assert state.active == view.booking and state.hold is None and state.history == ()
    claims = claims_of(world, kst(2, 0), kst(2, 23))
    assert [(c.attorney_id, c.start, c.consultation_id, c.kind) for c in claims] == [
        (a, kst(2, 10), consultation.id, ClaimKind.BOOKED)]
    stored = world.consultations.get(consultation.id)
    assert stored.status is Status.BOOKED and stored.attorney_id == a
    assert world.load(a, 2026) == 1
    if world.name == "dynamo":  # the attorney's list (the intake adapter's index) holds it now
        assert [c.id for c in world.consultations.list_by_attorney(a, 10).items] == [consultation.id]

    ended = world.service.cancel(owner, consultation.id)
    assert ended.status is BookingStatus.CANCELLED and ended.ended_by == "resident"
    state = world.bookings.state_of(consultation.id)
    assert state.active is None and [b.status for b in state.history] == [BookingStatus.CANCELLED]
    assert claims_of(world, kst(2, 0), kst(2, 23)) == []
    stored = world.consultations.get(consultation.id)
    assert stored.status is Status.SUBMITTED and stored.attorney_id is None
    assert world.load(a, 2026) == 0
    if world.name == "dynamo":
        assert world.consultations.list_by_attorney(a, 10).items == []
    with pytest.raises(NoBookingError):
        world.service.cancel(owner, consultation.id)


def test_a_taken_slot_writes_nothing(world: Backend) -> None:
    a = world.add_attorney(attorney_id(), CATEGORY, (REGION,)).id
    first_owner, first = world.new_consultation(CATEGORY, REGION)
    owner, second = world.new_consultation(CATEGORY, REGION)
    world.service.book(first_owner, first.id, kst(2, 10))
    with pytest.raises(SlotTakenError):
        world.service.book(owner, second.id, kst(2, 10))
    assert world.bookings.state_of(second.id).active is None
    assert world.consultations.get(second.id).status is Status.SUBMITTED
    assert world.load(a, 2026) == 1


def test_the_transaction_itself_refuses_a_claimed_slot_an_attorney_at_cap_and_a_second_booking(
        world: Backend) -> None:
    """The repository's conditions, hit directly (as when two requests race past the reads)."""
    from chalicelib.domain.bookings import Booking, BookingPlan

    a = world.add_attorney(attorney_id(), CATEGORY, (REGION,), annual_cap=1).id
    b = world.add_attorney(attorney_id(), CATEGORY, (REGION,)).id
    owners = [world.new_consultation(CATEGORY, REGION) for _ in range(3)]

    def plan(i: int, attorney: str, start: datetime) -> BookingPlan:
        c = world.consultations.get(owners[i][1].id)
        booking = Booking(id=str(uuid.uuid4()), consultation_id=c.id, attorney_id=attorney,
                          start=start, end=start + timedelta(minutes=30), method=c.method, booked_at=NOW,
                          load_year=2026)
        return BookingPlan(booking, c, Status.SUBMITTED, 1 if attorney == a else 3, NOW)

    world.bookings.book(plan(0, a, kst(2, 10)))
    with pytest.raises(SlotTakenError):   # the claim exists
        world.bookings.book(plan(1, a, kst(2, 10)))
    with pytest.raises(SlotTakenError):   # a has reached their cap of 1
        world.bookings.book(plan(1, a, kst(2, 14)))
    with pytest.raises(BookingChangedError):   # consultation 0 is booked already
        world.bookings.book(plan(0, b, kst(2, 14)))
    assert claims_of(world, kst(2, 0), kst(2, 23)) == [
        world.bookings.state_of(owners[0][1].id).active.claim()]
    assert (world.load(a, 2026), world.load(b, 2026)) == (1, 0)
    assert world.consultations.get(owners[1][1].id).status is Status.SUBMITTED


def test_rebooking_swaps_claims_and_loads_in_one_step(world: Backend) -> None:
    wednesday_mornings = Availability.from_dict({"weekly": {"wed": [{"start": "10:00", "end": "11:30"}]}})
    a = world.add_attorney(attorney_id(), CATEGORY, (REGION,), wednesday_mornings).id
    b = world.add_attorney(attorney_id(), CATEGORY, ("siheung",)).id  # ring 1, every service hour
    owner, consultation = world.new_consultation(CATEGORY, REGION)
    assert world.service.book(owner, consultation.id, kst(2, 10)).booking.attorney_id == a
    moved = world.service.book(owner, consultation.id, kst(3, 14))  # Thursday: only b
    assert moved.booking.attorney_id == b
    assert (world.load(a, 2026), world.load(b, 2026)) == (0, 1)
    claims = claims_of(world, kst(1, 0), kst(4, 0))
    assert [(c.attorney_id, c.start) for c in claims] == [(b, kst(3, 14))]
    state = world.bookings.state_of(consultation.id)
    assert state.active == moved.booking
    assert [(h.status, h.attorney_id) for h in state.history] == [(BookingStatus.RESCHEDULED, a)]
    assert world.consultations.get(consultation.id).attorney_id == b


def test_an_expired_hold_is_free_although_its_claim_is_still_stored(world: Backend) -> None:
    a = world.add_attorney(attorney_id(), CATEGORY, (REGION,)).id
    holder, held = world.new_consultation(CATEGORY, REGION)
    owner, other = world.new_consultation(CATEGORY, REGION)
    hold = world.service.hold(holder, held.id, kst(2, 10))
    assert hold.attorney_id == a and hold.until == NOW + timedelta(minutes=5)
    assert world.bookings.state_of(held.id).hold == hold
    with pytest.raises(SlotTakenError):
        world.service.book(owner, other.id, kst(2, 10))
    world.clock[0] = NOW + timedelta(minutes=6)
    [stale] = claims_of(world, kst(2, 0), kst(2, 23))
    assert stale.kind is ClaimKind.HOLD  # nobody deleted it (TTL is lazy)
    assert world.service.book(owner, other.id, kst(2, 10)).booking.attorney_id == a
    with pytest.raises(SlotTakenError):  # the holder lost it
        world.service.book(holder, held.id, kst(2, 10))


def test_a_hold_is_converted_by_its_own_booking(world: Backend) -> None:
    a = world.add_attorney(attorney_id(), CATEGORY, (REGION,)).id
    owner, consultation = world.new_consultation(CATEGORY, REGION)
    world.service.hold(owner, consultation.id, kst(2, 10))
    world.service.hold(owner, consultation.id, kst(2, 10, 30))  # the new hold releases the first
    claims = claims_of(world, kst(2, 0), kst(2, 23))
    assert [(c.start, c.kind) for c in claims] == [(kst(2, 10, 30), ClaimKind.HOLD)]
    view = world.service.book(owner, consultation.id, kst(2, 10, 30))
    assert view.booking.attorney_id == a and view.booking.reason["decided_by"] == "held_slot"
    claims = claims_of(world, kst(2, 0), kst(2, 23))
    assert [(c.start, c.kind) for c in claims] == [(kst(2, 10, 30), ClaimKind.BOOKED)]
    assert world.bookings.state_of(consultation.id).hold is None


def test_declining_keeps_the_reason_sealed_and_excludes_the_attorney(world: Backend) -> None:
    from chalicelib.domain.identity import Principal, Provider, Role

    a = world.add_attorney(attorney_id(), CATEGORY, (REGION,)).id
    owner, consultation = world.new_consultation(CATEGORY, REGION)
    world.service.book(owner, consultation.id, kst(2, 10))
    who = Principal(subject="kakao:a", role=Role.ATTORNEY, provider=Provider.KAKAO, session_id="s", attorney_id=a)
    ended = world.service.decline(who, consultation.id, "일정이 겹칩니다")
    assert ended.status is BookingStatus.DECLINED and ended.sealed_note
    assert world.bookings.state_of(consultation.id).declined_by == frozenset({a})
    assert world.consultations.get(consultation.id).status is Status.SUBMITTED
    assert world.load(a, 2026) == 0
    assert world.service.open_slots(owner, consultation.id, kst(2, 0).date(), kst(2, 0).date()) == []
    # erasing the consultation's notes (leaving, withdrawing) drops the sealed reason and keeps the history
    assert world.bookings.erase_notes(consultation.id) == 1
    history = world.bookings.state_of(consultation.id).history
    assert [b.status for b in history] == [BookingStatus.DECLINED] and history[-1].sealed_note is None
    assert world.bookings.erase_notes(consultation.id) == 0


# --- cost: indexed reads only, and how many --------------------------------------------------------

def test_listing_and_booking_cost_a_fixed_number_of_indexed_calls(container) -> None:
    world = BACKENDS["dynamo"](container, POLICY, NOW)
    try:
        for _ in range(3):
            world.add_attorney(attorney_id(), CATEGORY, (REGION, "siheung"))
        owner, consultation = world.new_consultation(CATEGORY, REGION)
        service = world.service
        ring01 = rings(REGION)[0] | rings(REGION)[1]
        pool = set().union(*(container.attorneys.covering(CATEGORY, r) for r in ring01))
        batches = math.ceil(3 * len(pool) / 100)  # profile, availability, load counter per attorney
        counts = {}
        for label, last in (("1 day", kst(1, 0)), ("14 days", kst(15, 0))):
            with awscalls.count_calls() as calls:
                slots = service.open_slots(owner, consultation.id, NOW.date(), last.date())
            assert slots
            counts[label] = dict(calls.by_operation)
        expected = {"dynamodb.GetItem": 1,                             # the consultation
                    "dynamodb.Query": 1 + len(ring01) + 1,             # its bookings, coverage per region, claims
                    "dynamodb.BatchGetItem": batches}
        assert counts == {"1 day": expected, "14 days": expected}, counts
        # across a month boundary: one more index query
        world.clock[0] = datetime(2026, 11, 26, 12, 0, tzinfo=KST)
        with awscalls.count_calls() as calls:
            service.open_slots(owner, consultation.id, None, None)
        assert calls.by_operation["dynamodb.Query"] == 1 + len(ring01) + 2
        world.clock[0] = NOW
        with awscalls.count_calls() as calls:
            view = service.book(owner, consultation.id, kst(2, 10))
        assert view.booking.attorney_id in pool
        batches_with_claims = math.ceil(4 * len(pool) / 100)
        assert dict(calls.by_operation) == {
            "dynamodb.GetItem": 1 + 1,  # the consultation; the attorney's contact for the SMS alert
            "dynamodb.Query": 1 + len(ring01),
            "dynamodb.BatchGetItem": batches_with_claims,
            "dynamodb.TransactWriteItems": 1,
            "dynamodb.UpdateItem": 1,  # the attorney's hourly alert counter (an abuse limit)
        }, calls.by_operation
        print(f"\nAWS calls, pool of {len(pool)} attorneys over {len(ring01)} regions: "
              f"listing {counts}, booking {dict(calls.by_operation)}")
    finally:
        world.retire_attorneys()


def test_booking_calls_do_not_grow_with_attorneys_outside_the_pool(container, boto_session) -> None:
    """The same booking costs the same calls before and after 600 attorneys join who are not
    candidates (other categories in the consultation's rings, this category in the rest of the
    province). ``make bench`` measures the same at 120 vs. 12,000 (``bench/scale.py``)."""
    from bench.scale import attorney_items, bulk_delete, bulk_put
    from chalicelib.domain.attorneys import Attorney
    from chalicelib.domain.categories import CATEGORIES

    world = BACKENDS["dynamo"](container, POLICY, NOW)
    ring0, ring1, ring2 = (sorted(r) for r in rings(REGION))
    others = [c.code for c in CATEGORIES if c.code != CATEGORY]
    outside = [Attorney(id=f"att-o{n:04d}", display_name="outside", categories=frozenset({others[n % len(others)]}),
                        regions=frozenset({(ring0 + ring1)[n % len(ring0 + ring1)]}))
               if n % 2 else
               Attorney(id=f"att-o{n:04d}", display_name="outside", categories=frozenset({CATEGORY}),
                        regions=frozenset({ring2[n % len(ring2)]}))
               for n in range(600)]
    items = [i for a in outside for i in attorney_items(a, None, NOW)]
    table = container.settings.main_table
    try:
        for _ in range(3):
            world.add_attorney(attorney_id(), CATEGORY, (REGION,))
        counted = []
        for start in (kst(2, 10), kst(2, 11)):
            if counted:  # the second booking: after the others joined
                assert bulk_put(boto_session, table, items) == len(items)
            owner, consultation = world.new_consultation(CATEGORY, REGION)
            with awscalls.count_calls() as calls:
                view = world.service.book(owner, consultation.id, start)
            assert view.booking.attorney_id in world.attorneys
            counted.append(dict(calls.by_operation))
        assert counted[0] == counted[1], counted
    finally:
        bulk_delete(boto_session, table, items)
        world.retire_attorneys()


def test_releasing_frees_an_upcoming_booking_but_not_one_whose_time_has_come(world: Backend) -> None:
    """For paths that close a booked consultation some other way (the resident leaves the service)."""
    a = world.add_attorney(attorney_id(), CATEGORY, (REGION,)).id
    owner, upcoming = world.new_consultation(CATEGORY, REGION)
    other_owner, started = world.new_consultation(CATEGORY, REGION)
    world.service.book(owner, upcoming.id, kst(2, 10))
    world.service.book(other_owner, started.id, kst(1, 14))  # NOW is 1 Dec 10:30
    assert world.load(a, 2026) == 2
    world.clock[0] = kst(1, 14, 10)  # the second one has begun
    ended = world.service.release(upcoming.id, by="resident_left")
    assert ended is not None and ended.status is BookingStatus.CANCELLED and ended.ended_by == "resident_left"
    assert world.bookings.state_of(upcoming.id).active is None
    assert world.consultations.get(upcoming.id).status is Status.SUBMITTED
    assert [c.consultation_id for c in claims_of(world, kst(1, 0), kst(2, 23))] == [started.id]
    assert world.load(a, 2026) == 1
    assert world.service.release(started.id) is None  # it happened (or is happening): it stays and counts
    assert world.bookings.state_of(started.id).active is not None and world.load(a, 2026) == 1
    assert world.service.release(upcoming.id) is None  # nothing left to release


def test_leaving_the_service_frees_the_residents_upcoming_slot(container) -> None:
    """``DELETE /api/me`` runs the container's ``personal_data_erasers``: the booking is released (slot and
    count back, the attorney told) before the consultation is cancelled and its details erased."""
    world = BACKENDS["dynamo"](container, POLICY, NOW)
    try:
        a = world.add_attorney(attorney_id(), CATEGORY, (REGION,)).id
        owner, consultation = world.new_consultation(CATEGORY, REGION)
        world.service.book(owner, consultation.id, kst(2, 10))
        assert world.load(a, 2026) == 1
        from chalicelib.composition import Container

        leaving = Container(container.settings, clock=lambda: NOW)  # the app's own wiring, at NOW
        leaving.tables  # noqa: B018
        for erase in leaving.personal_data_erasers:
            erase(owner.subject)
        assert world.bookings.state_of(consultation.id).active is None
        assert claims_of(world, kst(2, 0), kst(2, 23)) == []
        assert world.load(a, 2026) == 0
        stored = world.consultations.get(consultation.id)
        assert stored.status is Status.CANCELLED and stored.sealed is None and stored.owner != owner.subject
    finally:
        world.retire_attorneys()

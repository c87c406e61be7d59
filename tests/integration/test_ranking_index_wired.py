"""The ranking index wired into booking and real-time offers, on an emulator of the module's own:
the year opened by its job, bookings and offers chosen through it (the same attorney as the pool
ranking), every counter change (booking, rebooking, cancellation, acceptance, join credit, leave
credit, a weight change) leaving the index exact, a booking whose calls do not change when 40 more
attorneys join its pool, and the pool ranking whenever the index is not decisive."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ops import awscalls

awscalls.install()  # before any client this module builds, so that every call is counted

from chalicelib.adapters.dynamo.loads import DynamoLoadStore, LoadItem, load_key  # noqa: E402
from chalicelib.adapters.dynamo.ranking import OPEN_SK, DynamoRankingIndex, RankItem, rank_pk  # noqa: E402
from chalicelib.composition import Container  # noqa: E402
from chalicelib.domain.attorneys import Attorney  # noqa: E402
from chalicelib.domain.availability import Availability  # noqa: E402
from chalicelib.domain.matching import AssignmentMode  # noqa: E402
from chalicelib.domain.offers import RealtimeRequest  # noqa: E402
from chalicelib.domain.ranking_index import Partition, entry_key  # noqa: E402
from chalicelib.domain.regions import rings  # noqa: E402
from chalicelib.jobs import JOBS, ranking_year  # noqa: E402
from chalicelib.settings import Policy, Settings  # noqa: E402
from tests.integration.conftest import PrivateStack  # noqa: E402
from tests.integration.reservations_harness import Backend, dynamo_backend  # noqa: E402

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=KST)
JOINED = datetime(2025, 3, 2, 9, 0, tzinfo=KST)  # on the roster since last year: no pro-rata join credit
CATEGORY, REGION = "workplace_harassment", "bucheon"
POLICY = Policy(availability_default="none", annual_cap=40)
ROSTER = 14


class World:
    def __init__(self, stack: PrivateStack) -> None:
        self.stack = stack
        self.container = Container(Settings.from_env(stack.env), clock=lambda: self.clock[0])
        self.container.tables  # noqa: B018 - bind the models
        self.clock = [JOINED]
        self.backend: Backend = dynamo_backend(self.container, POLICY, JOINED)
        self.backend.clock = self.clock
        ring01 = sorted(rings(REGION)[0] | rings(REGION)[1])
        rng = random.Random(5)
        self.roster: list[Attorney] = []
        for n in range(ROSTER):
            self.roster.append(self.backend.add_attorney(f"att-rank-{n:02d}", CATEGORY,
                                                         (ring01[n % len(ring01)],),
                                                         Availability.full(self.backend.calendar)))
        with LoadItem.batch_write() as batch:  # this year's counters, before the year is opened
            for a in self.roster:
                batch.save(LoadItem(*load_key(a.id, 2026), assignments=rng.randrange(0, 4),
                                    last_assigned_at=NOW - timedelta(days=rng.randrange(1, 200))))
        self.clock[0] = NOW
        self.index = DynamoRankingIndex()
        self.opened = ranking_year.run(self.container, NOW)

    def service(self, *, indexed: bool):  # noqa: ANN201 - ReservationService
        from chalicelib.adapters.identity_key import StaticIdentityKey
        from chalicelib.adapters.recipients import ContactDirectory
        from chalicelib.services.reservations import ReservationService

        b = self.backend
        return ReservationService(consultations=b.consultations, bookings=b.bookings, roster=b.roster,
                                  notifier=b.notifier, cipher=b.cipher, calendar=b.calendar, policy=POLICY,
                                  clock=lambda: self.clock[0], public_base_url="http://127.0.0.1:8000",
                                  identity_key=StaticIdentityKey(),
                                  recipients=ContactDirectory(b.roster, b.consultations, b.cipher),
                                  ranking=self.index if indexed else None)

    def assert_exact(self) -> None:
        """Every attorney has exactly one entry per covered pair, at the key of their counter."""
        profiles = {a.id: self.container.attorneys.get(a.id) for a in self.roster}
        loads = DynamoLoadStore().get_many(list(profiles), 2026)
        expected: dict[str, set[tuple[str, str]]] = {}
        found: dict[str, set[tuple[str, str]]] = {}
        for a in profiles.values():
            assert a is not None
            key = entry_key(a, loads[a.id], 2026)
            for c in a.categories:
                for r in a.regions:
                    expected.setdefault(a.id, set()).add((rank_pk(Partition(2026, c, r)), key))
        partitions = {pk for pairs in expected.values() for pk, _ in pairs}
        for pk in partitions:
            for item in RankItem.query(pk, consistent_read=True):
                if item.sk != OPEN_SK and item.attorney_id in expected:
                    found.setdefault(item.attorney_id, set()).add((pk, item.sk))
        assert found == expected


@pytest.fixture(scope="module")
def world(private_stack: PrivateStack) -> Iterator[World]:
    yield World(private_stack)


def test_the_daily_job_opens_the_year_once(world: World) -> None:
    assert ranking_year.JOB in JOBS
    assert world.opened == {"year": 2026, "entries": ROSTER, "joined": 0,
                            "leave": {"day": "2026-11-30", "attorneys": 0}}
    assert world.index.is_open(2026) and not world.index.is_open(2027)
    again = ranking_year.run(world.container, NOW + timedelta(days=1))
    assert (again["year"], again["entries"]) == (2026, 0)
    world.assert_exact()


def test_bookings_choose_through_the_index_as_the_pool_would_and_keep_it_exact(world: World) -> None:
    indexed, pooled = world.service(indexed=True), world.service(indexed=False)
    day = 2
    for n in range(6):
        owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key=f"rank-book-{n}")
        start = datetime(2026, 12, day + n % 3, 10 + n // 3, 0, tzinfo=KST)
        state = world.backend.bookings.state_of(consultation.id)
        picked = indexed._choose_indexed(consultation, state, NOW, start, set())
        assert picked is not None, "the index did not settle the choice"
        pool = pooled._pool(consultation, state, NOW, claims_at=start)
        _, expected, _ = pooled._choose(pool.facts, pool.snapshot, state, NOW, start, set(), keep=None)
        view = indexed.book(owner, consultation.id, start)
        assert view.booking.attorney_id == picked[1] == expected
        assert "ranking index" in str(view.booking.reason.get("note"))
        world.assert_exact()
    # a rebooking with another attorney (the old counter down, the new one up) and a cancellation
    view = indexed.book(owner, consultation.id, datetime(2026, 12, 4, 15, 0, tzinfo=KST))
    world.assert_exact()
    indexed.cancel(owner, consultation.id)
    assert world.backend.bookings.state_of(consultation.id).active is None
    world.assert_exact()


def test_a_booking_costs_the_same_calls_when_forty_more_attorneys_join_its_pool(world: World) -> None:
    indexed = world.service(indexed=True)
    day = date(2026, 12, 8)

    def book(key: str, hours_later: int) -> tuple[dict[str, int], str]:
        owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key=key)
        # an hour no other booking of the module used: the attorney's alert is sent, not held back by
        # the hourly limit (which reads less), whichever attorneys the other tests booked before
        world.clock[0] = NOW + timedelta(hours=hours_later)
        try:
            with awscalls.count_calls("dynamodb") as calls:
                view = indexed.book(owner, consultation.id, datetime(2026, 12, 8, 11, 0, tzinfo=KST))
        finally:
            world.clock[0] = NOW
        assert "ranking index" in str(view.booking.reason.get("note"))
        return dict(calls.by_operation), view.booking.attorney_id

    def listing(key: str) -> dict[str, int]:
        owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key=key)
        with awscalls.count_calls("dynamodb") as calls:
            assert indexed.open_slots(owner, consultation.id, day, day)
        return dict(calls.by_operation)

    small, _ = book("rank-cost-small", 2)
    listed_small = listing("rank-list-small")
    # 40 more attorneys in the same pool, busier than everybody (they rank last), saved through the roster
    extra = [Attorney(id=f"att-rank-x{n:02d}", display_name="x", categories=frozenset({CATEGORY}),
                      regions=frozenset({REGION})) for n in range(40)]
    with LoadItem.batch_write() as batch:
        for a in extra:
            batch.save(LoadItem(*load_key(a.id, 2026), assignments=30,
                                last_assigned_at=NOW - timedelta(days=1)))
    world.clock[0] = JOINED
    for a in extra:
        world.container.attorneys.save(a, None, NOW)  # this year's entries written with the profile
        world.backend.bookings.save_availability(a.id, Availability.full(world.backend.calendar), NOW)
    world.clock[0] = NOW
    large, _ = book("rank-cost-large", 4)
    listed_large = listing("rank-list-large")
    assert small == large, (small, large)
    # the slot listing reads the attorneys first in line: one query a region of rings 0-1, one batch read
    assert listed_small == listed_large, (listed_small, listed_large)
    assert listed_small["dynamodb.BatchGetItem"] == 1
    assert small["dynamodb.BatchGetItem"] == 1 and small["dynamodb.TransactWriteItems"] == 1
    print(f"\nbooking through the ranking index, {ROSTER} vs {ROSTER + 40} in the pool: {small} / {large}")


def test_the_slots_listed_are_those_first_in_line_and_each_books_through_the_index(world: World) -> None:
    indexed, pooled = world.service(indexed=True), world.service(indexed=False)
    day = date(2026, 12, 9)
    owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key="rank-list")
    listed = indexed.open_slots(owner, consultation.id, day, day)
    everything = pooled.open_slots(owner, consultation.id, day, day)
    assert listed and {s.start for s in listed} <= {s.start for s in everything}
    state = world.backend.bookings.state_of(consultation.id)
    first = indexed._first_in_line(consultation, state, NOW)
    assert first is not None and len(first.ids) <= 25
    for slot in listed:  # each listed time has someone first in line free, and the index finds them
        picked = indexed._choose_indexed(consultation, state, NOW, slot.start, set())
        assert picked is not None and picked[1] in world.container.attorneys.covering(CATEGORY, REGION) + [
            a for r in sorted(rings(REGION)[1]) for a in world.container.attorneys.covering(CATEGORY, r)]
    view = indexed.book(owner, consultation.id, listed[-1].start)
    assert "ranking index" in str(view.booking.reason.get("note"))
    # a rebooking lists the current attorney's free times too (they keep the booking when free)
    relisted = indexed.open_slots(owner, consultation.id, day, day)
    state = world.backend.bookings.state_of(consultation.id)
    again = indexed._first_in_line(consultation, state, NOW)
    assert again is not None and view.booking.attorney_id in again.ids
    assert {s.start for s in relisted} <= {s.start for s in pooled.open_slots(owner, consultation.id, day, day)}
    indexed.cancel(owner, consultation.id)
    world.assert_exact()


def test_a_hold_chooses_through_the_index_and_its_booking_reads_the_held_attorney_alone(world: World) -> None:
    indexed, pooled = world.service(indexed=True), world.service(indexed=False)
    owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key="rank-hold")
    start = datetime(2026, 12, 10, 14, 0, tzinfo=KST)
    state = world.backend.bookings.state_of(consultation.id)
    pool = pooled._pool(consultation, state, NOW, claims_at=start)
    _, expected, _ = pooled._choose(pool.facts, pool.snapshot, state, NOW, start, set(), keep=None)
    with awscalls.count_calls("dynamodb") as calls:
        hold = indexed.hold(owner, consultation.id, start)
    held = dict(calls.by_operation)
    assert hold.attorney_id == expected  # the pool's fair choice, read through the index
    with awscalls.count_calls("dynamodb") as calls:
        view = indexed.book(owner, consultation.id, start)
    booked = dict(calls.by_operation)
    assert view.booking.attorney_id == hold.attorney_id
    assert view.booking.reason.get("decided_by") == "held_slot"
    print(f"\nhold through the index: {held}; booking of the held slot: {booked}")
    assert held["dynamodb.BatchGetItem"] == 1 and booked["dynamodb.BatchGetItem"] == 1
    assert booked["dynamodb.Query"] == 1  # the consultation's bookings; no index or coverage query
    world.assert_exact()
    indexed.cancel(owner, consultation.id)
    world.assert_exact()


def test_a_rebooking_keeps_its_attorney_when_free_and_else_chooses_through_the_index(world: World) -> None:
    from chalicelib.domain.bookings import Hold, HoldPlan

    indexed, pooled = world.service(indexed=True), world.service(indexed=False)
    owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key="rank-rebook")
    first = indexed.book(owner, consultation.id, datetime(2026, 12, 11, 10, 0, tzinfo=KST)).booking
    kept_at = datetime(2026, 12, 11, 11, 0, tzinfo=KST)
    with awscalls.count_calls("dynamodb") as calls:
        kept = indexed.book(owner, consultation.id, kept_at).booking
    assert kept.attorney_id == first.attorney_id and kept.reason.get("decided_by") == "same_attorney"
    assert calls.by_operation["dynamodb.BatchGetItem"] == 1  # the current attorney alone, not the pool
    assert calls.by_operation["dynamodb.Query"] == 1  # the consultation's bookings
    world.assert_exact()
    # another consultation holds the current attorney's 15:00: moving there, the fair choice decides
    moved_at = datetime(2026, 12, 11, 15, 0, tzinfo=KST)
    _other_owner, other = world.backend.new_consultation(CATEGORY, REGION, key="rank-rebook-other")
    world.backend.bookings.hold(HoldPlan(hold=Hold(other.id, first.attorney_id, moved_at,
                                                   moved_at + timedelta(minutes=30), NOW + timedelta(minutes=10)),
                                         now=NOW))
    state = world.backend.bookings.state_of(consultation.id)
    pool = pooled._pool(consultation, state, NOW, claims_at=moved_at)
    _, expected, _ = pooled._choose(pool.facts, pool.snapshot, state, NOW, moved_at, set(),
                                    keep=first.attorney_id)
    moved = indexed.book(owner, consultation.id, moved_at).booking
    assert moved.attorney_id == expected != first.attorney_id
    assert "ranking index" in str(moved.reason.get("note"))
    world.assert_exact()  # the old attorney's counter down, the new one's up, their entries with them
    indexed.cancel(owner, consultation.id)
    world.assert_exact()


def test_counter_changes_outside_booking_keep_the_index_exact(world: World) -> None:
    a = world.roster[3]
    DynamoLoadStore().set_calibration(a.id, 2026, 1.5)  # a stored join credit moves the entries
    world.assert_exact()
    profile = world.container.attorneys.get(a.id)
    assert profile is not None
    world.container.attorneys.save(replace(profile, weight=2.0), None, NOW)  # a weight change moves them too
    world.assert_exact()


def test_an_attorney_joining_during_the_year_is_ranked_through_the_index(world: World) -> None:
    from chalicelib.domain.attorneys import AttorneyContact
    from chalicelib.domain.identity import Principal, Provider, Role
    from chalicelib.domain.ranking_index import has_time_dependent_credit

    c = world.container
    joiner = Attorney(id="att-rank-new", display_name="new", categories=frozenset({CATEGORY}),
                      regions=frozenset({REGION}))
    admin = Principal("kakao:rank-admin", Role.ADMIN, Provider.KAKAO, "s-rank")
    c.roster.add(admin, joiner, AttorneyContact(phone="+821055550199", email="new@example.invalid"), "127.0.0.1")
    world.backend.bookings.save_availability(joiner.id, Availability.full(world.backend.calendar), NOW)
    profile, load = c.attorneys.get(joiner.id), DynamoLoadStore().get_many([joiner.id], 2026)[joiner.id]
    assert profile is not None and load.calibration_credit is not None and load.calibration_credit > 0
    assert not has_time_dependent_credit(profile, load, NOW)  # joined this year, level with the pool
    entries = {item.sk for r in sorted(profile.regions)
               for item in RankItem.query(rank_pk(Partition(2026, CATEGORY, r)), consistent_read=True)
               if item.attorney_id == joiner.id}
    assert entries == {entry_key(profile, load, 2026)}
    # everybody else tried already: the index reaches the joiner and settles the choice
    indexed = world.service(indexed=True)
    _owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key="rank-joiner")
    state = world.backend.bookings.state_of(consultation.id)
    picked = indexed._choose_indexed(consultation, state, NOW, datetime(2026, 12, 14, 10, 0, tzinfo=KST),
                                     {a.id for a in world.roster} | {f"att-rank-x{n:02d}" for n in range(40)})
    assert picked is not None and picked[1] == joiner.id


def test_the_night_after_a_day_away_stores_the_leave_credit_and_the_index_ranks_with_it(world: World) -> None:
    """Before, an attorney with a day away this year had a leave credit that grew with time: the
    index handed every booking that reached them over to the pool ranking. Now the job stores it."""
    from chalicelib.domain.matching import leave_credit_to_level
    from chalicelib.domain.ranking_index import has_time_dependent_credit

    c = world.container
    ranking_year.run(c, NOW)  # first the night's other credits (attorneys the other tests added this year)
    roster = c.attorneys.roster()
    before = DynamoLoadStore().get_many([x.id for x in roster], 2026)
    # the attorney furthest behind their pool (which one depends on the tests run before)
    profile = max(roster, key=lambda x: leave_credit_to_level(x, roster, before, 2026))
    a = profile
    owed = leave_credit_to_level(profile, roster, before, 2026)
    assert owed > 0  # behind the pool: the day away is worth something
    away = Availability.full(world.backend.calendar).replace_exceptions(closed_days=[date(2026, 11, 30)])
    world.backend.bookings.save_availability(a.id, away, NOW)

    night = ranking_year.run(c, NOW)  # 00:05 on 1 December would do the same: the day that ended is 30 November
    assert night["leave"] == {"day": "2026-11-30", "attorneys": 1}
    after = DynamoLoadStore().get_many([a.id], 2026)[a.id]
    assert after.leave_credit == pytest.approx(before[a.id].leave_credit + owed)
    assert after.leave_credited_through == date(2026, 11, 30)
    assert after.assignments_this_year == before[a.id].assignments_this_year
    world.assert_exact()  # the entries moved with the credit
    assert ranking_year.run(c, NOW)["leave"] == {"day": "2026-11-30", "attorneys": 0}  # once a night
    assert DynamoLoadStore().get_many([a.id], 2026)[a.id] == after

    assert not has_time_dependent_credit(profile, after, NOW)
    indexed = world.service(indexed=True)
    _owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key="rank-leave")
    state = world.backend.bookings.state_of(consultation.id)
    others = {x.id for x in c.attorneys.roster()} - {a.id}
    picked = indexed._choose_indexed(consultation, state, NOW, datetime(2026, 12, 14, 10, 0, tzinfo=KST), others)
    assert picked is not None and picked[1] == a.id  # the index reached them and settled the choice
    assert picked[2]["credit"] == pytest.approx(after.leave_credit + (after.calibration_credit or 0.0), abs=1e-3)


def test_the_night_stores_the_join_credit_of_an_attorney_imported_during_the_year(world: World) -> None:
    """A bulk import writes no join credit (the roster console does): until the night, the ranking
    credits the newcomer pro rata, which grows with time and hands the index over to the pool."""
    from chalicelib.domain.matching import join_credit
    from chalicelib.domain.ranking_index import has_time_dependent_credit

    c = world.container
    pool = ("dismissal", "pocheon")  # a pool of its own: the other tests' choices stay as they were
    veteran, newcomer = (Attorney(id=f"att-rank-{n}", display_name=n, categories=frozenset({pool[0]}),
                                  regions=frozenset({pool[1]})) for n in ("veteran", "imported"))
    c.attorneys.import_new([(veteran, None)], NOW, joined=JOINED)
    c.attorneys.import_new([(newcomer, None)], NOW, joined=NOW - timedelta(days=20))
    with LoadItem.batch_write() as batch:
        batch.save(LoadItem(*load_key(veteran.id, 2026), assignments=4, last_assigned_at=NOW - timedelta(days=2)))
    profile = c.attorneys.get(newcomer.id)
    assert profile is not None
    assert has_time_dependent_credit(profile, DynamoLoadStore().get_many([newcomer.id], 2026)[newcomer.id], NOW)

    night = ranking_year.run(c, NOW)
    assert night["joined"] >= 1  # the newcomer (and whoever the other tests added this year), not the veteran
    load = DynamoLoadStore().get_many([newcomer.id, veteran.id], 2026)
    assert load[newcomer.id].calibration_credit == pytest.approx(
        join_credit(profile, [veteran, profile], {veteran.id: load[veteran.id]}, 2026)) == 4.0
    assert load[veteran.id].calibration_credit is None
    assert not has_time_dependent_credit(profile, load[newcomer.id], NOW)
    entries = {item.sk for item in RankItem.query(rank_pk(Partition(2026, pool[0], pool[1])), consistent_read=True)
               if item.attorney_id == newcomer.id}
    assert entries == {entry_key(profile, load[newcomer.id], 2026)}  # moved from level zero
    assert ranking_year.run(c, NOW)["joined"] == 0


def test_real_time_offers_choose_through_the_index_as_the_pool_would(world: World) -> None:
    from chalicelib.services.realtime_queue import RealtimeQueue

    c = world.container
    for a in world.roster[::2]:
        c.realtime_store.set_duty(c.attorneys.get(a.id), True)
    try:
        indexed = c.realtime_queue
        pooled = RealtimeQueue(store=c.realtime_store, consultations=c.consultations, loads=c.loads,
                               attorneys=c.attorneys, notifier=c.notifier, recipients=c.recipients,
                               calendar=c.calendar, policy=c.settings.policy, clock=lambda: NOW,
                               public_base_url="http://127.0.0.1:8000")
        assert indexed.ranking is not None
        for n in range(5):
            _owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key=f"rank-rt-{n}")
            request = RealtimeRequest(consultation.id, consultation.category, consultation.region,
                                      queued_at=NOW, tried=tuple(a.id for a in world.roster[:n * 2:2]))
            got = indexed.choose(consultation, request, NOW)
            expected = pooled.choose(consultation, request, NOW)
            assert got.attorney_id == expected.attorney_id
            assert got.reason.note.startswith("ranking index")
            assert got.reason.mode == AssignmentMode.REALTIME
    finally:
        for a in world.roster[::2]:
            c.realtime_store.set_duty(c.attorneys.get(a.id), False)


def test_a_year_not_opened_ranks_the_pool(world: World) -> None:
    indexed = world.service(indexed=True)
    _owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key="rank-2027")
    later = datetime(2027, 1, 4, 10, 0, tzinfo=KST)
    world.clock[0] = later
    try:
        state = world.backend.bookings.state_of(consultation.id)
        assert indexed._choose_indexed(consultation, state, later, later + timedelta(days=1), set()) is None
    finally:
        world.clock[0] = NOW



def test_a_year_opened_in_another_key_layout_is_opened_again_in_its_own_partitions(world: World) -> None:
    """A stack upgraded during a year: what the previous layout wrote (partitions without the layout
    suffix, keys ordered by the bare id hash, every partition marked open) is never read. The year
    counts as not open, the pool decides, and the daily job opens it in the current layout."""
    from chalicelib.domain.categories import CATEGORIES
    from chalicelib.domain.matching import id_hash, level_of
    from chalicelib.domain.regions import REGION_CODES

    year, later = 2028, datetime(2028, 1, 3, 10, 0, tzinfo=KST)
    with RankItem.batch_write() as batch:
        for c in sorted(x.code for x in CATEGORIES):
            for r in sorted(REGION_CODES):
                batch.save(RankItem(f"RANK#{year}#{c}#{r}", OPEN_SK))
        for a in world.roster:
            for r in a.regions:
                batch.save(RankItem(f"RANK#{year}#{CATEGORY}#{r}", f"{level_of(0.0, None)}{id_hash(a.id)}#{a.id}",
                                    attorney_id=a.id))
    assert not world.index.is_open(year)
    indexed, pooled = world.service(indexed=True), world.service(indexed=False)
    _owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key="rank-layout")
    start = datetime(2028, 1, 4, 10, 0, tzinfo=KST)
    world.clock[0] = later
    try:
        state = world.backend.bookings.state_of(consultation.id)
        assert indexed._choose_indexed(consultation, state, later, start, set()) is None  # the pool decides
        opened = ranking_year.run(world.container, later)
        assert opened["year"] == year and opened["entries"] >= ROSTER
        assert world.index.is_open(year)
        picked = indexed._choose_indexed(consultation, state, later, start, set())
        assert picked is not None, "the index did not settle the choice"
        pool = pooled._pool(consultation, state, later, claims_at=start)
        _, expected, _ = pooled._choose(pool.facts, pool.snapshot, state, later, start, set(), keep=None)
        assert picked[1] == expected
    finally:
        world.clock[0] = NOW


def test_a_manual_assignment_its_move_and_a_withdrawal_keep_the_index_exact(world: World) -> None:
    c = world.container
    owner, consultation = world.backend.new_consultation(CATEGORY, REGION, key="rank-manual")
    first, second = world.roster[5].id, world.roster[6].id
    before = DynamoLoadStore().get_many([first, second], 2026)
    c.realtime_queue.reassign(consultation.id, first, "by phone")  # +1 for the first attorney
    world.assert_exact()
    world.clock[0] = NOW + timedelta(minutes=1)  # a second assignment record
    try:
        c.realtime_queue.reassign(consultation.id, second, "moved")  # -1 for the first, +1 for the second
        world.assert_exact()
        c.withdrawals.withdraw(owner, consultation.id)  # the match is uncounted
        world.assert_exact()
    finally:
        world.clock[0] = NOW
    after = DynamoLoadStore().get_many([first, second], 2026)
    assert [after[a].assignments_this_year for a in (first, second)] == \
        [before[a].assignments_this_year for a in (first, second)]

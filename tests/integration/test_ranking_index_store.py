"""The ranking index on DynamoDB (emulator) against its in-memory twin: the same choices, the same
calls, entries that move inside a transaction, and a partition that was never opened."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ops import awscalls

awscalls.install()  # before any client this module builds, so that every call is counted

from pynamodb.exceptions import TransactWriteError  # noqa: E402
from pynamodb.transactions import TransactWrite  # noqa: E402

from bench.scale import roster_spread  # noqa: E402
from chalicelib.adapters.dynamo.loads import LoadItem, add_increment, load_key  # noqa: E402
from chalicelib.adapters.dynamo.ranking import DynamoRankingIndex, RankItem, add_moves, rank_pk  # noqa: E402
from chalicelib.domain.matching import AssignmentMode, AttorneyLoad, ConsultationFacts, realtime_available  # noqa: E402
from chalicelib.domain.ranking_index import IndexNotDecisive, Partition, choose_indexed, entry_key  # noqa: E402
from tests.integration.conftest import PrivateStack  # noqa: E402
from tests.twins.memory_ranking import MemoryRankingIndex  # noqa: E402

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 6, 1, 10, tzinfo=KST)
ROSTER = 400
CAP = 40


class World:
    def __init__(self, stack: PrivateStack) -> None:
        self.roster = list(roster_spread(1, ROSTER))
        rng = random.Random(11)
        self.twin = MemoryRankingIndex(self.roster, year=2026)
        for _ in range(ROSTER):  # a round of assignments, some attorneys twice, some not at all
            self.twin.assign(self.roster[rng.randrange(ROSTER)].id, NOW - timedelta(minutes=rng.randrange(1, 9999)))
        stack.container.attorneys.import_new([(a, None) for a in self.roster], NOW - timedelta(days=400))
        with LoadItem.batch_write() as batch:
            for load in self.twin.loads.values():
                batch.save(LoadItem(*load_key(load.attorney_id, 2026), assignments=load.assignments_this_year,
                                    last_assigned_at=load.last_assigned_at))
        self.index = DynamoRankingIndex()
        self.written = self.index.open_year(self.roster, self.twin.loads, 2026)


@pytest.fixture(scope="module")
def world(private_stack: PrivateStack) -> Iterator[World]:
    yield World(private_stack)


def test_open_year_writes_one_entry_per_covered_pair(world: World) -> None:
    assert world.written == sum(len(a.categories) * len(a.regions) for a in world.roster)
    some = world.roster[7]
    key = entry_key(some, world.twin.loads.get(some.id), 2026)
    for c in some.categories:
        for r in some.regions:
            assert RankItem.get(rank_pk(Partition(2026, c, r)), key).attorney_id == some.id


@pytest.mark.parametrize("mode", [AssignmentMode.REALTIME, AssignmentMode.RESERVATION])
def test_the_same_choices_and_calls_as_the_twin(world: World, mode: AssignmentMode) -> None:
    for n, region in enumerate(("suwon", "yongin", "gapyeong", "bucheon", "yeoncheon")):
        facts = ConsultationFacts(f"dyn-{mode.value}-{n}", "wage_arrears", region, mode)
        available = realtime_available(()) if mode is AssignmentMode.REALTIME else (lambda a: a.id[-1] != "3")
        world.twin.reset_calls()
        expected = choose_indexed(facts, world.twin, NOW, programme_cap=CAP, available=available)
        with awscalls.count_calls("dynamodb") as calls:
            got = choose_indexed(facts, world.index, NOW, programme_cap=CAP, available=available)
        assert got.attorney_id == expected.attorney_id
        assert {k.removeprefix("dynamodb."): v for k, v in calls.by_operation.items()} == dict(world.twin.calls)


def test_an_assignment_moves_the_entries_in_its_own_transaction(world: World) -> None:
    attorney = world.roster[3]
    before = (world.twin.loads.get(attorney.id) or AttorneyLoad.empty(attorney.id, 2026)).for_year(2026)
    after = before.after_assignment(NOW)
    old, new = entry_key(attorney, before, 2026), entry_key(attorney, after, 2026)
    with TransactWrite(connection=RankItem._get_connection().connection) as tx:
        add_increment(tx, attorney.id, 2026, NOW, CAP, expected=before)
        add_moves(tx, attorney, old, new, 2026)
    world.twin.set_load(after)
    for c in attorney.categories:
        for r in attorney.regions:
            pk = rank_pk(Partition(2026, c, r))
            assert [i.attorney_id for i in RankItem.query(pk, RankItem.sk == new)] == [attorney.id]
            assert list(RankItem.query(pk, RankItem.sk == old)) == []
    # a second transaction built on the same (now stale) counter is cancelled by the counter's
    # condition, and writes nothing: no second entry
    stale = after.after_assignment(NOW + timedelta(minutes=1))
    with pytest.raises(TransactWriteError):
        with TransactWrite(connection=RankItem._get_connection().connection) as tx:
            add_increment(tx, attorney.id, 2026, NOW + timedelta(minutes=1), CAP, expected=before)
            add_moves(tx, attorney, old, entry_key(attorney, stale, 2026), 2026)
    assert LoadItem.get(*load_key(attorney.id, 2026)).assignments == after.assignments_this_year
    for c in attorney.categories:
        for r in attorney.regions:
            pk = rank_pk(Partition(2026, c, r))
            entries = [i.sk for i in RankItem.query(pk, RankItem.sk >= "0") if i.attorney_id == attorney.id]
            assert entries == [new]


def test_a_year_never_opened_hands_over_to_the_full_ranking(world: World) -> None:
    facts = ConsultationFacts("dyn-2027", "wage_arrears", "suwon", AssignmentMode.REALTIME)
    with pytest.raises(IndexNotDecisive):
        choose_indexed(facts, world.index, datetime(2027, 1, 4, 10, tzinfo=KST), programme_cap=CAP,
                       available=realtime_available(()))

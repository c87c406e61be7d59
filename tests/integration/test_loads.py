"""Load counters: read by key, incremented under the cap inside transactions."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.loads import DynamoLoadStore, add_increment
from ops.awscalls import count_calls
from tests.twins.memory import LoadCapReachedError, MemoryLoadStore

pytestmark = pytest.mark.emulator
AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def test_counters_of_many_attorneys_cost_one_batch_read(container) -> None:
    store = DynamoLoadStore()
    with count_calls("dynamodb") as calls:
        loads = store.get_many([f"att-load-{i}" for i in range(60)], 2026)
    assert len(loads) == 60 and all(v.assignments_this_year == 0 for v in loads.values())
    assert calls.by_operation == {"dynamodb.BatchGetItem": 1}


def test_parallel_increments_never_pass_the_cap(container) -> None:
    store = DynamoLoadStore()
    cap = 5

    def attempt(_: int) -> bool:
        try:
            with TransactWrite(connection=Connection(region="ap-northeast-2")) as tx:
                add_increment(tx, "att-race", 2026, AT, cap)
            return True
        except TransactWriteError:
            return False

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(attempt, range(24)))
    assert sum(results) == cap
    load = store.get_many(["att-race"], 2026)["att-race"]
    assert load.assignments_this_year == cap
    assert load.last_assigned_at == AT


def test_memory_twin_keeps_the_same_cap() -> None:
    store = MemoryLoadStore()
    for _ in range(3):
        store.increment("a", 2026, AT, cap=3)
    with pytest.raises(LoadCapReachedError):
        store.increment("a", 2026, AT, cap=3)
    store.decrement("a", 2026)
    assert store.get_many(["a"], 2026)["a"].assignments_this_year == 2


def test_calibration_credit_is_stored(container) -> None:
    store = DynamoLoadStore()
    store.set_calibration("att-new", 2026, 12.5)
    assert store.get_many(["att-new"], 2026)["att-new"].calibration_credit == 12.5


def test_a_day_away_is_credited_once_when_two_nights_run_at_the_same_time(container) -> None:
    """The job may run twice (a scheduler retry): each run's transaction is conditioned on the counter
    it read, so the loser reads again, finds the day credited and adds nothing."""
    from datetime import date

    store = DynamoLoadStore()
    store.set_calibration("att-leave", 2026, 1.0)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: store.credit_leave("att-leave", 2026, 2.5, date(2026, 11, 30)),
                                range(6)))
    assert sorted(results) == [False] * 5 + [True]
    load = store.get_many(["att-leave"], 2026)["att-leave"]
    assert (load.leave_credit, load.leave_credited_through, load.calibration_credit) == (
        2.5, date(2026, 11, 30), 1.0)
    assert store.credit_leave("att-leave", 2026, 2.0, date(2026, 12, 1)) is True  # the next night adds up
    assert store.get_many(["att-leave"], 2026)["att-leave"].leave_credit == 4.5


def test_a_counter_credited_nothing_for_a_day_away_still_takes_assignments(container) -> None:
    """An attorney level with their pool is credited 0 for a day away (the day is still recorded):
    the condition every counted write puts on the counter must take a stored 0 for no credit."""
    from datetime import date

    store = DynamoLoadStore()
    assert store.credit_leave("att-level", 2026, 0.0, date(2026, 11, 30)) is True
    before = store.get_many(["att-level"], 2026)["att-level"]
    assert before.leave_credit == 0.0 and before.leave_credited_through == date(2026, 11, 30)
    with TransactWrite(connection=Connection(region="ap-northeast-2")) as tx:
        add_increment(tx, "att-level", 2026, AT, 5, expected=before)
    assert store.get_many(["att-level"], 2026)["att-level"].assignments_this_year == 1

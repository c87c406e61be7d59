"""The annual cap's rule on closing: every outcome that is work keeps its place on the count; only a
no-show (the resident never came) gives it back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.rooms import Outcome, OutcomeAlreadyRecordedError, OutcomeRecord, counts_towards_annual_cap
from tests.twins.memory import MemoryLoadStore
from tests.twins.memory_rooms import MemoryThreadStore

AT = datetime(2026, 12, 2, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_only_a_no_show_is_not_counted(outcome: Outcome) -> None:
    assert counts_towards_annual_cap(outcome) is (outcome is not Outcome.NO_SHOW)


def test_the_twin_gives_the_place_back_with_the_outcome_and_only_once() -> None:
    loads = MemoryLoadStore()
    loads.increment("att-1", 2026, AT, cap=2)
    loads.increment("att-1", 2026, AT, cap=2)
    store = MemoryThreadStore(loads=loads)
    record = OutcomeRecord("c-1", "att-1", Outcome.NO_SHOW, AT, None)
    store.save_outcome(record, ("att-1", 2026))
    assert loads.get_many(["att-1"], 2026)["att-1"].assignments_this_year == 1
    with pytest.raises(OutcomeAlreadyRecordedError):
        store.save_outcome(record, ("att-1", 2026))
    assert loads.get_many(["att-1"], 2026)["att-1"].assignments_this_year == 1

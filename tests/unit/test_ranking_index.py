"""The ranking index chooses the winner of the full ranking, reading a bounded head of each ring."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bench.scale import roster_spread
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.matching import (
    TIE_BLOCK,
    AssignmentMode,
    AttorneyLoad,
    ConsultationFacts,
    NoCandidateError,
    choose,
    realtime_available,
    reservation_available,
    tie_order,
)
from chalicelib.domain.ranking_index import IndexNotDecisive, choose_indexed, entry_key
from chalicelib.domain.regions import ADJACENCY, REGION_CODES
from tests.twins.memory_ranking import MemoryRankingIndex

KST = ZoneInfo("Asia/Seoul")
CAP = 40
NOW = datetime(2026, 6, 1, 10, tzinfo=KST)
CATEGORIES = ("wage_arrears", "dismissal", "industrial_accident")


def random_roster(rng: random.Random, size: int, regions: list[str]) -> tuple[list[Attorney], dict[str, AttorneyLoad]]:
    roster, loads = [], {}
    for n in range(size):
        home = rng.choice(regions)
        covered = {home} | ({rng.choice(sorted(ADJACENCY[home]))} if rng.random() < 0.5 else set())
        a = Attorney(id=f"a{n:05d}", display_name=f"n{n}",
                     categories=frozenset(rng.sample(CATEGORIES, rng.randint(1, 2))),
                     regions=frozenset(covered), weight=rng.choice((1.0, 1.0, 1.0, 2.0, 0.5)),
                     annual_cap=rng.choice((None, None, None, 5)), active=rng.random() < 0.95,
                     on_duty=rng.random() < 0.5, languages=frozenset({"en"}) if rng.random() < 0.1 else frozenset(),
                     created_at=datetime(2025, 3, 1, tzinfo=KST))
        roster.append(a)
        if rng.random() < 0.7:  # the rest never assigned this year
            count = rng.randint(0, 6)
            last = None if count == 0 else NOW - timedelta(hours=rng.choice((1, 2, 3, 48, 200)))
            credit = rng.choice((None, None, 1.5)) if rng.random() < 0.2 else None
            loads[a.id] = AttorneyLoad(a.id, rng.choice((2026, 2026, 2026, 2025)), count, last, credit)
    return roster, loads


@pytest.mark.parametrize("seed", range(60))
def test_index_chooses_the_winner_of_the_full_ranking(seed: int) -> None:
    rng = random.Random(seed)
    regions = rng.sample(sorted(REGION_CODES), 6)
    roster, loads = random_roster(rng, rng.choice((5, 40, 300)), regions)
    index = MemoryRankingIndex(roster, loads, year=2026)
    for n in range(15):
        facts = ConsultationFacts(f"c-{seed}-{n}", rng.choice(CATEGORIES), rng.choice(regions),
                                  rng.choice(list(AssignmentMode)[:2]), rng.choice(("ko", "ko", "en")))
        busy = {a.id for a in roster if rng.random() < 0.3}
        available = (realtime_available(busy) if facts.mode is AssignmentMode.REALTIME
                     else reservation_available({a.id for a in roster if a.id not in busy}))
        tried = {a.id for a in roster if rng.random() < 0.05}
        try:
            full = choose(facts, roster, loads, NOW, programme_cap=CAP, available=available, exclude=tried)
        except NoCandidateError:
            with pytest.raises(NoCandidateError):
                choose_indexed(facts, index, NOW, programme_cap=CAP, available=available, exclude=tried)
            continue
        via_index = choose_indexed(facts, index, NOW, programme_cap=CAP, available=available, exclude=tried)
        assert via_index.attorney_id == full.attorney_id, facts
        assert (via_index.reason.ring, via_index.reason.interpreter_needed) == (
            full.reason.ring, full.reason.interpreter_needed)


@pytest.mark.parametrize("size", [17, 500, 3000])
def test_a_large_tie_is_settled_alike_and_moves_with_the_consultation(size: int) -> None:
    roster = [Attorney(id=f"t{n}", display_name="t", categories=frozenset({"dismissal"}),
                       regions=frozenset({"suwon"}), on_duty=True) for n in range(size)]
    index = MemoryRankingIndex(roster, year=2026)
    head = set(sorted((a.id for a in roster), key=lambda i: tie_order(i, 2026))[:TIE_BLOCK])
    winners = set()
    for n in range(40):
        facts = ConsultationFacts(f"tie-{n}", "dismissal", "suwon", AssignmentMode.REALTIME)
        full = choose(facts, roster, {}, NOW, programme_cap=CAP, available=realtime_available(()))
        assert choose_indexed(facts, index, NOW, programme_cap=CAP,
                              available=realtime_available(())).attorney_id == full.attorney_id
        winners.add(full.attorney_id)
    assert winners <= head  # the tie is settled within the block at its head ...
    assert len(winners) >= min(size, TIE_BLOCK) // 2  # ... by the consultation: not always the same attorney


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_large_tie_is_worked_through_one_each_in_an_order_that_changes_every_year(year: int) -> None:
    """Each assignment lifts its winner out of the tie, so the block moves on: 150 consultations for
    150 tied attorneys give each exactly one, the index agreeing with the full ranking at every step;
    who goes first is the year's tie order, not the same attorneys every year."""
    roster = [Attorney(id=f"t{n}", display_name="t", categories=frozenset({"dismissal"}),
                       regions=frozenset({"suwon"}), on_duty=True) for n in range(150)]
    now = NOW.replace(year=year)
    index = MemoryRankingIndex(roster, year=year)
    order = []
    for n in range(150):
        facts = ConsultationFacts(f"round-{n}", "dismissal", "suwon", AssignmentMode.REALTIME)
        chosen = choose_indexed(facts, index, now, programme_cap=CAP, available=realtime_available(()))
        full = choose(facts, roster, index.loads, now, programme_cap=CAP, available=realtime_available(()))
        assert chosen.attorney_id == full.attorney_id
        index.assign(chosen.attorney_id, now + timedelta(minutes=n))
        order.append(chosen.attorney_id)
    assert sorted(order) == sorted(a.id for a in roster)  # one each
    first = set(order[:TIE_BLOCK])  # each from the block at the head when it was chosen: the year's first 49
    assert first <= set(sorted(order, key=lambda i: tie_order(i, year))[:2 * TIE_BLOCK - 1])
    other = set(sorted(order, key=lambda i: tie_order(i, year + 1))[:2 * TIE_BLOCK - 1])
    assert len(first & other) <= TIE_BLOCK // 2  # next year other attorneys open the round


def _calls_for(size: int) -> tuple[dict[str, int], str]:
    roster = list(roster_spread(1, size))
    index = MemoryRankingIndex(roster, year=2026)
    rng = random.Random(7)
    for _ in range(3 * size // 2):  # half a round of assignments: levels 0 and 1 both crowded
        index.assign(roster[rng.randrange(size)].id, NOW - timedelta(minutes=rng.randrange(1, 100_000)))
    facts = ConsultationFacts("c-scale", "wage_arrears", "suwon", AssignmentMode.REALTIME)
    index.reset_calls()
    chosen = choose_indexed(facts, index, NOW, programme_cap=CAP, available=realtime_available(()))
    full = choose(facts, roster, index.loads, NOW, programme_cap=CAP, available=realtime_available(()))
    assert chosen.attorney_id == full.attorney_id
    return dict(index.calls), chosen.attorney_id


@pytest.mark.parametrize("size", [120, 1_200, 12_000])
def test_a_choice_reads_one_page_and_one_batch_whatever_the_roster(size: int) -> None:
    # the first block of the ring (25 attorneys in ranking order) holds an eligible attorney: one query
    # of 25 keys and one batch read of the attorneys behind them settle the choice, at any roster size
    calls, _ = _calls_for(size)
    assert calls == {"Query": 1, "BatchGetItem": 1}, calls


def test_a_block_without_anyone_eligible_reads_the_next_page() -> None:
    roster = [Attorney(id=f"b{n:03d}", display_name="b", categories=frozenset({"dismissal"}),
                       regions=frozenset({"suwon"})) for n in range(100)]
    by_order = sorted(roster, key=lambda a: tie_order(a.id, 2026))
    on_duty = {a.id for a in by_order[40:]}  # the first block and a half: nobody on duty
    roster = [replace(a, on_duty=a.id in on_duty) for a in roster]
    index = MemoryRankingIndex(roster, year=2026)
    facts = ConsultationFacts("c-blocks", "dismissal", "suwon", AssignmentMode.REALTIME)
    chosen = choose_indexed(facts, index, NOW, programme_cap=CAP, available=realtime_available(()))
    full = choose(facts, roster, {}, NOW, programme_cap=CAP, available=realtime_available(()))
    assert chosen.attorney_id == full.attorney_id
    assert chosen.attorney_id in {a.id for a in by_order[40:50]}  # the second block's eligible ones
    assert index.calls == {"Query": 2, "BatchGetItem": 2}


def test_an_attorney_back_from_leave_is_placed_by_the_index_with_their_stored_credit() -> None:
    """The leave credit is stored (the night after each day away), so the index ranks an attorney back
    from leave itself: no hand-over to the full ranking, and the same choice."""
    a = Attorney(id="back", display_name="b", categories=frozenset({"dismissal"}), regions=frozenset({"suwon"}))
    b = Attorney(id="other", display_name="o", categories=frozenset({"dismissal"}), regions=frozenset({"suwon"}))
    facts = ConsultationFacts("c-leave", "dismissal", "suwon", AssignmentMode.RESERVATION)
    for back_credit, other_load, winner in ((9.0, 10, "back"), (11.0, 10, "other")):
        loads = {"back": AttorneyLoad("back", 2026, 0, None, None, leave_credit=back_credit,
                                      leave_credited_through=date(2026, 5, 31)),
                 "other": AttorneyLoad("other", 2026, other_load, NOW - timedelta(days=1))}
        index = MemoryRankingIndex([a, b], loads, year=2026)
        chosen = choose_indexed(facts, index, NOW, programme_cap=CAP, available=lambda _a: True)
        full = choose(facts, [a, b], loads, NOW, programme_cap=CAP, available=lambda _a: True)
        assert chosen.attorney_id == full.attorney_id == winner
        assert (chosen.reason.credit, chosen.reason.credited_load) == (full.reason.credit, full.reason.credited_load)


def test_stale_entries_never_change_the_winner() -> None:
    roster = list(roster_spread(1, 400))
    index = MemoryRankingIndex(roster, year=2026)
    facts = ConsultationFacts("c-stale", "wage_arrears", "suwon", AssignmentMode.REALTIME)
    first = choose_indexed(facts, index, NOW, programme_cap=CAP, available=realtime_available(()))
    # the winner's counter moved on but not its entries: they are put at their true place
    index.set_counter_only(AttorneyLoad(first.attorney_id, 2026, 1, NOW))
    again = choose_indexed(facts, index, NOW, programme_cap=CAP, available=realtime_available(()))
    full = choose(facts, roster, index.loads, NOW, programme_cap=CAP, available=realtime_available(()))
    assert again.attorney_id == full.attorney_id != first.attorney_id
    # an entry behind its counter (the counter went down, the entry did not) that the read reaches:
    # the index gives up (entries move in the counter's own transaction, so this is a safeguard)
    few = roster[:3]
    index = MemoryRankingIndex(few, {a.id: AttorneyLoad(a.id, 2026, 2, None) for a in few}, year=2026)
    index.set_counter_only(AttorneyLoad(few[0].id, 2026, 1, None))
    with pytest.raises(IndexNotDecisive):
        choose_indexed(ConsultationFacts("c-behind", "wage_arrears", "suwon", AssignmentMode.RESERVATION),
                       index, NOW, programme_cap=CAP, available=lambda _a: True)


def test_keys_sort_like_the_ranking() -> None:
    a = Attorney(id="x", display_name="x", categories=frozenset({"other"}), regions=frozenset({"suwon"}))
    heavy = Attorney(id="y", display_name="y", categories=frozenset({"other"}), regions=frozenset({"suwon"}),
                     weight=2.0)
    keys = [entry_key(a, AttorneyLoad("x", 2026, 10, NOW), 2026),
            entry_key(heavy, AttorneyLoad("y", 2026, 3, NOW), 2026),  # 1.5 per weight
            entry_key(a, AttorneyLoad("x", 2026, 2, NOW), 2026),
            entry_key(a, AttorneyLoad("x", 2026, 2, NOW - timedelta(days=1)), 2026),
            entry_key(a, AttorneyLoad("x", 2026, 0, None, 0.0), 2026),
            entry_key(a, AttorneyLoad("x", 2025, 9, NOW), 2026)]  # last year's counter counts as empty
    assert keys[4] == keys[5]  # never assigned this year: level zero, whatever last year held
    assert sorted(keys) == [keys[4], keys[5], keys[1], keys[3], keys[2], keys[0]]


@pytest.mark.parametrize("size", [12, 1_200, 12_000])
def test_those_first_in_line_are_the_lowest_ranked_of_the_ring_at_one_query_a_region(size: int) -> None:
    from chalicelib.domain.matching import level_of
    from chalicelib.domain.ranking_index import first_in_line, static_relative_load

    rng = random.Random(size)
    regions = ["suwon", "yongin", "hwaseong"]
    roster, loads = random_roster(rng, size, regions)
    roster = [a for a in roster if "dismissal" in a.categories] or roster
    index = MemoryRankingIndex(roster, loads, year=2026)
    found, everybody = first_in_line(index, 2026, "dismissal", regions)
    assert index.calls == {"Query": len(regions)}  # the first page of each partition, nothing more
    covering = [a for a in roster if "dismissal" in a.categories and a.regions & set(regions)]
    assert everybody == (len(covering) < 25)
    assert len(found) == min(25, len(covering)) and len(set(found)) == len(found)

    def level(a: Attorney) -> str:
        load = (loads.get(a.id) or AttorneyLoad.empty(a.id, 2026)).for_year(2026)
        return level_of(static_relative_load(a, load, 2026), load.last_assigned_at)

    chosen = {a.id for a in covering if a.id in found}
    if not everybody:  # nobody left out ranks before anybody taken in
        worst_in = max(level(a) for a in covering if a.id in chosen)
        assert all(level(a) >= worst_in for a in covering if a.id not in chosen)

"""What a choice through the ranking index records as its reason: ``matching``'s vocabulary, and the
rings a booking may read (``max_ring``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.matching import Assignment, AssignmentMode, AttorneyLoad, ConsultationFacts, realtime_available
from chalicelib.domain.ranking_index import IndexNotDecisive, choose_indexed
from chalicelib.domain.regions import rings
from tests.twins.memory_ranking import MemoryRankingIndex

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 6, 1, 10, tzinfo=KST)
JOINED = datetime(2025, 3, 1, tzinfo=KST)
REGION = "suwon"


def attorney(n: int, region: str = REGION) -> Attorney:
    return Attorney(id=f"r{n:03d}", display_name=f"n{n}", categories=frozenset({"dismissal"}),
                    regions=frozenset({region}), on_duty=True, created_at=JOINED)


def choose(roster: list[Attorney], loads: dict[str, AttorneyLoad],
           max_ring: int | None = None) -> Assignment:
    index = MemoryRankingIndex(roster, loads, year=2026)
    facts = ConsultationFacts("c-reason", "dismissal", REGION, AssignmentMode.REALTIME)
    return choose_indexed(facts, index, NOW, programme_cap=40, available=realtime_available(()),
                          max_ring=max_ring)


def test_a_lower_load_wins_by_load() -> None:
    roster = [attorney(n) for n in range(3)]
    loads = {a.id: AttorneyLoad(a.id, 2026, n, NOW - timedelta(days=1)) for n, a in enumerate(roster)}
    chosen = choose(roster, loads)
    assert chosen.attorney_id == "r000" and chosen.reason.decided_by == "load"


def test_the_same_load_is_settled_by_the_last_assignment() -> None:
    roster = [attorney(n) for n in range(2)]
    loads = {"r000": AttorneyLoad("r000", 2026, 2, NOW - timedelta(days=3)),
             "r001": AttorneyLoad("r001", 2026, 2, NOW - timedelta(days=1))}
    chosen = choose(roster, loads)
    assert chosen.attorney_id == "r000" and chosen.reason.decided_by == "least_recently_assigned"


def test_a_tie_and_a_single_candidate() -> None:
    roster = [attorney(n) for n in range(4)]
    assert choose(roster, {}).reason.decided_by == "tie_break"
    assert choose(roster[:1], {}).reason.decided_by == "only_candidate"


def test_a_winner_closing_a_full_block_is_not_called_the_only_candidate() -> None:
    # 24 off duty first in line, the winner 25th: the block is full, the read stops there, and the
    # attorneys after it (on duty, with more load) are never read: "load", not "only_candidate"
    off = [replace(attorney(n), on_duty=False) for n in range(24)]
    winner, after = attorney(24), [attorney(n) for n in range(25, 31)]
    loads = {winner.id: AttorneyLoad(winner.id, 2026, 1, NOW - timedelta(days=1)),
             **{a.id: AttorneyLoad(a.id, 2026, 2, NOW - timedelta(days=1)) for a in after}}
    chosen = choose([*off, winner, *after], loads)
    assert chosen.attorney_id == winner.id and chosen.reason.decided_by == "load"


def test_nobody_within_max_ring_hands_over_to_the_pool() -> None:
    far = sorted(rings(REGION)[2])[0]
    roster = [attorney(1, far)]
    assert choose(roster, {}).attorney_id == "r001"  # any ring
    with pytest.raises(IndexNotDecisive):
        choose(roster, {}, max_ring=1)  # a booking's pool decides whether to widen

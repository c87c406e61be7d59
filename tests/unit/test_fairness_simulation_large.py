"""The fairness simulation on a large roster, choosing through the ranking index.

1,550 attorneys (50 per city or county, spread like ``ops/seed.py``'s: home
region, one neighbour, two of the six other categories, wage arrears for four
in five) take 3,000 consultations arriving over 2026's service windows, with
the categories and regions of ``test_fairness_simulation``. Every choice is
made by ``ranking_index.choose_indexed`` on the in-memory twin, whose entries
move with each assignment as the transactions move them. Checked, as for the
seeded roster: an independent oracle says who could take each consultation
(the chosen one is among them, in the nearest ring, least loaded there),
nobody passes the cap, same-coverage loads differ by at most 2; and every
25th choice is compared with ``matching.choose`` over the whole category.
Besides: no choice read more than a fixed number of keys and attorneys.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest

from bench.scale import roster_spread
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.calendar import DEFAULT_WINDOWS, ServiceCalendar
from chalicelib.domain.matching import AssignmentMode, ConsultationFacts, NoCandidateError, choose, ring_of
from chalicelib.domain.ranking_index import choose_indexed
from tests.twins.memory_ranking import MemoryRankingIndex
from tests.unit.test_fairness_simulation import CATEGORY_SHARES, POPULATION

ROSTER = 1_550
CONSULTATIONS = 3_000
CAP = 4  # small, so that the cap is reached and must hold on this roster
SAME_COVERAGE_SPREAD = 2
COMPARE_EVERY = 25
MAX_QUERIES, MAX_BATCHES = 6, 3  # per choice (measured: 6 and 2); a full read of a busy ring would be more


def _free(consultation: int, attorney_id: str) -> bool:
    """Available with probability 0.8, drawn per consultation and attorney (a hash: no per-roster draw)."""
    return hashlib.blake2b(f"{consultation}/{attorney_id}".encode(), digest_size=2).digest()[0] % 5 != 0


@dataclass
class Year:
    roster: list[Attorney]
    index: MemoryRankingIndex
    assigned: int = 0
    refused: int = 0
    compared: int = 0
    most_queries: int = 0
    most_batches: int = 0
    rings: list[int] = field(default_factory=lambda: [0, 0, 0])

    def count(self, attorney_id: str) -> int:
        load = self.index.loads.get(attorney_id)
        return load.assignments_this_year if load else 0


def _simulate(seed: int) -> Year:
    rng = random.Random(seed)
    calendar = ServiceCalendar(DEFAULT_WINDOWS)
    roster = list(roster_spread(1, ROSTER))
    year = Year(roster, MemoryRankingIndex(roster, year=2026))
    by_category: dict[str, list[Attorney]] = defaultdict(list)
    for a in roster:
        for c in a.categories:
            by_category[c].append(a)
    windows = []
    day = date(2026, 1, 1)
    while day.year == 2026:
        windows.extend(calendar.windows_on(day))
        day += timedelta(days=1)
    arrivals: list[datetime] = []
    for _ in range(CONSULTATIONS):
        start, end = rng.choice(windows)
        arrivals.append(start + timedelta(minutes=rng.randrange(int((end - start).total_seconds() // 60))))
    categories, shares = list(CATEGORY_SHARES), list(CATEGORY_SHARES.values())
    regions, people = list(POPULATION), list(POPULATION.values())

    for n, now in enumerate(sorted(arrivals)):
        category = rng.choices(categories, shares)[0]
        region = rng.choices(regions, people)[0]
        mode = rng.choice((AssignmentMode.REALTIME, AssignmentMode.RESERVATION))
        facts = ConsultationFacts(f"big-{n:05d}", category, region, mode)

        def available(a: Attorney, n: int = n) -> bool:
            return _free(n, a.id)

        could = [a for a in by_category[category] if a.active and year.count(a.id) < CAP and available(a)]
        year.index.reset_calls()
        try:
            result = choose_indexed(facts, year.index, now, programme_cap=CAP, available=available)
        except NoCandidateError:
            assert not could, f"{facts.consultation_id}: {len(could)} eligible attorneys but none chosen"
            year.refused += 1
            continue
        if year.index.calls["Query"] > 0:
            year.most_queries = max(year.most_queries, year.index.calls["Query"])
            year.most_batches = max(year.most_batches, year.index.calls["BatchGetItem"])
        chosen = year.index.profiles[result.attorney_id]
        assert chosen in could
        nearest = min(ring_of(a, region) for a in could)
        assert result.reason.ring == ring_of(chosen, region) == nearest
        assert year.count(chosen.id) == min(year.count(a.id) for a in could if ring_of(a, region) == nearest)
        if n % COMPARE_EVERY == 0:
            full = choose(facts, by_category[category], year.index.loads, now, programme_cap=CAP,
                          available=available)
            assert full.attorney_id == result.attorney_id, facts
            year.compared += 1
        year.index.assign(chosen.id, now)
        year.assigned += 1
        year.rings[result.reason.ring] += 1
    return year


@pytest.fixture(scope="module")
def year() -> Year:
    return _simulate(seed=20260102)


def test_every_consultation_with_an_eligible_attorney_was_assigned(year: Year) -> None:
    assert year.assigned + year.refused == CONSULTATIONS
    assert year.assigned == CONSULTATIONS
    assert year.compared == CONSULTATIONS // COMPARE_EVERY  # and each agreed with matching.choose
    assert year.rings[0] > 0.8 * CONSULTATIONS


def test_no_attorney_above_the_cap(year: Year) -> None:
    counts = [year.count(a.id) for a in year.roster]
    assert max(counts) <= CAP
    assert sum(counts) == year.assigned
    assert counts.count(CAP) > 0  # reached and held


def test_load_spread_within_same_coverage_is_bounded(year: Year) -> None:
    groups: dict[tuple[frozenset[str], frozenset[str]], list[int]] = defaultdict(list)
    for a in year.roster:
        groups[(a.categories, a.regions)].append(year.count(a.id))
    shared = [loads for loads in groups.values() if len(loads) > 1]
    assert len(shared) >= 50
    assert max(max(loads) - min(loads) for loads in shared) <= SAME_COVERAGE_SPREAD


def test_each_choice_read_a_bounded_head_of_the_index(year: Year) -> None:
    assert 0 < year.most_queries <= MAX_QUERIES
    assert 0 < year.most_batches <= MAX_BATCHES

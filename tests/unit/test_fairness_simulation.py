"""A year of matching on the seeded roster: caps hold, nobody eligible is left out, load is fair.

4,000 consultations arrive at random times inside the 2026 service windows
(weekdays, no public holidays). Categories follow the provincial shares (wage
arrears 43%, dismissal 16%, industrial accident 9%, the other four 8% each);
regions are drawn in proportion to approximate resident population (2024,
thousands, rounded — only the proportions matter). Half the consultations are
real time (an attorney is on duty with probability 0.8), half reservations
(an attorney is free at the slot with probability 0.8). Each is assigned with
``matching.choose`` against the 120 attorneys of ``ops/seed.py``; candidates
come per category, as the COVER#<category>#<region> queries would return them.

Asserted bound: among attorneys with the same coverage (same categories and
same regions) the year's loads differ by at most 2 (measured: 1).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.calendar import DEFAULT_WINDOWS, ServiceCalendar
from chalicelib.domain.matching import (
    AssignmentMode,
    AttorneyLoad,
    ConsultationFacts,
    NoCandidateError,
    choose,
    realtime_available,
    reservation_available,
    ring_of,
)
from chalicelib.domain.regions import REGION_CODES
from ops.seed import seed_attorneys

CAP = 40
CONSULTATIONS = 4000
SAME_COVERAGE_SPREAD = 2
AVAILABILITY = 0.8

CATEGORY_SHARES = {
    "wage_arrears": 43, "dismissal": 16, "industrial_accident": 9, "workplace_harassment": 8,
    "working_conditions": 8, "severance_insurance": 8, "other": 8,
}
POPULATION = {
    "suwon": 1190, "yongin": 1075, "goyang": 1070, "hwaseong": 950, "seongnam": 910,
    "bucheon": 780, "namyangju": 730, "ansan": 630, "pyeongtaek": 590, "anyang": 545,
    "siheung": 520, "paju": 500, "gimpo": 485, "uijeongbu": 460, "gwangju": 390, "hanam": 330,
    "gwangmyeong": 280, "gunpo": 260, "yangju": 250, "osan": 230, "icheon": 220, "anseong": 190,
    "guri": 185, "uiwang": 160, "pocheon": 145, "yangpyeong": 120, "yeoju": 110,
    "dongducheon": 90, "gwacheon": 80, "gapyeong": 62, "yeoncheon": 41,
}


class Year:
    """The simulated year's outcome."""

    def __init__(self, roster: list[Attorney]) -> None:
        self.roster = roster
        self.loads: dict[str, AttorneyLoad] = {}
        self.assigned = 0
        self.refused = 0
        self.rings = [0, 0, 0]

    def count(self, attorney_id: str) -> int:
        load = self.loads.get(attorney_id)
        return load.assignments_this_year if load else 0


def _arrival_times(rng: random.Random, calendar: ServiceCalendar) -> list[datetime]:
    windows = []
    day = date(2026, 1, 1)
    while day.year == 2026:
        windows.extend(calendar.windows_on(day))
        day += timedelta(days=1)
    times = []
    for _ in range(CONSULTATIONS):
        start, end = rng.choice(windows)
        times.append(start + timedelta(minutes=rng.randrange(int((end - start).total_seconds() // 60))))
    return sorted(times)


def _simulate(seed: int) -> Year:
    rng = random.Random(seed)
    calendar = ServiceCalendar(DEFAULT_WINDOWS)
    roster = [replace(a, on_duty=True) for a, _contact in seed_attorneys("simulation-naver-client")]
    assert len(roster) == 120 and set(POPULATION) == REGION_CODES
    by_category: dict[str, list[Attorney]] = defaultdict(list)
    for a in roster:
        for c in a.categories:
            by_category[c].append(a)
    categories, shares = list(CATEGORY_SHARES), list(CATEGORY_SHARES.values())
    regions, people = list(POPULATION), list(POPULATION.values())
    year = Year(roster)

    for n, now in enumerate(_arrival_times(rng, calendar)):
        category = rng.choices(categories, shares)[0]
        region = rng.choices(regions, people)[0]
        if rng.random() < 0.5:
            mode = AssignmentMode.REALTIME
            off_duty = {a.id for a in roster if rng.random() >= AVAILABILITY}
            available = realtime_available(busy=off_duty)
        else:
            mode = AssignmentMode.RESERVATION
            available = reservation_available({a.id for a in roster if rng.random() < AVAILABILITY})
        facts = ConsultationFacts(f"sim-{n:04d}", category, region, mode)

        # The oracle, written independently of matching.py: who could take it at all.
        could = [a for a in roster if category in a.categories and a.active
                 and year.count(a.id) < CAP and available(a)]
        try:
            result = choose(facts, by_category[category], year.loads, now, programme_cap=CAP,
                            available=available)
        except NoCandidateError:
            assert not could, f"{facts.consultation_id}: {len(could)} eligible attorneys but none chosen"
            year.refused += 1
            continue
        chosen = next(a for a in roster if a.id == result.attorney_id)
        assert chosen in could
        nearest = min(ring_of(a, region) for a in could)
        assert result.reason.ring == ring_of(chosen, region) == nearest
        # Equal weights, nobody joined or left: the least loaded of the nearest ring wins.
        assert year.count(chosen.id) == min(year.count(a.id) for a in could if ring_of(a, region) == nearest)
        load = year.loads.get(chosen.id) or AttorneyLoad.empty(chosen.id, 2026)
        year.loads[chosen.id] = load.after_assignment(now)
        year.assigned += 1
        year.rings[result.reason.ring] += 1
    return year


@pytest.fixture(scope="module")
def year() -> Year:
    return _simulate(seed=20260101)


def test_every_consultation_with_an_eligible_attorney_was_assigned(year: Year) -> None:
    # (_simulate asserts it consultation by consultation against the oracle.)
    assert year.assigned + year.refused == CONSULTATIONS
    assert year.assigned == CONSULTATIONS  # 4,800 places for 4,000 cases: nobody turned away
    assert year.rings[0] > 0.8 * CONSULTATIONS  # most are served by their own city or county
    assert year.rings[1] > 0 and year.rings[2] > 0  # busy regions spill over, as designed


def test_no_attorney_above_the_cap(year: Year) -> None:
    counts = [year.count(a.id) for a in year.roster]
    assert max(counts) <= CAP
    assert sum(counts) == year.assigned
    assert counts.count(CAP) > 0  # the cap really was reached and held


def test_load_spread_within_same_coverage_is_bounded(year: Year) -> None:
    groups: dict[tuple[frozenset[str], frozenset[str]], list[int]] = defaultdict(list)
    for a in year.roster:
        groups[(a.categories, a.regions)].append(year.count(a.id))
    shared = [loads for loads in groups.values() if len(loads) > 1]
    assert len(shared) >= 10  # the seeded roster has 16 such groups: the check is not vacuous
    spreads = [max(loads) - min(loads) for loads in shared]
    assert max(spreads) <= SAME_COVERAGE_SPREAD, spreads

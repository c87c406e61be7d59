"""Choosing an attorney through the ranking index at 120, 12,000 and 120,000 attorneys (call counts).

Counted in process, not on the emulator: the roster is ``bench.scale.roster_spread`` (the seeded
roster's spread continued, a quarter on duty), the index is the in-memory twin
(``tests/twins/memory_ranking.py``: one ``Query`` per page of keys, one ``BatchGetItem``
per 50 profile-and-counter keys), and the loads are one and a half rounds of assignments made
through the twin (entries moved as the transactions move them), so the first levels are crowded
at every size; one attorney in four also has a stored leave credit (days away this year, credited
by the nightly job), which the index ranks itself instead of handing the choice to the pool. For
each size and each mode (real time: on duty; booking: free at the slot, four in five, drawn per
attorney and consultation) 20 consultations of wage arrears in Suwon are
chosen; every choice is checked against ``matching.choose`` over the whole category, and the row
reports the most calls any choice made. Target: equal at the three sizes.

Run alone with ``python -m bench.ranking_scale``; ``bench/run.py`` runs it after the emulator figures.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SIZES = (120, 12_000, 120_000)
CONSULTATIONS = 20
CATEGORY, REGION = "wage_arrears", "suwon"
NOW = datetime(2026, 6, 1, 10, tzinfo=ZoneInfo("Asia/Seoul"))
CAP = 40


def _free(consultation: str, attorney_id: str) -> bool:
    return hashlib.blake2b(f"{consultation}/{attorney_id}".encode(), digest_size=2).digest()[0] % 5 != 0


def measure(size: int) -> dict[str, Any]:
    from bench.scale import roster_spread
    from chalicelib.domain.matching import AssignmentMode, AttorneyLoad, ConsultationFacts, choose, realtime_available
    from chalicelib.domain.ranking_index import choose_indexed
    from tests.twins.memory_ranking import MemoryRankingIndex

    roster = list(roster_spread(1, size))
    index = MemoryRankingIndex(roster, year=2026)
    rng = random.Random(size)
    for _ in range(3 * size // 2):
        index.assign(roster[rng.randrange(size)].id, NOW - timedelta(minutes=rng.randrange(1, 200_000)))
    for a in rng.sample(roster, size // 4):  # days away this year, credited the night after each (ranking_year)
        load = (index.loads.get(a.id) or AttorneyLoad.empty(a.id, 2026)).for_year(2026)
        index.set_load(replace(load, leave_credit=round(rng.uniform(0.1, 1.5), 3),
                               leave_credited_through=NOW.date() - timedelta(days=1)))
    in_category = [a for a in roster if CATEGORY in a.categories]
    rows: dict[str, dict[str, Any]] = {}
    for mode in (AssignmentMode.REALTIME, AssignmentMode.RESERVATION):
        most: Counter[str] = Counter()
        agreed = 0
        for n in range(CONSULTATIONS):
            facts = ConsultationFacts(f"bench-{mode.value}-{n}", CATEGORY, REGION, mode)
            available = (realtime_available(()) if mode is AssignmentMode.REALTIME
                         else (lambda a, c=facts.consultation_id: _free(c, a.id)))
            index.reset_calls()
            chosen = choose_indexed(facts, index, NOW, programme_cap=CAP, available=available)
            calls = Counter(index.calls)
            if sum(calls.values()) > sum(most.values()):
                most = calls
            full = choose(facts, in_category, index.loads, NOW, programme_cap=CAP, available=available)
            agreed += full.attorney_id == chosen.attorney_id
        rows[mode.value] = {"most_calls": dict(most), "total": sum(most.values()),
                            "agreed_with_full_ranking": agreed, "consultations": CONSULTATIONS}
    rows["listing"] = _listing(index, roster)
    return rows


def _listing(index: Any, roster: list[Any]) -> dict[str, Any]:
    """A first booking's slot listing: the attorneys first in line over rings 0-1 (the twin counts the
    queries), then the booking store's one batch read of their profile, availability and counter
    (3 keys each, 100 a request: computed from how many were first in line, not counted)."""
    from chalicelib.domain.ranking_index import first_in_line
    from chalicelib.domain.regions import rings

    index.reset_calls()
    ring01 = rings(REGION)[0] | rings(REGION)[1]
    ids, _everybody = first_in_line(index, 2026, CATEGORY, ring01)
    calls = Counter(index.calls)
    calls["BatchGetItem"] += -(-3 * len(ids) // 100)
    in_line = {a.id for a in roster if CATEGORY in a.categories and a.regions & ring01}
    return {"most_calls": dict(calls), "total": sum(calls.values()), "first_in_line": len(ids),
            "in_rings_0_1": len(in_line)}


def run(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    started = time.perf_counter()
    by_size = {size: measure(size) for size in sizes}
    figures = {}
    for mode in ("realtime", "reservation", "listing"):
        totals = [by_size[s][mode]["total"] for s in sizes]
        agreed = (None if mode == "listing"  # a listing chooses nobody
                  else all(by_size[s][mode]["agreed_with_full_ranking"] == CONSULTATIONS for s in sizes))
        figures[mode] = {"sizes": {f"{s:,}": by_size[s][mode] for s in sizes}, "equal": len(set(totals)) == 1,
                         "large_equal": len(set(totals[1:])) <= 1, "bounded": max(totals) <= 8,
                         "same_winner_as_full_ranking": agreed}
    return {"figures": figures, "seconds": round(time.perf_counter() - started, 1),
            "how": "in-memory twin of the ranking index with a call counter (not the emulator)"}


def print_rows(result: dict[str, Any] | None) -> None:
    if not result:
        return
    titles = {"realtime": "choice through the ranking index, real-time offer",
              "reservation": "choice through the ranking index, booking",
              "listing": "slot listing of a first booking, those first in line"}
    print(f"\nranking index ({result['how']}; {result['seconds']:.0f} s):")
    for mode, f in result["figures"].items():
        sizes = ", ".join(
            f"{label}: {row['total']} calls ({', '.join(f'{k}×{v}' for k, v in row['most_calls'].items())})"
            for label, row in f["sizes"].items())
        print(f"- {titles[mode]}: {sizes}")
        print(f"    equal at every size: {'met' if f['equal'] else 'not met'}; "
              f"equal from 12,000 to 120,000: {'met' if f['large_equal'] else 'not met'}; "
              f"≤ 8 calls at every size: {'met' if f['bounded'] else 'not met'}"
              + ("" if f["same_winner_as_full_ranking"] is None else
                 f"; same winner as the full ranking: {'yes' if f['same_winner_as_full_ranking'] else 'NO'}"))


if __name__ == "__main__":
    print_rows(run())
    sys.exit(0)

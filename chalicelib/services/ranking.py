"""The ranking index's year: opening it for the whole roster (docs/DATA.md, "Ranking index").

Every load counter change moves its attorney's entries in the same transaction
(the booking and offer stores), and every roster save writes them; what is left
is the year itself. ``open_year`` writes each attorney's entry of the year in
every partition they cover, from this year's counters, then the partitions'
opening markers, so that readers use the year's index only once it is whole
(``ranking_index.IndexNotDecisive`` before: booking and offers rank the pool).
It skips a year already open (one read), so the daily job is cheap and also
opens a stack created mid-year or a year whose opening failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.attorneys import Attorney, AttorneyRepository
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.matching import AttorneyLoad, LoadStore
from chalicelib.logs import logger


class YearIndex(Protocol):
    def is_open(self, year: int) -> bool: ...

    def open_year(self, attorneys: Iterable[Attorney], loads: Mapping[str, AttorneyLoad],
                  year: int) -> int: ...


@dataclass(kw_only=True, eq=False, repr=False)
class RankingIndexKeeper:
    index: YearIndex
    attorneys: AttorneyRepository
    loads: LoadStore
    calendar: ServiceCalendar
    clock: Callable[[], datetime]

    def open_year(self, now: datetime | None = None) -> dict[str, int]:
        """Open the index of the year of ``now`` (in Korea) unless it is open; the entries written."""
        year = self.calendar.local_date(now or self.clock()).year
        if self.index.is_open(year):
            return {"year": year, "entries": 0}
        roster = self.attorneys.roster()
        loads = self.loads.get_many([a.id for a in roster], year) if roster else {}
        written = self.index.open_year(roster, loads, year)
        logger().info("ranking index opened", extra={"year": year, "entries": written})
        return {"year": year, "entries": written}

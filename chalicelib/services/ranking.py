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
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.matching import AttorneyLoad
from chalicelib.logs import logger


class YearIndex(Protocol):
    def is_open(self, year: int) -> bool: ...

    def open_year(self, attorneys: Iterable[Attorney], loads: Mapping[str, AttorneyLoad],
                  year: int) -> int: ...


class RankingIndexKeeper:
    def __init__(self, *, index: YearIndex, attorneys: Any, loads: Any, calendar: ServiceCalendar,
                 clock: Callable[[], datetime]) -> None:
        self._index = index
        self._attorneys = attorneys
        self._loads = loads
        self._calendar = calendar
        self._clock = clock

    def open_year(self, now: datetime | None = None) -> dict[str, int]:
        """Open the index of the year of ``now`` (in Korea) unless it is open; the entries written."""
        year = self._calendar.local_date(now or self._clock()).year
        if self._index.is_open(year):
            return {"year": year, "entries": 0}
        roster = self._attorneys.roster()
        loads = self._loads.get_many([a.id for a in roster], year) if roster else {}
        written = self._index.open_year(roster, loads, year)
        logger().info("ranking index opened", extra={"year": year, "entries": written})
        return {"year": year, "entries": written}

"""The ranking index's year: opening it for the whole roster (docs/DATA.md, "Ranking index").

Every load counter change moves its attorney's entries in the same transaction
(the booking and offer stores), and every roster save writes them; what is left
is the year itself. ``open_year`` writes each attorney's entry of the year in
every partition they cover, from this year's counters, then the partitions'
opening markers, so that readers use the year's index only once it is whole
(``ranking_index.IndexNotDecisive`` before: booking and offers rank the pool).
It skips a year already open (one read), so the daily job is cheap and also
opens a stack created mid-year or a year whose opening failed.

``credit_leave`` is the night's other half: the days away (leave, extra
closed days) that ended are credited to their attorneys' load counters
(``bookings.leave_credits``), each with their entries moved in one
transaction, so the ranking never needs a credit that grows with time for
an absence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain.attorneys import Attorney, AttorneyRepository
from chalicelib.domain.bookings import BookingRepository, leave_credits
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
    bookings: BookingRepository
    calendar: ServiceCalendar
    clock: Callable[[], datetime]

    def night(self, now: datetime | None = None) -> dict[str, object]:
        """The daily run: open the year when it is not open, then credit the days away that ended."""
        moment = now or self.clock()
        return {**self.open_year(moment), "leave": self.credit_leave(moment)}

    def credit_leave(self, now: datetime | None = None) -> dict[str, object]:
        """Store the leave credit of every active attorney away on a day of this year up to yesterday
        (in Korea) not credited yet; a second run the same night credits nothing. On 1 January
        nothing: the day that ended belongs to a year whose counters rank nobody any more."""
        today = self.calendar.local_date(now or self.clock())
        day = today - timedelta(days=1)
        if day.year != today.year:
            return {"day": day.isoformat(), "attorneys": 0}
        roster = self.attorneys.roster()
        snapshot = self.bookings.snapshot([a.id for a in roster], day.year) if roster else None
        if snapshot is None:
            return {"day": day.isoformat(), "attorneys": 0}
        credits = leave_credits(list(snapshot.attorneys.values()), snapshot.loads, snapshot.availabilities, day)
        credited = sum(self.loads.credit_leave(a, day.year, credit, day) for a, credit in sorted(credits.items()))
        logger().info("leave credited", extra={"day": day.isoformat(), "attorneys": credited})
        return {"day": day.isoformat(), "attorneys": credited}

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

"""The ranking index's year: opening it for the whole roster (docs/DATA.md, "Ranking index").

Every load counter change moves its attorney's entries in the same transaction
(the booking and offer stores), and every roster save writes them; what is left
is the year itself. ``open_year`` writes each attorney's entry of the year in
every partition they cover, from this year's counters, then the partitions'
opening markers, so that readers use the year's index only once it is whole
(``ranking_index.IndexNotDecisive`` before: booking and offers rank the pool).
It skips a year already open (one read), so the daily job is cheap and also
opens a stack created mid-year or a year whose opening failed.

The night's other half stores the credits the ranking would otherwise
compute from the time, each with the attorney's entries moved in one
transaction: the days away (leave, extra closed days) that ended
(``bookings.leave_credits``), and the join credit of an attorney who joined
this year without one (a bulk import). So the index only meets such a
credit between an import and the next night.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from chalicelib.domain.attorneys import Attorney, AttorneyRepository
from chalicelib.domain.availability import Availability
from chalicelib.domain.bookings import BookingRepository, leave_credits
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.matching import AttorneyLoad, LoadStore, join_credit
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
        """The daily run: open the year when it is not open, then store the credits the ranking would
        otherwise compute from the time (one read of the roster: profiles, availabilities, counters)."""
        moment = now or self.clock()
        opened: dict[str, object] = {**self.open_year(moment)}
        today = self.calendar.local_date(moment)
        roster = self.attorneys.roster()
        if not roster:
            return {**opened, "joined": 0, "leave": {"day": (today - timedelta(days=1)).isoformat(), "attorneys": 0}}
        snapshot = self.bookings.snapshot([a.id for a in roster], today.year)
        attorneys = list(snapshot.attorneys.values())
        loads = dict(snapshot.loads)
        joined = self._store_join_credits(attorneys, loads, today.year)
        leave = self._credit_leave(attorneys, loads, snapshot.availabilities, today)
        return {**opened, "joined": joined, "leave": leave}

    def _store_join_credits(self, roster: list[Attorney], loads: dict[str, AttorneyLoad], year: int) -> int:
        """The join credit of every active attorney who joined this year without one (a bulk import; the
        roster console stores it on adding), as the console would (``matching.join_credit``): until
        then the ranking credits them pro rata, which grows with time (the index hands them over)."""
        stored = 0
        for a in roster:
            load = (loads.get(a.id) or AttorneyLoad.empty(a.id, year)).for_year(year)
            if (not a.active or load.calibration_credit is not None or a.created_at is None
                    or self.calendar.local_date(a.created_at).year != year):
                continue
            credit = join_credit(a, roster, loads, year)
            self.loads.set_calibration(a.id, year, credit)
            loads[a.id] = replace(load, calibration_credit=credit)
            stored += 1
        if stored:
            logger().info("join credits stored", extra={"year": year, "attorneys": stored})
        return stored

    def _credit_leave(self, roster: list[Attorney], loads: dict[str, AttorneyLoad],
                      availabilities: Mapping[str, Availability | None], today: date) -> dict[str, object]:
        """Store the leave credit of every active attorney away on a day of this year up to yesterday
        (in Korea) not credited yet; a second run the same night credits nothing. On 1 January
        nothing: the day that ended belongs to a year whose counters rank nobody any more."""
        day = today - timedelta(days=1)
        if day.year != today.year:
            return {"day": day.isoformat(), "attorneys": 0}
        credits = leave_credits(roster, loads, availabilities, day)
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

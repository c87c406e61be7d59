"""Daily at 00:05 in Korea (15:05 UTC): open the ranking index of the year when it is not open yet,
then store the credits the ranking would otherwise compute from the time: the leave credit of the day
that ended and the join credit of an attorney imported this year (``RankingIndexKeeper.night``).

On 1 January that is the new year, five minutes after the counters restart (bookings and offers rank
the whole pool meanwhile). It runs at the turn of the year rather than days before it, because a
roster change writes the entries of the year it happens in: a year opened in advance would miss an
attorney added between its opening and New Year. Every other day the opening costs one read; the
credits read the roster (profiles, availabilities and counters by key) and write one transaction
per attorney who was away or joined without a credit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.base import Job


def run(container: Any, now: datetime) -> dict[str, Any]:
    return container.ranking_keeper.night(now)


JOB = Job("ranking_year", ("5", "15", "*", "*", "?", "*"),
          "Open the ranking index of the year when it is not open yet; credit the leave of the day that ended", run)

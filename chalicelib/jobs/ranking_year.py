"""Daily at 00:05 in Korea (15:05 UTC): open the ranking index of the year when it is not open yet.

On 1 January that is the new year, five minutes after the counters restart (bookings and offers rank
the whole pool meanwhile). It runs at the turn of the year rather than days before it, because a
roster change writes the entries of the year it happens in: a year opened in advance would miss an
attorney added between its opening and New Year. Every other day it costs one read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.base import Job


def run(container: Any, now: datetime) -> dict[str, Any]:
    return container.ranking_keeper.open_year(now)


JOB = Job("ranking_year", ("5", "15", "*", "*", "?", "*"),
          "Open the ranking index of the year (entries of every attorney) when it is not open yet", run)

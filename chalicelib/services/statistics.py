"""Monthly statistics for the operations console: counts by category, region, mode, method,
language and status/outcome, and waiting times, from one month's consultations.

Reads go through the repository's month index (``list_by_month``: one Query
per page, newest first); never a Scan. Nothing personal is read: only the
plaintext codes, statuses and times.
"""

from __future__ import annotations

import csv
import io
import statistics as stats
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.consultations import Page, Status
from chalicelib.domain.deliveries import DeliveryLedger
from chalicelib.services.resident_messages import counts

PAGE_SIZE = 100
# Statuses whose last change was the assignment (matched in real time, or booked): for these,
# ``updated_at - created_at`` is the time the resident waited for an attorney.
WAITED_STATUSES = frozenset({Status.MATCHED, Status.BOOKED})
OUTCOMES = (Status.COMPLETED, Status.CANCELLED, Status.EXPIRED)
NOT_RECORDED = "not_recorded"  # completed, but the attorney has not recorded what came of it


@dataclass(frozen=True)
class Count:
    code: str
    count: int


@dataclass(frozen=True)
class Waiting:
    mode: str
    measured: int
    median_minutes: float | None


@dataclass(frozen=True)
class MonthStatistics:
    month: str
    total: int
    by_category: list[Count] = field(default_factory=list)
    by_region: list[Count] = field(default_factory=list)
    by_mode: list[Count] = field(default_factory=list)
    by_method: list[Count] = field(default_factory=list)
    by_status: list[Count] = field(default_factory=list)
    outcomes: list[Count] = field(default_factory=list)
    # what the attorneys recorded on closing (advice given, referred to ...), of the completed ones
    recorded_outcomes: list[Count] = field(default_factory=list)
    # the residents' survey ratings (1–5) of the month's consultations
    satisfaction_answered: int = 0
    satisfaction_average: float | None = None
    by_rating: list[Count] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    by_language: list[Count] = field(default_factory=list)  # the consultation's language


def _counts(counter: Counter[str]) -> list[Count]:
    return [Count(code, n) for code, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def month_statistics(consultations: MonthIndex, month: str) -> MonthStatistics:
    """Statistics of the consultations received in ``month`` (``YYYY-MM``, Korea time)."""
    by: dict[str, Counter[str]] = {k: Counter() for k in ("category", "region", "mode", "method", "status",
                                                          "recorded", "rating", "language")}
    waits: dict[str, list[float]] = {"realtime": [], "reservation": []}
    total = 0
    after: str | None = None
    while True:
        page = consultations.list_by_month(month, PAGE_SIZE, after)
        for c in page.items:
            total += 1
            by["category"][c.category] += 1
            by["region"][c.region] += 1
            by["mode"][c.mode.value] += 1
            by["method"][c.method.value] += 1
            by["language"][str(getattr(c.language, "value", c.language))] += 1
            by["status"][c.status.value] += 1
            if c.status is Status.COMPLETED:
                by["recorded"][c.outcome or NOT_RECORDED] += 1
            if c.satisfaction is not None:
                by["rating"][str(c.satisfaction)] += 1
            if c.status in WAITED_STATUSES and c.attorney_id:
                waits[c.mode.value].append((c.updated_at - c.created_at).total_seconds() / 60)
        after = page.after
        if after is None:
            break
    outcomes = Counter({s.value: by["status"][s.value] for s in OUTCOMES})
    answered = sum(by["rating"].values())
    average = (round(sum(int(r) * n for r, n in by["rating"].items()) / answered, 2) if answered else None)
    waiting = [Waiting(mode, len(values), round(stats.median(values), 1) if values else None)
               for mode, values in waits.items()]
    return MonthStatistics(month=month, total=total, by_category=_counts(by["category"]),
                           by_region=_counts(by["region"]), by_mode=_counts(by["mode"]),
                           by_method=_counts(by["method"]), by_status=_counts(by["status"]),
                           outcomes=[Count(code, n) for code, n in outcomes.items()],
                           recorded_outcomes=_counts(by["recorded"]),
                           satisfaction_answered=answered, satisfaction_average=average,
                           by_rating=[Count(str(r), by["rating"][str(r)]) for r in range(5, 0, -1)], waiting=waiting,
                           by_language=_counts(by["language"]))


def to_csv(result: MonthStatistics) -> str:
    """One table: ``month,dimension,code,count,median_wait_minutes`` (codes only; no personal data)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["month", "dimension", "code", "count", "median_wait_minutes"])
    writer.writerow([result.month, "total", "all", result.total, ""])
    for dimension, rows in (("category", result.by_category), ("region", result.by_region),
                            ("mode", result.by_mode), ("method", result.by_method),
                            ("status", result.by_status), ("outcome", result.outcomes),
                            ("recorded_outcome", result.recorded_outcomes), ("rating", result.by_rating),
                            ("language", result.by_language)):
        for row in rows:
            writer.writerow([result.month, dimension, row.code, row.count, ""])
    for w in result.waiting:
        writer.writerow([result.month, "waiting", w.mode, w.measured,
                         "" if w.median_minutes is None else w.median_minutes])
    return out.getvalue()


# --- the service the operations console calls ---------------------------------------------------------

class MonthIndex(Protocol):
    """The consultations of a month, newest first, a page at a time (never a Scan)."""

    def list_by_month(self, month: str, limit: int, after: str | None = None) -> Page: ...


@dataclass(kw_only=True, eq=False, repr=False)
class Statistics:
    consultations: MonthIndex
    ledger: DeliveryLedger
    calendar: ServiceCalendar
    clock: Clock

    def month(self, month: str | None = None) -> MonthStatistics:
        """The statistics of ``month`` (``YYYY-MM``, Korea time; this month when None)."""
        return month_statistics(self.consultations, month or f"{self.calendar.local_date(self.clock()):%Y-%m}")

    def month_with_messages(self, month: str | None = None) -> tuple[MonthStatistics,
                                                                     dict[tuple[str, str, str], int]]:
        """The month's statistics and the residents' messages marked in it per (template, channel, result)."""
        result = self.month(month)
        return result, counts(self.ledger, result.month)

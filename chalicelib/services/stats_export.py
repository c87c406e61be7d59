"""The statistics spreadsheet for a range of months: every count with its label in the reader's
language next to its code, per month, including per attorney (display name) and per city and month.

Same reads as the monthly statistics (the month index, one Query per page, never a Scan); nothing
personal: codes, statuses and the attorneys' display names only.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.consultations import Status
from chalicelib.services.statistics import NOT_RECORDED, PAGE_SIZE, MonthIndex

MAX_MONTHS = 24
DIMENSIONS = ("category", "region", "mode", "method", "status", "outcome", "attorney")


class ExportRangeError(ValueError):
    """The month range is reversed ("reversed") or longer than one export may cover ("too_many_months",
    over ``max_months``)."""

    def __init__(self, reason: str) -> None:
        self.reason, self.max_months = reason, MAX_MONTHS
        super().__init__(reason)


def months_between(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    if (y, m) > end:
        raise ExportRangeError("reversed")
    months = []
    while (y, m) <= end:
        months.append(f"{y}-{m:02d}")
        if len(months) > MAX_MONTHS:
            raise ExportRangeError("too_many_months")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def month_counts(consultations: MonthIndex, month: str) -> dict[str, Counter[str]]:
    by: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    after: str | None = None
    while True:
        page = consultations.list_by_month(month, PAGE_SIZE, after)
        for c in page.items:
            by["category"][c.category] += 1
            by["region"][c.region] += 1
            by["mode"][c.mode.value] += 1
            by["method"][c.method.value] += 1
            by["status"][c.status.value] += 1
            if c.status is Status.COMPLETED:
                by["outcome"][c.outcome or NOT_RECORDED] += 1
            if c.attorney_id:
                by["attorney"][c.attorney_id] += 1
        after = page.after
        if after is None:
            return by


def to_csv(consultations: MonthIndex, attorneys: AttorneyNames, months: list[str],
           labels: Mapping[str, Mapping[str, str]],
           headings: Mapping[str, str]) -> str:
    """``month, dimension, label, code, count`` rows (headings and labels in the reader's language)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([headings["month"], headings["dimension"], headings["label"], headings["code"], headings["count"]])
    names: dict[str, str] = {}
    totals: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    for month in months:
        by = month_counts(consultations, month)
        writer.writerow([month, headings["total"], headings["total"], "all", sum(by["category"].values())])
        for dimension in DIMENSIONS:
            for code, count in sorted(by[dimension].items(), key=lambda kv: (-kv[1], kv[0])):
                writer.writerow([month, headings[dimension], _label(dimension, code, labels, attorneys, names),
                                 code, count])
                totals[dimension][code] += count
    if len(months) > 1:  # the whole range as well
        span = f"{months[0]}~{months[-1]}"
        writer.writerow([span, headings["total"], headings["total"], "all", sum(totals["category"].values())])
        for dimension in DIMENSIONS:
            for code, count in sorted(totals[dimension].items(), key=lambda kv: (-kv[1], kv[0])):
                writer.writerow([span, headings[dimension], _label(dimension, code, labels, attorneys, names),
                                 code, count])
    return out.getvalue()


def _label(dimension: str, code: str, labels: Mapping[str, Mapping[str, str]], attorneys: AttorneyNames,
           names: dict[str, str]) -> str:
    if dimension == "attorney":
        if code not in names:
            attorney = attorneys.get(code)
            names[code] = attorney.display_name if attorney is not None else code
        return names[code]
    return labels.get(dimension, {}).get(code, code)


# --- the service the operations console calls ---------------------------------------------------------

class AttorneyNames(Protocol):
    def get(self, attorney_id: str) -> Attorney | None: ...


@dataclass(frozen=True)
class Spreadsheet:
    months: list[str]
    csv: str


@dataclass(kw_only=True, eq=False, repr=False)
class StatsExport:
    consultations: MonthIndex
    attorneys: AttorneyNames
    calendar: ServiceCalendar
    clock: Clock

    def spreadsheet(self, first: str | None, last: str | None, labels: Mapping[str, Mapping[str, str]],
                    headings: Mapping[str, str]) -> Spreadsheet:
        """The months ``first`` to ``last`` (``YYYY-MM``; this month when ``first`` is None, ``first``
        alone when ``last`` is)."""
        start = first or f"{self.calendar.local_date(self.clock()):%Y-%m}"
        months = months_between(start, last or start)
        return Spreadsheet(months, to_csv(self.consultations, self.attorneys, months, labels, headings))

"""Business and operational counts the operators can graph and alarm on.

A count is a name and a number, with a few dimensions that say which job, provider or action it
belongs to. Dimensions are for kinds, never for people: only the names in ``DIMENSIONS`` are
accepted, and their values must be short identifiers (a job's name, ``kakao``, ``success``).
Names, phone numbers, e-mails, subjects and ids never go into a metric.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

DIMENSIONS = frozenset({"job", "provider", "result", "action"})
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,99}")
_VALUE = re.compile(r"[a-z][a-z0-9_-]{0,39}")


class Metrics(Protocol):
    def record(self, counts: Mapping[str, int], **dimensions: str) -> None:
        """Publish ``counts`` (metric name -> count) under ``dimensions``, as one record."""


class NoMetrics:
    """Counts nothing (harnesses that do not look at metrics)."""

    def record(self, counts: Mapping[str, int], **dimensions: str) -> None:
        checked(counts, dimensions)


def checked(counts: Mapping[str, int], dimensions: Mapping[str, str]) -> dict[str, int]:
    """``counts`` if every name and dimension is acceptable; ``ValueError`` otherwise."""
    for name, value in dimensions.items():
        if name not in DIMENSIONS:
            raise ValueError(f"metric dimension {name!r} is not one of {sorted(DIMENSIONS)}")
        if not _VALUE.fullmatch(value):
            raise ValueError(f"metric dimension {name}={value!r} is not a short lower-case identifier")
    for name, count in counts.items():
        if not _NAME.fullmatch(name) or isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"metric {name!r}={count!r}: a name and a count (whole number, not negative)")
    return dict(counts)


def flatten(summary: Mapping[str, object], prefix: str) -> dict[str, int]:
    """The whole-number entries of a job's summary (nested ones joined with dots), as counts."""
    counts: dict[str, int] = {}
    for key, value in summary.items():
        name = f"{prefix}.{key}"
        if isinstance(value, Mapping):
            counts.update(flatten(value, name))
        elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            counts[name] = value
    return counts


class JobHealth(Protocol):
    def starts_streak(self, job: str, at: datetime, gap: timedelta) -> bool:
        """Note a failure of ``job`` at ``at``: True when it starts a streak (none within ``gap``
        before), so the operators are alarmed once per streak."""
        ...

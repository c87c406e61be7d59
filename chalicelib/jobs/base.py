"""What a scheduled job is, and the instant it runs 'as of'."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    cron: tuple[str, str, str, str, str, str]  # minutes hours day-of-month month day-of-week year (UTC)
    description: str
    run: Callable[[Any, datetime], dict[str, Any]]  # (container, now) -> summary


def scheduled_event(at: datetime) -> dict[str, Any]:
    """An EventBridge 'Scheduled Event' as Lambda receives it, carrying ``detail.at`` (for tick)."""
    return {"version": "0", "id": f"tick-{at.timestamp():.0f}", "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "000000000000", "region": "ap-northeast-2",
            "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "resources": [],
            "detail": {"at": at.isoformat()}}


def instant_from_event(event: Any) -> datetime | None:
    """The instant a job is asked to run 'as of' (``detail.at``, put there by tick), if any."""
    raw = event.to_dict() if hasattr(event, "to_dict") else event
    detail = raw.get("detail") if isinstance(raw, dict) else None
    at = detail.get("at") if isinstance(detail, dict) else None
    if not at:
        return None
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is None:
        raise ValueError("'at' must carry a UTC offset, e.g. 2026-12-01T09:00:00+09:00")
    return moment.astimezone(UTC)

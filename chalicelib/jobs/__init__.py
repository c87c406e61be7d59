"""Scheduled jobs: thin ``@schedule`` handlers over services that take ``now``.

Each job is described once in ``JOBS`` (name, EventBridge cron in UTC and the
service it runs). ``register_jobs`` turns them into Chalice scheduled
functions; ``scripts/tick`` and the local scheduler call the same handlers
through ``chalice.test.Client(app).lambda_.invoke``, passing the clock's
``now`` as ``{"at": "<ISO 8601>"}`` in the event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from chalice import Chalice, Cron

from chalicelib.composition import Container, get_container


@dataclass(frozen=True)
class Job:
    name: str
    cron: tuple[str, str, str, str, str, str]  # minutes hours day-of-month month day-of-week year (UTC)
    description: str
    run: Callable[[Container, datetime], dict[str, Any]]


JOBS: list[Job] = []


def now_from_event(event: Any, container: Container) -> datetime:
    """The instant a job runs 'as of': ``{"at": ISO}`` when given (tick), else the clock."""
    raw = event.to_dict() if hasattr(event, "to_dict") else event
    at = raw.get("at") if isinstance(raw, dict) else None
    if at:
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("'at' must carry a UTC offset, e.g. 2026-12-01T09:00:00+09:00")
        return moment.astimezone(timezone.utc)
    return container.clock()


def register_jobs(app: Chalice) -> None:
    for job in JOBS:
        _register(app, job)


def _register(app: Chalice, job: Job) -> None:
    def handler(event: Any) -> dict[str, Any]:
        container = get_container()
        return job.run(container, now_from_event(event, container))

    handler.__name__ = job.name
    app.schedule(Cron(*job.cron), name=job.name, description=job.description)(handler)

"""Scheduled jobs: thin ``@schedule`` handlers over services that take ``now``.

Each job module describes itself once as a ``Job`` (name, EventBridge cron in
UTC, the service call). ``register_jobs`` turns them into Chalice scheduled
functions; ``scripts/tick`` and the local scheduler call the same handlers
through ``chalice.test``'s Lambda client, passing ``{"at": "<ISO 8601>"}``.
A job that fails publishes an operator alarm, then fails (so EventBridge's
retry and the Lambda error metric see it too).
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Cron

from chalicelib.composition import get_container
from chalicelib.jobs import offers, reminders, window_keeper
from chalicelib.jobs import message_nudge
from chalicelib.jobs import request_expiry
from chalicelib.jobs.base import Job, now_from_event
from chalicelib.logs import logger

JOBS: list[Job] = [reminders.JOB, offers.JOB, window_keeper.JOB, message_nudge.JOB, request_expiry.JOB]


def register_jobs(app: Chalice) -> None:
    for job in JOBS:
        _register(app, job)


def _register(app: Chalice, job: Job) -> None:
    def handler(event: Any) -> dict[str, Any]:
        container = get_container()
        now = now_from_event(event, container.clock)
        try:
            return job.run(container, now)
        except Exception as exc:
            logger().exception("scheduled job failed", extra={"job": job.name})
            try:
                container.notifier.alarm(f"[maeul] job {job.name} failed",
                                         f"{job.name} failed at {now.isoformat(timespec='minutes')}: "
                                         f"{type(exc).__name__}")
            except Exception:  # noqa: BLE001 - the alarm must not hide the failure
                logger().exception("operator alarm could not be sent")
            raise

    handler.__name__ = job.name
    app.schedule(Cron(*job.cron), name=job.name, description=job.description)(handler)

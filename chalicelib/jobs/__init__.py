"""Scheduled jobs: thin ``@schedule`` handlers over services that take ``now``.

Each job module describes itself once as a ``Job`` (name, EventBridge cron in
UTC, the service call). ``register_jobs`` turns them into Chalice scheduled
functions; ``scripts/tick`` and the local scheduler call the same handlers
through ``chalice.test``'s Lambda client, passing ``{"at": "<ISO 8601>"}``.
A job that fails publishes an operator alarm on the first failure of a streak
(failures less than ``FAILURE_STREAK_GAP`` apart; the every-minute job would
otherwise send one a minute), then fails, so the Lambda error metric sees
every run. Lambda does not retry them (``MaximumRetryAttempts`` 0 in the
packaged template): the next scheduled run is the retry, and the failed run is
recorded in the job failures queue (the on-failure destination). Each run
counts ``JobRuns`` or ``JobFailures`` and its summary's numbers as metrics
(dimension ``job``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalice import Chalice, Cron

from chalicelib.jobs import (
    message_nudge,
    offers,
    ranking_year,
    reminders,
    request_expiry,
    resident_messages,
    window_keeper,
)
from chalicelib.jobs.base import Job, instant_from_event
from chalicelib.logs import logger

# Failures of a job less than this apart are one streak (one alarm e-mail).
FAILURE_STREAK_GAP = timedelta(minutes=15)

JOBS: list[Job] = [reminders.JOB, offers.JOB, window_keeper.JOB, message_nudge.JOB, resident_messages.JOB,
                   request_expiry.JOB, ranking_year.JOB]


def register_jobs(app: Chalice) -> None:
    for job in JOBS:
        _register(app, job)


def _count(container: Any, counts: dict[str, int], job: str) -> None:
    """The run's counts (``JobRuns``/``JobFailures`` and its summary, e.g. ``offers.offered``)."""
    try:
        container.metrics.record(counts, job=job)
    except Exception:  # noqa: BLE001 - counting must not change the run's outcome
        logger().exception("job metrics not recorded", extra={"job": job})


def _register(app: Chalice, job: Job) -> None:
    def handler(event: Any) -> dict[str, Any]:
        from chalicelib.clock import as_of  # these at the first run, not at a cold start
        from chalicelib.composition import get_container

        container = get_container()
        at = instant_from_event(event)
        if at is None:
            return _run(container, container.clock())
        with as_of(at):  # every service's clock reads ``at`` too, not only the job's ``now``
            return _run(container, at)

    def _run(container: Any, now: datetime) -> dict[str, Any]:
        from chalicelib.domain.metrics import flatten

        try:
            summary = job.run(container, now)
        except Exception as exc:
            logger().exception("scheduled job failed", extra={"job": job.name})
            _count(container, {"JobFailures": 1}, job.name)
            try:
                if container.job_health.starts_streak(job.name, now, FAILURE_STREAK_GAP):
                    container.notifier.alarm(f"[maeul] job {job.name} failed",
                                             f"{job.name} failed at {now.isoformat(timespec='minutes')}: "
                                             f"{type(exc).__name__}. Further failures in a row are not "
                                             "e-mailed; the CloudWatch alarm stays on until it recovers.")
                else:
                    logger().info("job still failing; operators were alarmed at the first failure",
                                  extra={"job": job.name})
            except Exception:  # noqa: BLE001 - the alarm must not hide the failure
                logger().exception("operator alarm could not be sent")
            raise
        _count(container, {"JobRuns": 1, **flatten(summary or {}, job.name)}, job.name)
        return summary

    handler.__name__ = job.name
    app.schedule(Cron(*job.cron), name=job.name, description=job.description)(handler)

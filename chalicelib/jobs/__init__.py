"""Scheduled jobs: thin ``@schedule`` handlers over services that take ``now``.

Each job module describes itself once as a ``Job`` (name, EventBridge cron in
UTC, the service call). ``register_jobs`` turns them into Chalice scheduled
functions; ``scripts/tick`` and the local scheduler call the same handlers
through ``chalice.test``'s Lambda client, passing ``{"at": "<ISO 8601>"}``.
A job that fails publishes an operator alarm on the first failure of a streak
(failures less than ``FAILURE_STREAK_GAP`` apart; the every-minute job would
otherwise send one a minute), then fails, so the Lambda error metric sees
every run. Lambda does not retry them (``MaximumRetryAttempts`` 0 in the
packaged template): the next scheduled run is the retry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalice import Chalice, Cron

from chalicelib.composition import get_container
from chalicelib.jobs import offers, reminders, window_keeper
from chalicelib.jobs import message_nudge, resident_messages
from chalicelib.jobs import ranking_year, request_expiry
from chalicelib.jobs.base import Job, now_from_event
from chalicelib.logs import logger

# Failures of a job less than this apart are one streak (one alarm e-mail).
FAILURE_STREAK_GAP = timedelta(minutes=15)

JOBS: list[Job] = [reminders.JOB, offers.JOB, window_keeper.JOB, message_nudge.JOB, resident_messages.JOB,
                   request_expiry.JOB, ranking_year.JOB]


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

    handler.__name__ = job.name
    app.schedule(Cron(*job.cron), name=job.name, description=job.description)(handler)

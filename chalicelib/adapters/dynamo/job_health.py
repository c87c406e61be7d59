"""Failure streaks of the scheduled jobs, so that operators are alarmed once per streak.

Item (main table): ``pk=JOB#<name>``, ``sk=HEALTH`` with ``last_failed_at`` and
``streak_started_at``. A failure within ``gap`` of the previous one continues the streak;
one conditional write decides, so two failing runs at once still alarm once. A successful
run writes nothing (the every-minute job costs no write while healthy): a streak simply
ends when failures stop for longer than ``gap``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.attributes import UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError

from chalicelib.adapters.dynamo.base import MAIN, KeyedItem


class JobHealthItem(KeyedItem, table=MAIN):
    last_failed_at = UTCDateTimeAttribute(null=True)
    streak_started_at = UTCDateTimeAttribute(null=True)


class DynamoJobHealth:
    def starts_streak(self, job: str, at: datetime, gap: timedelta) -> bool:
        """Record a failure of ``job`` at ``at``; True when it is the first of a streak."""
        item = JobHealthItem(f"JOB#{job}", "HEALTH")
        fresh = JobHealthItem.last_failed_at.does_not_exist() | (JobHealthItem.last_failed_at < at - gap)
        try:
            item.update(actions=[JobHealthItem.last_failed_at.set(at),
                                 JobHealthItem.streak_started_at.set(at)], condition=fresh)
            return True
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
        item.update(actions=[JobHealthItem.last_failed_at.set(at)])
        return False

"""Every 5 minutes: send the reminders that are due (exactly once each)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.base import Job


def run(container: Any, now: datetime) -> dict[str, Any]:
    from chalicelib.services.reminders import run_reminders

    summary = run_reminders(container.reminders, container.notifier, container.recipients, now,
                            base_url=container.settings.public_base_url,
                            messenger=container.resident_messages)
    return summary.as_dict()


JOB = Job("reminders", ("*/5", "*", "*", "*", "?", "*"),
          "Send booked consultations' reminders (24 h and 1 h before) exactly once", run)

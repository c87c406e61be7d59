"""Every 5 minutes: send the resident messages held back by the quiet hours, once they are due,
and fetch the delivery reports of 알림톡 accepted without one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.base import Job


def run(container: Any, now: datetime) -> dict[str, Any]:
    messenger = container.resident_messages
    return {"queued": messenger.send_due(now), "results": messenger.poll_results(now)}


JOB = Job("resident_messages", ("*/5", "*", "*", "*", "?", "*"),
          "Send the resident messages queued during quiet hours (21:00-08:00 KST) once they end; "
          "fetch pending delivery reports", run)

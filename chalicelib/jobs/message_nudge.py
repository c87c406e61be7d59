"""Every 5 minutes: SMS the attorney of each thread whose resident message waited too long."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.base import Job


def run(container: Any, now: datetime) -> dict[str, Any]:
    return container.rooms.nudge_waiting(now).as_dict()


JOB = Job("message_nudge", ("*/5", "*", "*", "*", "?", "*"),
          "Remind attorneys by SMS (no content) of residents' messages waiting longer than the policy", run)

"""Every minute: offers past their deadline move on to the next attorney; waiting requests are offered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.base import Job


def run(container: Any, now: datetime) -> dict[str, Any]:
    return container.realtime_queue.run_offers(now)


JOB = Job("offers", ("*", "*", "*", "*", "?", "*"),
          "Expire real-time offers past their deadline and offer waiting requests to the next attorney", run)

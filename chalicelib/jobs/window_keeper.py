"""Every 5 minutes, which includes every window boundary (10:00, 11:30, 14:00, 17:00 KST =
01:00, 02:30, 05:00, 08:00 UTC): queue missed real-time requests, withdraw offers of a closed
window, move on requests whose window closed (resident told: booking link and phone line),
and offer waiting requests when a window is open. Nothing is offered outside the windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.base import Job


def run(container: Any, now: datetime) -> dict[str, Any]:
    return container.realtime_queue.keep_windows(now)


JOB = Job("window_keeper", ("*/5", "*", "*", "*", "?", "*"),
          "Open and close the real-time queue at the service-window boundaries", run)

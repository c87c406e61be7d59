"""Daily at 01:00 in Korea: expire requests left waiting past the policy period, and tell the residents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.jobs.base import Job


def run(container: Any, now: datetime) -> dict[str, Any]:
    return container.retention.expire_stale(now)


JOB = Job("request_expiry", ("0", "16", "*", "*", "?", "*"),
          "Expire open requests nobody took or booked within the policy period, with a notice", run)

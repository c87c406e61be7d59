"""Abuse limits: how many of something one consultation, account or recipient may cause per window.

A ``Quota`` names one counter (``key``: a consultation id or a keyed hash of an identity or phone
number, never personal data in the clear) in one window (a Korean day, a UTC hour, a 30-day
period) with its limit. Counting is part of the very write it limits (the repositories' booking,
cancelling and intake transactions condition on ``used < limit``), so the limit holds under races
and nothing half-happens. The numbers live in ``Policy`` (docs/RELIABILITY.md "Abuse limits").

Pure domain: ``now`` is always a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

FALLBACK = "031-8030-4541"


@dataclass(frozen=True)
class Quota:
    key: str         # e.g. "booking_changes#consultation#<id>", "new_requests#identity#<hmac>"
    window: str      # e.g. "2026-12-01" (a Korean day), "2026-12-01T01" (a UTC hour)
    limit: int
    expires_at: datetime  # the counter is dropped (TTL) once its window is over
    scope: str = ""  # what it counts per, for the message: "consultation", "account", ...


class QuotaExceededError(Exception):
    def __init__(self, quota: Quota, message: str) -> None:
        self.quota = quota
        super().__init__(message)


class TooManyBookingChangesError(QuotaExceededError):
    def __init__(self, quota: Quota) -> None:
        what = "this consultation's booking" if quota.scope == "consultation" else "your bookings"
        super().__init__(quota, f"You have changed {what} {quota.limit} times today, the most we allow in a day. "
                                f"Keep the current booking or try again tomorrow; if it is urgent, call {FALLBACK}.")


class TooManyNewRequestsError(QuotaExceededError):
    def __init__(self, quota: Quota) -> None:
        super().__init__(quota, f"You have made {quota.limit} consultation requests in the last 30 days, the most "
                                "one person can make online in that time. Use one of your requests, or call "
                                f"{FALLBACK} and we will help you by phone.")


def day_window(now: datetime, tz: str) -> tuple[str, datetime]:
    """The Korean day of ``now`` and when its counters may go (two days later, UTC)."""
    local = now.astimezone(ZoneInfo(tz))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local.strftime("%Y-%m-%d"), (start + timedelta(days=2)).astimezone(UTC)


def hour_window(now: datetime) -> tuple[str, datetime]:
    utc = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return utc.strftime("%Y-%m-%dT%H"), utc + timedelta(hours=2)


def period_window(now: datetime, days: int) -> tuple[str, datetime]:
    """Fixed periods of ``days`` days counted from the epoch (a rolling limit at that grain)."""
    index = int(now.astimezone(UTC).timestamp() // (days * 86400))
    start = datetime.fromtimestamp(index * days * 86400, tz=UTC)
    return f"P{days}D-{index}", start + timedelta(days=2 * days)


def booking_change_quotas(consultation_id: str, account_digest: str, now: datetime, tz: str, *,
                          per_consultation: int, per_account: int) -> tuple[Quota, ...]:
    day, expires = day_window(now, tz)
    return (Quota(f"booking_changes#consultation#{consultation_id}", day, per_consultation, expires, "consultation"),
            Quota(f"booking_changes#account#{account_digest}", day, per_account, expires, "account"))


def new_request_quotas(identity_digest: str, now: datetime, *, limit: int) -> tuple[Quota, ...]:
    window, expires = period_window(now, 30)
    return (Quota(f"new_requests#identity#{identity_digest}", window, limit, expires, "identity"),)


def alert_quota(recipient_digest: str, now: datetime, *, per_hour: int) -> Quota:
    """One more than the limit: the extra one is the single coalesced "your schedule changed" message."""
    window, expires = hour_window(now)
    return Quota(f"alerts#{recipient_digest}", window, per_hour + 1, expires, "recipient")

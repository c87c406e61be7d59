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


@dataclass(frozen=True)
class Quota:
    key: str         # e.g. "booking_changes#consultation#<id>", "new_requests#identity#<hmac>"
    window: str      # e.g. "2026-12-01" (a Korean day), "2026-12-01T01" (a UTC hour)
    limit: int
    expires_at: datetime  # the counter is dropped (TTL) once its window is over
    scope: str = ""  # what it counts per, for the message: "consultation", "account", ...


class QuotaExceededError(Exception):
    """A quota is used up; ``limit`` and ``scope`` (what it counts per) are its numbers for the message."""

    def __init__(self, quota: Quota) -> None:
        self.quota, self.limit = quota, quota.limit
        self.scope = quota.scope or "account"
        super().__init__(quota.limit, self.scope)


class TooManyBookingChangesError(QuotaExceededError):
    """Booking changes per consultation (``scope`` "consultation") or per account in a Korean day."""


class TooManyNewRequestsError(QuotaExceededError):
    """New consultation requests per identity in 30 days."""


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

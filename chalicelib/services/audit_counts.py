"""Counts of what the audit trail records, as metrics: sign-ins by provider and result, staff
accesses to personal data by action. The audit log is wrapped, so every path that records an
event is counted once, with kinds only (never who, whose record or from where)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.audit import AccessEvent, AuditLog, LoginEvent
from chalicelib.domain.metrics import Metrics
from chalicelib.logs import logger


class CountedAuditLog:
    def __init__(self, inner: AuditLog, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def record_login(self, event: LoginEvent) -> None:
        self._inner.record_login(event)
        self._count({"SignIns": 1}, provider=event.provider, result=event.result.value)

    def record_access(self, event: AccessEvent) -> None:
        self._inner.record_access(event)
        self._count({"StaffAccesses": 1}, action=event.action)

    def logins_of(self, subject: str, limit: int = 50) -> list[LoginEvent]:
        return self._inner.logins_of(subject, limit)

    def accesses(self, since: datetime, until: datetime, *, actor: str | None = None,
                 owner: str | None = None, limit: int = 200) -> list[AccessEvent]:
        return self._inner.accesses(since, until, actor=actor, owner=owner, limit=limit)

    def failures_from(self, ip: str, since: datetime, at_most: int | None = None) -> int:
        return self._inner.failures_from(ip, since, at_most)

    def failures_of(self, subject: str, since: datetime, at_most: int | None = None) -> int:
        return self._inner.failures_of(subject, since, at_most)

    def _count(self, counts: dict[str, int], **dimensions: str) -> None:
        try:
            self._metrics.record(counts, **dimensions)
        except ValueError:  # an unexpected kind (e.g. a new provider's odd name): the event is kept
            logger().warning("audit event not counted", extra={"metrics": sorted(counts)})

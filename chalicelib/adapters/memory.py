"""In-memory twins of the adapters, for unit and functional tests.

Each twin honours the same contract as its DynamoDB counterpart (the contract
tests in ``tests/integration`` run against both).
"""

from __future__ import annotations

import threading
from datetime import datetime

from chalicelib.domain.audit import AccessEvent, LoginEvent, LoginResult


class MemoryAuditLog:
    def __init__(self) -> None:
        self.logins: list[LoginEvent] = []
        self.access: list[AccessEvent] = []
        self._lock = threading.Lock()

    def record_login(self, event: LoginEvent) -> None:
        with self._lock:
            self.logins.append(event)

    def record_access(self, event: AccessEvent) -> None:
        with self._lock:
            self.access.append(event)

    def logins_of(self, subject: str, limit: int = 50) -> list[LoginEvent]:
        mine = [e for e in self.logins if e.subject == subject]
        return sorted(mine, key=lambda e: e.at, reverse=True)[:limit]

    def failures_from(self, ip: str, since: datetime) -> int:
        return sum(1 for e in self.logins if e.ip == ip and e.at >= since and e.result is LoginResult.FAILURE)

    def failures_of(self, subject: str, since: datetime) -> int:
        return sum(1 for e in self.logins
                   if e.subject == subject and e.at >= since and e.result is LoginResult.FAILURE)

    def accesses(self, since: datetime, until: datetime, *, actor: str | None = None,
                 owner: str | None = None, limit: int = 200) -> list[AccessEvent]:
        events = [e for e in self.access if since <= e.at <= until
                  and (actor is None or e.actor == actor) and (owner is None or e.owner == owner)]
        return sorted(events, key=lambda e: e.at, reverse=True)[:limit]


class MemoryNotifier:
    """Records every message; ``fail`` makes the next sends raise (fault injection)."""

    def __init__(self) -> None:
        self.sms: list[tuple[str, str]] = []
        self.emails: list[tuple[str, str, str]] = []
        self.alarms: list[tuple[str, str]] = []
        self.subscriptions: dict[str, str] = {}
        self.fail = False
        self._lock = threading.Lock()

    def _check(self) -> None:
        if self.fail:
            from chalicelib.domain.notifications import NotificationFailedError

            raise NotificationFailedError("injected failure")

    def send_sms(self, phone_e164: str, text: str) -> str:
        self._check()
        with self._lock:
            self.sms.append((phone_e164, text))
            return f"sms-{len(self.sms)}"

    def email_attorney(self, attorney_id: str, subject: str, text: str) -> str:
        self._check()
        with self._lock:
            self.emails.append((attorney_id, subject, text))
            return f"email-{len(self.emails)}"

    def sync_attorney_email(self, attorney_id: str, email: str | None,
                            subscription_arn: str | None) -> str | None:
        self._check()
        with self._lock:
            if email:
                self.subscriptions[attorney_id] = email
                return f"sub-{attorney_id}"
            self.subscriptions.pop(attorney_id, None)
            return None

    def alarm(self, subject: str, text: str) -> None:
        self._check()
        with self._lock:
            self.alarms.append((subject, text))

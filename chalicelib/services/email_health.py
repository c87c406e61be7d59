"""Attorneys whose e-mail is failing: recorded from SES events, listed for the console,
cleared by an admin once the address is fixed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.clock import Clock
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.audit import AuditLog
from chalicelib.domain.email_health import DeliveryProblem, EmailFailure, EmailHealthStore, read_event
from chalicelib.domain.identity import Principal
from chalicelib.logs import logger
from chalicelib.services.access_log import record_rights_change


class UnknownAttorneyForEmailError(Exception):
    """There is no attorney with this id."""


def record_event(store: EmailHealthStore, hasher: Callable[[str], str], message: str | dict[str, object],
                 now: datetime) -> EmailFailure | None:
    """Read one SES event; a bounce or complaint marks the attorney (their e-mail stops)."""
    problem = read_event(message)
    if problem is None:
        return None
    return record_problem(store, hasher, problem, now)


def record_problem(store: EmailHealthStore, hasher: Callable[[str], str], problem: DeliveryProblem,
                   now: datetime) -> EmailFailure:
    address = problem.addresses[0] if problem.addresses else ""
    failure = EmailFailure(attorney_id=problem.attorney_id, reason=problem.reason,
                           address_hash=hasher(address) if address else "", since=now)
    store.mark(failure)
    logger().warning("attorney e-mail failing", extra={"attorney_id": problem.attorney_id,
                                                       "reason": problem.reason.value})
    return store.failure(problem.attorney_id) or failure


def failing(store: EmailHealthStore) -> list[EmailFailure]:
    return store.failing()


def clear(store: EmailHealthStore, attorneys: AttorneyProfiles, attorney_id: str) -> bool:
    """An admin checked the attorney's address: e-mail goes to them again. Returns whether a
    failure was recorded."""
    if attorneys.get(attorney_id) is None:
        raise UnknownAttorneyForEmailError()
    return store.clear(attorney_id)


# --- the service the console and the mail-events job call ------------------------------------------------

class AttorneyProfiles(Protocol):
    def get(self, attorney_id: str) -> Attorney | None: ...


@dataclass(kw_only=True, eq=False, repr=False)
class EmailFailures:
    store: EmailHealthStore
    hasher: Callable[[str], str]
    attorneys: AttorneyProfiles
    audit: AuditLog
    clock: Clock

    def record_event(self, message: str | dict[str, object]) -> EmailFailure | None:
        """One SES event from the mail-events topic (``UnreadableEventError`` for anything else)."""
        return record_event(self.store, self.hasher, message, self.clock())

    def failing(self) -> list[EmailFailure]:
        return failing(self.store)

    def clear(self, admin: Principal, attorney_id: str, ip: str) -> bool:
        """``clear``; a failure cleared is a change of the attorney's rights: it goes to the access log."""
        cleared = clear(self.store, self.attorneys, attorney_id)
        if cleared:
            record_rights_change(self.audit, admin, attorney_id=attorney_id, action="attorney_email_cleared",
                                 ip=ip, now=self.clock())
        return cleared

"""Attorneys whose e-mail is failing: recorded from SES events, listed for the console,
cleared by an admin once the address is fixed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.domain.attorneys import AttorneyRepository
from chalicelib.domain.email_health import DeliveryProblem, EmailFailure, EmailHealthStore, read_event
from chalicelib.logs import logger


class UnknownAttorneyForEmailError(Exception):
    def __init__(self) -> None:
        super().__init__("There is no attorney with this id.")


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


def clear(store: EmailHealthStore, attorneys: AttorneyRepository, attorney_id: str) -> bool:
    """An admin checked the attorney's address: e-mail goes to them again. Returns whether a
    failure was recorded."""
    if attorneys.get(attorney_id) is None:
        raise UnknownAttorneyForEmailError()
    return store.clear(attorney_id)

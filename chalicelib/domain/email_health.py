"""Whether e-mail still reaches an attorney: the delivery events of SES, read as rules.

SES reports every message it handled for the stage's configuration set (bounce, complaint,
delivery...). A permanent bounce (the address does not exist, or it is on the account-level
suppression list) or a complaint marks the attorney's e-mail as failing: no further e-mail
goes to them until an admin has checked the address and cleared the mark. A transient bounce
(mailbox full, for a while) and a delivery change nothing. The record names the attorney and
a keyed hash of the address, never the address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

ATTORNEY_TAG = "attorney_id"  # the SES message tag that says whom an e-mail was for


class FailureReason(StrEnum):
    BOUNCE = "bounce"            # permanent bounce: the address does not take mail
    COMPLAINT = "complaint"      # the recipient marked an alert as spam
    SUPPRESSED = "suppressed"    # on the account-level suppression list


@dataclass(frozen=True)
class EmailFailure:
    attorney_id: str
    reason: FailureReason
    address_hash: str
    since: datetime


@dataclass(frozen=True)
class DeliveryProblem:
    """What one SES event says about one attorney's e-mail (None from ``read_event``: nothing)."""

    attorney_id: str
    reason: FailureReason
    addresses: tuple[str, ...]


class UnreadableEventError(ValueError):
    """Not an SES event this handler understands."""


def read_event(message: str | dict[str, Any]) -> DeliveryProblem | None:
    """The problem an SES event (as published to SNS) reports, or None when it reports none."""
    try:
        event = json.loads(message) if isinstance(message, str) else message
        kind = event.get("eventType") or event.get("notificationType")
        mail = event["mail"]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise UnreadableEventError("not an SES event") from exc
    tags = mail.get("tags") or {}
    attorney = (tags.get(ATTORNEY_TAG) or [None])[0]
    if not attorney:
        return None  # not an alert to an attorney
    if kind == "Bounce":
        bounce = event.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return None
        reason = (FailureReason.SUPPRESSED if bounce.get("bounceSubType") == "OnAccountSuppressionList"
                  else FailureReason.BOUNCE)
        recipients = bounce.get("bouncedRecipients") or []
    elif kind == "Complaint":
        reason = FailureReason.COMPLAINT
        recipients = (event.get("complaint") or {}).get("complainedRecipients") or []
    else:
        return None
    addresses = tuple(r["emailAddress"] for r in recipients if isinstance(r, dict) and r.get("emailAddress"))
    return DeliveryProblem(attorney, reason, addresses or tuple(mail.get("destination") or ()))


class EmailHealthStore(Protocol):
    """Port: the attorneys whose e-mail is failing (one record each)."""

    def failure(self, attorney_id: str) -> EmailFailure | None: ...

    def mark(self, failure: EmailFailure) -> None: ...

    def clear(self, attorney_id: str) -> bool: ...

    def failing(self) -> list[EmailFailure]: ...

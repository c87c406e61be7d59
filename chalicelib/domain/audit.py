"""What the audit trail records: login attempts and staff access to personal data.

PIPA safety-measures standard: every login attempt, success or failure (§5,
§8), and every access by staff to someone's personal data, with who, when,
from where, whose record and what action (§8), kept two years; granting,
changing and revoking staff rights (§5③: an attorney added, changed,
deactivated, invited, linked) is kept three years. Never a token, a code or a
secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class LoginResult(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"  # counts toward the sign-in throttle
    REJECTED = "rejected"  # a refused access token of the person's: recorded, not counted


@dataclass(frozen=True)
class LoginEvent:
    at: datetime
    provider: str
    result: LoginResult
    reason: str  # e.g. "ok", "state_mismatch", "provider_error", "throttled"
    ip: str
    user_agent: str
    subject: str | None = None  # None when the attempt never learned who it was


@dataclass(frozen=True)
class AccessEvent:
    at: datetime
    actor: str  # subject of the staff member (attorney or admin)
    actor_role: str
    owner: str  # subject whose personal data was read
    record: str  # e.g. "consultation:<id>"
    action: str  # e.g. "read", "read_phone", "export"
    ip: str = ""


RIGHTS_ACTIONS = frozenset({"attorney_added", "attorney_changed", "attorney_deactivated", "invite_created",
                            "attorney_linked", "attorney_reactivated", "second_factor_reset",
                            "attorney_email_cleared", "account_unlinked"})


def is_rights_change(event: AccessEvent) -> bool:
    """A grant, change or revocation of staff rights: kept longer than other entries (§5③)."""
    return event.action in RIGHTS_ACTIONS


class AuditLog(Protocol):
    def record_login(self, event: LoginEvent) -> None: ...

    def record_access(self, event: AccessEvent) -> None: ...

    def logins_of(self, subject: str, limit: int = 50) -> list[LoginEvent]: ...

    def failures_from(self, ip: str, since: datetime, at_most: int | None = None) -> int:
        """Failed authentication attempts from ``ip`` since ``since`` (counting stops at ``at_most``)."""
        ...

    def failures_of(self, subject: str, since: datetime, at_most: int | None = None) -> int:
        """Failed authentication attempts for the account ``subject`` since ``since``."""
        ...

    def accesses(self, since: datetime, until: datetime, *, actor: str | None = None,
                 owner: str | None = None, limit: int = 200) -> list[AccessEvent]: ...

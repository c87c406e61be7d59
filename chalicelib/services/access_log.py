"""Staff access to personal data (PIPA safety-measures standard §8): who, when,
from where, whose record, what action.

Features call ``record_staff_read`` whenever an attorney or an admin is shown
someone else's personal data (a consultation's details, a phone number...);
admins read the log through ``GET /api/admin/access-log``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from chalicelib.clock import Clock
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.audit import RIGHTS_ACTIONS, AccessEvent, AuditLog
from chalicelib.domain.identity import Principal, Role

MAX_DAYS = 92


class AccessLogRangeError(ValueError):
    """The requested period is empty ("reversed") or longer than the log can be read at once
    ("too_many_days", over ``max_days``)."""

    def __init__(self, reason: str) -> None:
        self.reason, self.max_days = reason, MAX_DAYS
        super().__init__(reason)


def record_staff_read(audit: AuditLog, principal: Principal, *, owner: str, record: str, action: str, ip: str,
                      now: datetime) -> bool:
    """Write an access entry if ``principal`` is staff reading another person's data."""
    if principal.role not in (Role.ATTORNEY, Role.ADMIN) or owner == principal.subject:
        return False
    audit.record_access(AccessEvent(at=now, actor=principal.subject, actor_role=principal.role.value,
                                    owner=owner, record=record, action=action, ip=ip))
    return True


def record_rights_change(audit: AuditLog, admin: Principal, *, attorney_id: str, action: str, ip: str,
                         now: datetime) -> None:
    """An admin granted, changed or revoked an attorney's rights (kept three years, §5③)."""
    assert action in RIGHTS_ACTIONS, action
    audit.record_access(AccessEvent(at=now, actor=admin.subject, actor_role=admin.role.value,
                                    owner=f"attorney:{attorney_id}", record=f"attorney:{attorney_id}",
                                    action=action, ip=ip))


def entries(audit: AuditLog, *, start: date, end: date, tz: str, actor: str | None = None,
            owner: str | None = None, limit: int = 200) -> list[AccessEvent]:
    """Entries between the local days ``start`` and ``end`` (inclusive), newest first."""
    if end < start:
        raise AccessLogRangeError("reversed")
    if (end - start).days >= MAX_DAYS:
        raise AccessLogRangeError("too_many_days")
    zone = ZoneInfo(tz)
    since = datetime.combine(start, time.min, zone).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC) \
        - timedelta(milliseconds=1)
    return audit.accesses(since, until, actor=actor, owner=owner, limit=limit)


def staff_names(attorneys: StaffDirectory, events: list[AccessEvent]) -> dict[str, str]:
    """Display names of the attorneys among the entries' actors (by subject) and of the attorney
    profiles the entries are about (``attorney:<id>``): the roster's display name, nothing more."""
    names: dict[str, str] = {}
    profiles: dict[str, str | None] = {}

    def name_of(attorney_id: str | None) -> str | None:
        if attorney_id is None:
            return None
        if attorney_id not in profiles:
            attorney = attorneys.get(attorney_id)
            profiles[attorney_id] = attorney.display_name if attorney is not None else None
        return profiles[attorney_id]

    for event in events:
        if event.actor_role == Role.ATTORNEY.value and event.actor not in names:
            found = name_of(attorneys.by_subject(event.actor))
            if found:
                names[event.actor] = found
        if event.owner.startswith("attorney:") and event.owner not in names:
            found = name_of(event.owner.split(":", 1)[1])
            if found:
                names[event.owner] = found
    return names


# --- the service the admin console calls -------------------------------------------------------------

class StaffDirectory(Protocol):
    def get(self, attorney_id: str) -> Attorney | None: ...

    def by_subject(self, subject: str) -> str | None: ...


@dataclass(frozen=True)
class AccessLogPage:
    events: list[AccessEvent]
    names: dict[str, str]  # display names of the attorneys among the actors and the profiles


@dataclass(kw_only=True, eq=False, repr=False)
class AccessLog:
    audit: AuditLog
    attorneys: StaffDirectory
    tz: str
    clock: Clock

    def read(self, *, start: date | None, end: date | None, actor: str | None, owner: str | None,
             limit: int) -> AccessLogPage:
        """The entries of ``start``..``end`` (local days; the last seven days to today by default)."""
        last = end or self.clock().astimezone(ZoneInfo(self.tz)).date()
        first = start or last - timedelta(days=6)
        events = entries(self.audit, start=first, end=last, tz=self.tz, actor=actor, owner=owner, limit=limit)
        return AccessLogPage(events, staff_names(self.attorneys, events))

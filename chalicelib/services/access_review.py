"""The admin's monthly review of staff access (PIPA safety-measures standard §8: the access records
of staff handling personal data are checked at least once a month).

One row per staff member who read someone's personal data in the month: how many accesses, of
which kinds, about how many people, first and last; plus the rights changes of the month. The
entries themselves stay in ``GET /api/admin/access-log``.
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from chalicelib.domain.audit import AccessEvent, AuditLog, is_rights_change
from chalicelib.services import access_log

MAX_ENTRIES = 20000  # a month of the programme's staff reads is a few thousand


@dataclass(frozen=True)
class StaffMonth:
    actor: str
    actor_role: str
    accesses: int
    actions: dict[str, int]
    people: int  # distinct owners whose data they read
    first: datetime
    last: datetime


@dataclass(frozen=True)
class MonthlyReview:
    month: str
    total: int
    staff: list[StaffMonth]
    rights_changes: list[AccessEvent]
    truncated: bool


def review(audit: AuditLog, year: int, month: int, tz: str) -> MonthlyReview:
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    events = access_log.entries(audit, start=first, end=last, tz=tz, limit=MAX_ENTRIES)
    reads: dict[str, list[AccessEvent]] = defaultdict(list)
    rights: list[AccessEvent] = []
    for event in events:
        (rights if is_rights_change(event) else reads[event.actor]).append(event)
    staff = [StaffMonth(actor=actor, actor_role=items[0].actor_role, accesses=len(items),
                        actions=dict(Counter(e.action for e in items)), people=len({e.owner for e in items}),
                        first=min(e.at for e in items), last=max(e.at for e in items))
             for actor, items in reads.items()]
    staff.sort(key=lambda s: (-s.accesses, s.actor))
    return MonthlyReview(month=f"{year:04d}-{month:02d}", total=sum(s.accesses for s in staff), staff=staff,
                         rights_changes=sorted(rights, key=lambda e: e.at),
                         truncated=len(events) >= MAX_ENTRIES)

"""The operations queue: the consultations the programme's staff must look at, with why.

A consultation carries one or more flags:

- ``waiting``: open and not yet with an attorney (submitted or offered);
- ``realtime_failed``: real time found nobody and it is not booked or assigned yet;
- ``booked_without_outcome``: the booked slot has started and no outcome is recorded yet;
- ``unanswered``: the resident's message waits for the attorney's answer.

Read from the month partitions of intake (the current and the previous month by default), the
real-time queue, the bookings and the message threads; nothing personal is read or returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from chalicelib.domain.attorneys import AttorneyRepository
from chalicelib.domain.bookings import BookingRepository
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.consultations import Consultation, ConsultationRepository, Status
from chalicelib.domain.offers import RealtimeRequest
from chalicelib.domain.rooms import ThreadStore

FLAGS = ("waiting", "realtime_failed", "booked_without_outcome", "unanswered")
MAX_PER_MONTH = 500


class _Requests(Protocol):  # real-time matching's store, as the queue reads it
    def requests(self, consultation_ids: Iterable[str]) -> dict[str, RealtimeRequest]: ...


@dataclass(frozen=True)
class QueueItem:
    consultation: Consultation
    attorney_name: str | None
    booking_start: datetime | None
    unanswered_since: datetime | None
    flags: tuple[str, ...]


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


@dataclass(kw_only=True, eq=False, repr=False)
class OperationsQueue:
    consultations: ConsultationRepository
    bookings: BookingRepository
    requests: _Requests
    threads: ThreadStore
    roster: AttorneyRepository
    calendar: ServiceCalendar
    clock: Callable[[], datetime]

    def items(self, month: str | None = None, flag: str | None = None) -> tuple[list[QueueItem], dict[str, int]]:
        """The flagged consultations (oldest first) of ``month`` (default: this and last month), those with
        ``flag`` only when given; and how many carry each flag."""
        now = self.clock()
        if month is None:
            this: date = self.calendar.local_date(now)
            months = [previous_month(f"{this:%Y-%m}"), f"{this:%Y-%m}"]
        else:
            months = [month]
        found = [c for m in months for c in self._month(m)]
        failed = {cid for cid, r in self.requests.requests(c.id for c in found).items() if r.failed}
        names: dict[str, str | None] = {}
        flagged: list[QueueItem] = []
        for c in sorted(found, key=lambda c: c.created_at):
            if not c.is_open:
                continue
            active = self.bookings.state_of(c.id).active if c.status in (Status.BOOKED, Status.IN_PROGRESS) else None
            thread = self.threads.state(c.id) if c.attorney_id else None
            since = thread.waiting_since if thread is not None and not thread.closed else None
            flags = []
            if c.status in (Status.SUBMITTED, Status.OFFERED):
                flags.append("waiting")
            if c.id in failed and c.status is Status.SUBMITTED:
                flags.append("realtime_failed")
            if active is not None and active.start <= now and c.outcome is None:
                flags.append("booked_without_outcome")
            if since is not None:
                flags.append("unanswered")
            if not flags:
                continue
            if c.attorney_id and c.attorney_id not in names:
                attorney = self.roster.get(c.attorney_id)
                names[c.attorney_id] = attorney.display_name if attorney is not None else None
            flagged.append(QueueItem(c, names.get(c.attorney_id) if c.attorney_id else None,
                                     active.start if active is not None else None, since, tuple(flags)))
        counts = {f: sum(1 for i in flagged if f in i.flags) for f in FLAGS}
        if flag is not None:
            flagged = [i for i in flagged if flag in i.flags]
        return flagged, counts

    def _month(self, month: str) -> list[Consultation]:
        items: list[Consultation] = []
        after = None
        while len(items) < MAX_PER_MONTH:
            page = self.consultations.list_by_month(month, 100, after)
            items.extend(page.items)
            if page.after is None:
                break
            after = page.after
        return items[:MAX_PER_MONTH]

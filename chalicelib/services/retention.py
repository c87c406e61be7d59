"""Retention of open requests: a request nobody took or booked is not kept open for ever.

``expire_stale`` (the daily ``request_expiry`` job): every ``submitted`` consultation whose last
change is older than ``Policy.stale_request_days`` moves to ``expired`` (closed: the TTL becomes
closing + ``retention_days_after_close``, the owner's open slot is released), conditioned on the
status read, so a booking or an offer made meanwhile wins and nothing is half-done. A real-time one
leaves the queue. The resident gets one SMS in their language (a link and the phone line, nothing
personal).

Reads: the intake-month index (``list_by_month``) for the months that can hold a stale request not
expired yet, ``LOOKBACK`` stale periods back (the job runs daily, so older ones were expired by an
earlier run; the backstop TTL set at intake covers anything else). No Scan; the work is
proportional to those months' intake, not to the history.

Every consultation also carries a backstop TTL from intake (``Policy.intake_backstop_days``),
replaced by closing + retention when it closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.categories import Mode
from chalicelib.domain.consultations import ConsultationRepository, IllegalTransitionError, Status
from chalicelib.domain.notifications import MessageKind, Notifier, Recipients, render
from chalicelib.logs import best_effort, logger
from chalicelib.settings import Policy

LOOKBACK = 3  # stale periods of intake months read per run
PAGE = 100


@dataclass(kw_only=True, eq=False, repr=False)
class RetentionService:
    consultations: ConsultationRepository
    recipients: Recipients
    notifier: Notifier
    forget_realtime: Callable[[str, datetime], object]
    calendar: ServiceCalendar
    policy: Policy
    public_base_url: str
    erase_documents: Callable[[str], object] | None = None  # an expired request's documents serve no one
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.public_base_url.rstrip("/")

    def expire_stale(self, now: datetime) -> dict[str, int]:
        cutoff = now - timedelta(days=self.policy.stale_request_days)
        first = cutoff - timedelta(days=LOOKBACK * self.policy.stale_request_days)
        months = self._months(first, cutoff)
        seen = expired = told = 0
        for month in months:
            after = None
            while True:
                page = self.consultations.list_by_month(month, PAGE, after)
                for consultation in page.items:
                    seen += 1
                    if consultation.status is not Status.SUBMITTED or consultation.updated_at > cutoff:
                        continue
                    try:
                        self.consultations.transition(consultation.id, Status.EXPIRED, now,
                                                      expected=Status.SUBMITTED)
                    except IllegalTransitionError:
                        continue  # booked or offered meanwhile: it is not stale any more
                    expired += 1
                    if consultation.mode is Mode.REALTIME:
                        self._quietly(partial(self.forget_realtime, consultation.id, now))
                    if self.erase_documents is not None:
                        self._quietly(partial(self.erase_documents, consultation.id))
                    told += self._tell(consultation.id)
                if not page.after:
                    break
                after = page.after
        summary = {"months": len(months), "read": seen, "expired": expired, "told": told}
        logger().info("stale requests expired", extra=summary)
        return summary

    def _months(self, first: datetime, last: datetime) -> list[str]:
        months: list[str] = []
        day = self.calendar.to_local(first).date().replace(day=1)
        end = self.calendar.to_local(last).date()
        while day <= end:
            months.append(day.strftime("%Y-%m"))
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return months

    def _tell(self, consultation_id: str) -> int:
        resident = self._quietly(lambda: self.recipients.resident(consultation_id))
        if resident is None:
            return 0
        phone, lang = resident
        text = render(MessageKind.REQUEST_EXPIRED, f"{self.base}/consultations/{consultation_id}", lang=lang,
                      phone=self.policy.fallback_phone).text
        return 1 if self._quietly(lambda: self.notifier.send_sms(phone, text)) is not None else 0

    @staticmethod
    def _quietly[T](call: Callable[[], T]) -> T | None:
        return best_effort(call, "request expiry side effect")  # a notice or clean-up: the expiry stands

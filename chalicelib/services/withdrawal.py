"""Withdrawing: the resident takes back an open request (``DELETE /api/consultations/{id}``).

Only the owner may withdraw (anyone else: 404, as for an unknown id), and only
while the request is open and not under way (``submitted``, ``offered``,
``matched``, ``booked`` before its slot starts); otherwise 409
``not_withdrawable`` saying why.

The decision is ONE conditional write (``BookingRepository.withdraw``): the
consultation moves from the status read to ``withdrawn`` (closed, TTL set, the
owner's open count released) together with, when there is one, the end of its
booking (slot claim freed, booking kept in the history as cancelled, the
attorney's count uncounted, its reminders dropped) and the release of its
hold (a real-time match: taken off the attorney's annual count). A concurrent
accept, booking or cancellation conditions on the same status, so exactly one
of them applies and the other is refused whole.

After the decision, best effort: a real-time request leaves the queue (its
pending offer withdrawn, its attorney no longer busy), and the attorney who
was booked or matched is alerted (a time and a link, nothing personal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.bookings import Booking, BookingChangedError, BookingRepository, BookingStatus, WithdrawPlan
from chalicelib.domain.categories import Mode
from chalicelib.domain.consultations import (
    ERASED_OWNER,
    WITHDRAWABLE,
    Consultation,
    ConsultationNotFoundError,
    ConsultationRepository,
    NotWithdrawableError,
    Status,
)
from chalicelib.domain.identity import Principal
from chalicelib.domain.notifications import MessageKind
from chalicelib.logs import best_effort, logger

_ATTEMPTS = 3  # the request changed between the read and the write: read again


@dataclass(kw_only=True, eq=False, repr=False)
class WithdrawalService:
    consultations: ConsultationRepository
    bookings: BookingRepository
    reminder_keys: Callable[[Booking | None], tuple[tuple[str, str], ...]]
    alert_attorney: Callable[[MessageKind, str, datetime | None], None]
    forget_realtime: Callable[[str, datetime], object]
    retention: timedelta
    clock: Callable[[], datetime]
    counted_load: Callable[[Consultation], tuple[str, int] | None] | None = None
    erase_documents: Callable[[str], object] | None = None  # a withdrawn request's documents serve no one

    def withdraw(self, principal: Principal, consultation_id: str) -> Consultation:
        now = self.clock()
        for _ in range(_ATTEMPTS):
            consultation = self.consultations.get(consultation_id)
            if (consultation is None or consultation.owner == ERASED_OWNER
                    or consultation.owner != principal.subject):
                raise ConsultationNotFoundError()
            if consultation.status not in WITHDRAWABLE:
                raise NotWithdrawableError(consultation.status)
            state = self.bookings.state_of(consultation.id)
            active = state.active
            if active is not None and active.start <= now:
                raise NotWithdrawableError(consultation.status, started=True)
            plan = WithdrawPlan(
                consultation=consultation, expected=consultation.status, now=now,
                expires_at=now + self.retention, active=active,
                ended=active.ended(BookingStatus.CANCELLED, now, "resident") if active is not None else None,
                hold=state.hold, dropped_reminders=self.reminder_keys(active),
                unload=self._match_load(consultation) if active is None else None)
            try:
                self.bookings.withdraw(plan)
            except BookingChangedError:
                continue  # accepted, booked or cancelled meanwhile: judge the new state
            break
        else:
            latest = self.consultations.get(consultation_id)
            raise NotWithdrawableError(latest.status if latest is not None else Status.WITHDRAWN)
        logger().info("consultation withdrawn", extra={"consultation_id": consultation.id,
                                                       "from_status": consultation.status.value})
        if consultation.mode is Mode.REALTIME:
            self._quietly(lambda: self.forget_realtime(consultation.id, now))
        if self.erase_documents is not None:  # a failure leaves them to leaving and the bucket's lifecycle
            erase = self.erase_documents
            self._quietly(lambda: erase(consultation.id), "documents")
        if active is not None:
            self.alert_attorney(MessageKind.BOOKING_CANCELLED, active.attorney_id, active.start)
        elif consultation.status is Status.MATCHED and consultation.attorney_id:
            self.alert_attorney(MessageKind.REQUEST_WITHDRAWN, consultation.attorney_id, None)
        return consultation.evolve(status=Status.WITHDRAWN, updated_at=now, closed_at=now,
                                   expires_at=now + self.retention)

    def _match_load(self, consultation: Consultation) -> tuple[str, int] | None:
        """A real-time match counted on its attorney's annual load: withdrawn, it is not work done."""
        if consultation.status is not Status.MATCHED or self.counted_load is None:
            return None
        return self.counted_load(consultation)

    @staticmethod
    def _quietly(call: Callable[[], object], what: str = "real-time") -> None:
        best_effort(call, f"withdrawal: {what} clean-up")  # the withdrawal stands; the sweeper tidies up later

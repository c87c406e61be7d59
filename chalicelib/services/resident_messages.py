"""Telling residents what happened: one templated message per event, exactly once.

Each event has a key (the consultation, booking or time bucket it is about);
the ledger's conditional write claims it before anything is sent, and the
result is marked after (claim → send → mark, as reminders do); an 알림톡
accepted without a delivery report yet gets it from the ``resident_messages``
job (``poll_results``). Outside quiet
hours a message goes out at once through the notifier port (the stage's
channel, the fallback behind it); in quiet hours (21:00-08:00 KST) only
real-time messages do, the rest is queued and sent by the ``resident_messages``
job when the quiet hours end. A recipient gets at most
``Policy.messages_per_recipient_per_day`` non-urgent messages a day.

Sending is best effort for the caller: a failure is recorded and logged, and
never undoes the booking or request that caused it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.clock import Clock
from chalicelib.domain import message_templates as mt
from chalicelib.domain.consultations import Consultation
from chalicelib.domain.deliveries import Delivery, DeliveryLedger, Result, quiet_until
from chalicelib.domain.message_templates import ResidentEvent
from chalicelib.domain.notifications import NotificationFailedError, Notifier, Recipients, Sent
from chalicelib.logs import logger
from chalicelib.settings import Policy

LEASE = timedelta(minutes=5)


@dataclass(kw_only=True, eq=False, repr=False)
class ResidentMessenger:
    ledger: DeliveryLedger
    notifier: Notifier
    recipients: Recipients
    policy: Policy
    clock: Clock
    public_base_url: str
    hash_key: Callable[[], str]
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.public_base_url.rstrip("/")

    # --- the events ---------------------------------------------------------------------------------

    def request_received(self, consultation: Consultation) -> str:
        if not consultation.receipt:
            return "no_receipt"
        return self.tell(f"received:{consultation.id}", consultation.id, ResidentEvent.REQUEST_RECEIVED,
                         {"receipt": consultation.receipt})

    def booking_confirmed(self, consultation_id: str, booking_id: str, start: datetime, method: str) -> str:
        cutoff = start - timedelta(minutes=self.policy.cancel_notice_minutes)
        if method == "phone":
            return self.tell(f"booked:{booking_id}", consultation_id, ResidentEvent.BOOKING_CONFIRMED_PHONE,
                             {"when": start, "cutoff": cutoff, "callback": self.policy.fallback_phone})
        return self.tell(f"booked:{booking_id}", consultation_id, ResidentEvent.BOOKING_CONFIRMED,
                         {"when": start, "cutoff": cutoff, "method": f"method.{method}"})

    def booking_moved(self, consultation_id: str, booking_id: str, start: datetime) -> str:
        return self.tell(f"moved:{booking_id}", consultation_id, ResidentEvent.BOOKING_MOVED, {"when": start})

    def booking_cancelled(self, consultation_id: str, booking_id: str, start: datetime, *, by_attorney: bool) -> str:
        event = ResidentEvent.BOOKING_CANCELLED_BY_ATTORNEY if by_attorney else ResidentEvent.BOOKING_CANCELLED
        return self.tell(f"cancelled:{booking_id}", consultation_id, event, {"when": start})

    def realtime_accepted(self, consultation_id: str, attorney_name: str, method: str) -> str:
        attorney_name = attorney_name.removesuffix(" 노무사").strip()  # the template says 노무사 itself
        if method == "phone":
            return self.tell(f"accepted:{consultation_id}", consultation_id, ResidentEvent.REALTIME_ACCEPTED_PHONE,
                             {"attorney": attorney_name, "callback": self.policy.fallback_phone,
                              "minutes": str(self.policy.callback_minutes)}, path="")
        return self.tell(f"accepted:{consultation_id}", consultation_id, ResidentEvent.REALTIME_ACCEPTED,
                         {"attorney": attorney_name}, path="/room")

    def attorney_replied(self, consultation_id: str, read_marker: str) -> str:
        """A new chat message from the attorney, coalesced while unread: at most one message per
        ``Policy.reply_alert_minutes`` while the resident has not read the thread; once they have read it
        (``read_marker``, their read cursor, moved on since the last alert) the next message tells them
        again at once."""
        now = self.clock()
        window = timedelta(minutes=self.policy.reply_alert_minutes)
        try:
            taken = self.ledger.take_reply_alert(consultation_id, read_marker, now, window)
        except Exception as exc:  # noqa: BLE001 - a message must never undo what it reports
            logger().warning("resident message not handled", extra={"event": "attorney_replied",
                                                                    "error": type(exc).__name__})
            return "error"
        if not taken:
            return "coalesced"
        return self.tell(f"replied:{consultation_id}:{now.timestamp():.3f}", consultation_id,
                         ResidentEvent.ATTORNEY_REPLIED, {}, path="/room")

    def reminder(self, booking_id: str, offset_minutes: int, consultation_id: str, start: datetime) -> str:
        """A booked consultation's reminder (24 h, 1 h before), once per booking and offset; one that
        failed on every channel may be claimed again (the reminders job retries it). In quiet hours it
        is queued, unless the consultation starts before they end (then it goes now or never)."""
        now = self.clock()
        p = self.policy
        quiet = quiet_until(now, p.quiet_hours_start, p.quiet_hours_end, p.timezone)
        return self.tell(f"reminder:{booking_id}:{offset_minutes:+d}", consultation_id,
                         ResidentEvent.REMINDER, {"when": start},
                         urgent=quiet is not None and start <= quiet, retry_failed=True)

    def consultation_closed(self, consultation_id: str, outcome: str) -> str:
        return self.tell(f"closed:{consultation_id}", consultation_id, ResidentEvent.CONSULTATION_CLOSED,
                         {"outcome": f"outcome.{outcome}", "next_step": f"next.{outcome}"})

    # --- the mechanism --------------------------------------------------------------------------------

    def tell(self, key: str, consultation_id: str, event: ResidentEvent, variables: Mapping[str, str | datetime],
             path: str = "", *, urgent: bool = False, retry_failed: bool = False) -> str:
        """Send (or queue) the message for ``event`` once per ``key``; returns what became of it.
        ``urgent``: send in quiet hours too; ``retry_failed``: a key whose earlier attempt failed on
        every channel may be sent again."""
        try:
            return self._tell(key, consultation_id, event, variables, path, urgent, retry_failed)
        except Exception as exc:  # noqa: BLE001 - a message must never undo what it reports
            logger().warning("resident message not handled", extra={"event": event.value,
                                                                    "error": type(exc).__name__})
            return "error"

    def _tell(self, key: str, consultation_id: str, event: ResidentEvent, variables: Mapping[str, str | datetime],
              path: str, urgent: bool = False, retry_failed: bool = False) -> str:
        now = self.clock()
        plain = {"link": f"{self.base}/consultations/{consultation_id}{path}"}
        for name, value in variables.items():
            plain[name] = value.isoformat() if isinstance(value, datetime) else str(value)
        delivery = Delivery(key=key, consultation_id=consultation_id, event=event.value, language="",
                            variables=plain)
        quiet = None if urgent or event in mt.URGENT_EVENTS else quiet_until(
            now, self.policy.quiet_hours_start, self.policy.quiet_hours_end, self.policy.timezone)
        if quiet is not None:
            queued = self.ledger.queue(Delivery(**{**delivery.__dict__, "due_at": quiet}))
            return Result.QUEUED.value if queued else "duplicate"
        token = self.ledger.claim(delivery, now, retry_failed=retry_failed)
        if token is None:
            return "duplicate"
        return self._send(delivery, token, now)

    def send_due(self, now: datetime, limit: int = 100) -> dict[str, int]:
        """Send the messages queued in the quiet hours that are now due (the job)."""
        summary = {"due": 0, "sent": 0, "skipped": 0}
        for delivery in self.ledger.due(now, limit):
            summary["due"] += 1
            token = self.ledger.claim_queued(delivery.key, now, LEASE)
            if token is None:
                summary["skipped"] += 1
                continue
            self._send(delivery, token, now)
            summary["sent"] += 1
        return summary

    def _send(self, delivery: Delivery, token: str, now: datetime) -> str:
        event = ResidentEvent(delivery.event)
        recipient = self.recipients.resident(delivery.consultation_id)
        if recipient is None:
            self._mark(token, now, replace(delivery, result=Result.NO_RECIPIENT))
            return Result.NO_RECIPIENT.value
        phone, language = recipient
        hashed = hmac.new(self.hash_key().encode(), phone.encode(), hashlib.sha256).hexdigest()
        message = mt.render(event, language, self._localised(delivery.variables, language))
        if event not in mt.URGENT_EVENTS:
            day = now.astimezone(quiet_zone(self.policy)).strftime("%Y-%m-%d")
            if not self.ledger.take_allowance(hashed, day, self.policy.messages_per_recipient_per_day):
                self._mark(token, now, replace(delivery, result=Result.LIMITED, recipient=hashed,
                                               language=message.language, template=message.code))
                return Result.LIMITED.value
        try:
            sent = self.notifier.send_message(phone, message)
        except NotificationFailedError as exc:
            logger().warning("resident message failed on every channel",
                             extra={"event": event.value, "error": str(exc)})
            self._mark(token, now, replace(delivery, result=Result.FAILED, recipient=hashed,
                                           language=message.language, template=message.code))
            return Result.FAILED.value
        result = Result(sent.result) if sent.result in Result.__members__.values() else Result.ACCEPTED
        self._mark(token, now, replace(delivery, result=result, recipient=hashed, language=message.language,
                                       template=message.code, channel=sent.channel, message_id=sent.message_id,
                                       fallback=message.sms_type))
        return result.value

    def poll_results(self, now: datetime, limit: int = 100) -> dict[str, int]:
        """Fetch the delivery reports of accepted 알림톡 that had none yet (the job)."""
        summary = {"awaiting": 0, "settled": 0}
        lookup: Callable[[str, str], Sent] | None = getattr(self.notifier, "delivery_result", None)  # DeliveryReports
        if lookup is None:
            return summary
        for delivery in self.ledger.awaiting_result(limit):
            summary["awaiting"] += 1
            try:
                sent = lookup(delivery.message_id, delivery.fallback or "SMS")
            except NotificationFailedError:
                continue  # asked again on the next run
            if sent.result == Result.ACCEPTED.value:
                continue
            settled = Delivery(**{**delivery.__dict__, "result": Result(sent.result), "channel": sent.channel})
            summary["settled"] += int(self.ledger.settle(settled, now))
        return summary

    def _localised(self, variables: dict[str, str], language: str) -> dict[str, str]:
        out = {}
        for name, value in variables.items():
            if name in ("when", "cutoff"):
                out[name] = mt.format_time(datetime.fromisoformat(value), language)
            elif name in ("method", "outcome", "next_step"):
                out[name] = mt.word(language, value)
            else:
                out[name] = value
        return out

    def _mark(self, token: str, now: datetime, marked: Delivery) -> None:
        if not self.ledger.mark(marked, token, now):
            logger().warning("resident message: claim lost before marking", extra={"event": marked.event})


def counts(ledger: DeliveryLedger, month: str) -> dict[tuple[str, str, str], int]:
    """A month's (Korea time) marked messages per (template, channel, result)."""
    out: dict[tuple[str, str, str], int] = {}
    for key, n in ledger.counts(month).items():
        if not n:
            continue  # a count moved on by a delivery report
        template, channel, result = (key.split("#") + ["", ""])[:3]
        out[(template, channel, result)] = out.get((template, channel, result), 0) + n
    return out


def quiet_zone(policy: Policy) -> ZoneInfo:
    return ZoneInfo(policy.timezone)

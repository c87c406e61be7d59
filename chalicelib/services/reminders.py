"""The reminders job: send every due reminder exactly once.

For each due reminder: claim it (conditional write), find its recipient,
send, mark it sent. If sending fails the claim is released and the reminder
stays due for the next run; a reminder claimed by a run that died is taken
again once its lease runs out. Reminders still unsent well after their due
time raise an operator alarm (a count, nothing personal).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.domain import message_templates as templates
from chalicelib.domain.notifications import AttorneyAlert, MessageKind, NotificationFailedError, Notifier, Recipients
from chalicelib.domain.reminders import LEASE, Channel, Reminder, ReminderStore, RunSummary
from chalicelib.services.attorney_alerts import alert_phone

log = logging.getLogger(__name__)
OVERDUE_AFTER = timedelta(minutes=15)


class Messenger(Protocol):
    """The residents' messages (``resident_messages.ResidentMessenger``): the delivery ledger's way."""

    def reminder(self, booking_id: str, offset_minutes: int, consultation_id: str,
                 start: datetime) -> str: ...


def run_reminders(store: ReminderStore, notifier: Notifier, recipients: Recipients, now: datetime, *,
                  base_url: str, lease: timedelta = LEASE, limit: int = 100,
                  messenger: Messenger | None = None) -> RunSummary:
    due = store.due(now, limit)
    sent = failed = skipped = overdue = 0
    for reminder in due:
        token = store.claim(reminder, now, lease)
        if token is None:
            skipped += 1
            continue
        try:
            message_id = _deliver(reminder, notifier, recipients, base_url, messenger)
        except NotificationFailedError as exc:
            store.release(reminder, token)
            failed += 1
            if now - reminder.due_at > OVERDUE_AFTER:
                overdue += 1
            log.warning("reminder not sent", extra={"booking_id": reminder.booking_id,
                                                    "channel": reminder.channel.value, "error": str(exc)})
            continue
        if store.mark_sent(reminder, token, now, message_id or "skipped"):
            sent += 1
        else:  # our lease ran out and another run took it over: it will not send twice
            skipped += 1
    summary = RunSummary(due=len(due), sent=sent, failed=failed, skipped=skipped, overdue=overdue)
    if overdue:
        try:
            notifier.alarm("[maeul] reminders overdue",
                           f"{overdue} reminder(s) are more than {int(OVERDUE_AFTER.total_seconds() // 60)} "
                           f"minutes overdue at {now.isoformat(timespec='minutes')}; delivery keeps failing.")
        except NotificationFailedError:
            log.error("operator alarm could not be sent")
    return summary


def _deliver(reminder: Reminder, notifier: Notifier, recipients: Recipients, base_url: str,
             messenger: Messenger | None = None) -> str | None:
    """Send one reminder; None when there is nobody to send it to any more (erased, no contact).

    With ``messenger`` a resident's reminder goes through the delivery ledger like every other resident
    message (claimed, sent, marked; counted per template and result; quiet hours): the reminder is done
    once the ledger has it (sent, queued, limited, or sent before by a run that died before marking);
    a message that failed on every channel, or a ledger that could not be reached, leaves it due."""
    if reminder.channel is Channel.RESIDENT_SMS and messenger is not None:
        result = messenger.reminder(reminder.booking_id, reminder.offset_minutes, reminder.consultation_id,
                                    reminder.start)
        if result in ("failed", "error"):
            raise NotificationFailedError(f"resident reminder: {result}")
        return f"delivery:{result}"
    if reminder.channel is Channel.RESIDENT_SMS:
        resident = recipients.resident(reminder.consultation_id)
        if resident is None:
            return None
        phone, lang = resident
        message = templates.render(templates.ResidentEvent.REMINDER, lang, {
            "when": templates.format_time(reminder.start, lang),
            "link": f"{base_url}/consultations/{reminder.consultation_id}"})
        return str(notifier.send_message(phone, message).message_id)
    kind = MessageKind.OUTCOME_DUE if reminder.is_follow_up else MessageKind.REMINDER
    if reminder.channel is Channel.ATTORNEY_EMAIL:
        return notifier.email_attorney(reminder.attorney_id,
                                       AttorneyAlert(kind, f"{base_url}/attorney", when=reminder.start))
    return alert_phone(notifier, recipients.attorney(reminder.attorney_id), kind, f"{base_url}/attorney",
                       when=reminder.start)

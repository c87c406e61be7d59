"""An attorney's alert to their phone, on the channel they chose (the roster's ``alert_channel``).

The alert is a registered template (``message_templates/attorney/<lang>.json``) in the attorney's
alert language, with a time or a deadline and a link: nothing about the resident.

- ``alimtalk``: a templated message through the notifier port, i.e. the stage's channel - KakaoTalk
  알림톡 through SENS with its SMS/LMS failover (and SNS SMS behind that), or SNS SMS on a stage
  without SENS;
- ``sms``: the same text as a plain SMS (LMS when long);
- ``email``: nothing to the phone (the e-mail goes out anyway, as for everyone).

E-mail is sent by the caller as before; this module is the phone half only.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain import message_templates as mt
from chalicelib.domain.attorneys import AlertChannel, AttorneyContact
from chalicelib.domain.notifications import MessageKind, Notifier


def alert_phone(notifier: Notifier, contact: AttorneyContact | None, kind: MessageKind, link: str, *,
                when: datetime | None = None, deadline: datetime | None = None) -> str | None:
    """Send the phone half of an attorney's alert; the channel's message id, or None when the attorney
    takes their alerts by e-mail only or has no phone. Raises ``NotificationFailedError`` as the
    notifier does (callers treat alerts as best effort)."""
    if contact is None or not contact.phone:
        return None
    known = contact.alert_channel in AlertChannel.__members__.values()
    channel = AlertChannel(contact.alert_channel) if known else AlertChannel.ALIMTALK
    if channel is AlertChannel.EMAIL:
        return None
    variables = {"link": link}
    if when is not None:
        variables["when"] = mt.format_time(when, contact.language)
    if deadline is not None:
        variables["deadline"] = mt.format_deadline(deadline)
    message = mt.render_attorney(mt.AttorneyEvent(kind.value), contact.language, variables)
    if channel is AlertChannel.SMS:
        return str(notifier.send_sms(contact.phone, message.text))
    return str(notifier.send_message(contact.phone, message).message_id)

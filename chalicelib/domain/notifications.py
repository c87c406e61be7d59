"""What Maeul tells people by SMS and e-mail, and the rule that it says little.

Every message is a short template with a time and a link, never a name, a
phone number or a description of the problem (DESIGN.md: no personal data in
SMS or e-mail bodies). Attorneys read Korean; a resident gets the language of
their consultation (any of ``languages.LANGUAGES``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from chalicelib.domain import languages
from chalicelib.domain.attorneys import AttorneyContact

if TYPE_CHECKING:  # message_templates builds on this module
    from chalicelib.domain.message_templates import OutboundMessage

SEOUL = ZoneInfo("Asia/Seoul")


class MessageKind(StrEnum):
    OFFER = "offer"                      # attorney: a real-time request waits for you
    BOOKING = "booking"                  # attorney: a reservation was booked with you
    BOOKING_CANCELLED = "booking_cancelled"
    REMINDER = "reminder"                # attorney and resident: consultation soon
    MESSAGE_WAITING = "message_waiting"  # attorney: a resident's message waits
    OUTCOME_DUE = "outcome_due"          # attorney: record the outcome
    SURVEY = "survey"                    # resident: satisfaction survey
    NO_ATTORNEY_NOW = "no_attorney_now"  # resident: real-time could not be served
    REQUEST_WITHDRAWN = "request_withdrawn"  # attorney: the resident withdrew a request assigned to them
    REQUEST_EXPIRED = "request_expired"      # resident: an open request waited too long and was closed
    SCHEDULE_CHANGED = "schedule_changed"    # attorney: several changes at once (alerts coalesced)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


# Resident-facing texts are catalogue messages ``sms.<kind>.subject`` / ``sms.<kind>.text`` in
# every language (chalicelib/web/i18n/<lang>/notifications.json); ``{when}``, ``{link}`` and
# ``{phone}`` (the programme's ``Policy.fallback_phone``) are the only holes. The attorney-only kinds
# stay Korean: the roster's attorneys work in Korean.
RESIDENT_KINDS = (MessageKind.REMINDER, MessageKind.SURVEY, MessageKind.NO_ATTORNEY_NOW,
                  MessageKind.BOOKING, MessageKind.BOOKING_CANCELLED, MessageKind.REQUEST_EXPIRED)

_STAFF = {
    MessageKind.OFFER: ("[마을노무사] 실시간 상담 요청",
                        "[마을노무사] 실시간 상담 요청이 도착했습니다. {deadline}까지 수락해 주세요. {link}"),
    MessageKind.MESSAGE_WAITING: ("[마을노무사] 새 메시지", "[마을노무사] 답변을 기다리는 메시지가 있습니다. {link}"),
    MessageKind.OUTCOME_DUE: ("[마을노무사] 상담 결과 입력",
                              "[마을노무사] {when} 상담의 결과를 입력해 주세요. {link}"),
    MessageKind.REQUEST_WITHDRAWN: ("[마을노무사] 상담 신청 취소",
                                    "[마을노무사] 배정된 상담 신청이 신청인에 의해 취소되었습니다. {link}"),
    MessageKind.SCHEDULE_CHANGED: ("[마을노무사] 일정 변경",
                                   "[마을노무사] 상담 일정이 여러 번 변경되었습니다. "
                                   "최신 일정을 확인해 주세요. {link}"),
}


def _template(kind: MessageKind, lang: str) -> tuple[str, str]:
    if kind in _STAFF:
        return _STAFF[kind]
    return (languages.text(lang, f"sms.{kind.value}.subject"), languages.text(lang, f"sms.{kind.value}.text"))


def local_when(moment: datetime, lang: str, style: str = "message") -> str:
    """``moment`` in Seoul time, as ``lang`` writes a date and a time."""
    return languages.when(moment.astimezone(SEOUL), lang, style)


def format_time(moment: datetime | None, lang: str) -> str:
    """An attorney e-mail's time (ko or en), as ``web.mail.text_patterns`` expects it."""
    if moment is None:
        return ""
    local = moment.astimezone(SEOUL)
    if lang == "en":
        return local.strftime("%a %d %b %H:%M")
    weekday = "월화수목금토일"[local.weekday()]
    return f"{local.month}월 {local.day}일({weekday}) {local:%H:%M}"


def render(kind: MessageKind, link: str, *, when: datetime | None = None,
           deadline: datetime | None = None, lang: str = "ko", phone: str | None = None) -> Rendered:
    """The message of ``kind`` in ``lang`` (Korean for an attorney-only kind or an unknown language);
    a message that gives the programme's number needs ``phone`` (``Policy.fallback_phone``)."""
    lang = lang if kind in RESIDENT_KINDS and languages.is_supported(lang) else languages.DEFAULT
    subject, template = _template(kind, lang)
    if "{phone}" in template and not phone:
        raise ValueError(f"the {kind.value} message gives the programme's phone: pass Policy.fallback_phone")
    text = template.format(when=local_when(when, lang) if when else "", link=link, phone=phone or "",
                           deadline=f"{deadline.astimezone(SEOUL):%H:%M}" if deadline else "")
    return Rendered(subject=subject, text=text)


class NotificationFailedError(Exception):
    """The message could not be handed to the delivery service; try again later."""


@dataclass(frozen=True)
class AttorneyAlert:
    """What an e-mail to an attorney says: its kind, a time or a deadline, and a link. The
    mailer renders it in the attorney's language; nothing about the resident is in it."""

    kind: MessageKind
    link: str
    when: datetime | None = None
    deadline: datetime | None = None


@dataclass(frozen=True)
class Sent:
    """What a channel answered: its message id and the channel it went out on."""

    message_id: str
    channel: str  # alimtalk | sms | lms | sns-sms
    result: str = "accepted"  # accepted | delivered | failed


class Notifier(Protocol):
    """Delivery port: SMS or a templated message to a phone, e-mail to one attorney, alarms to operators."""

    def send_sms(self, phone_e164: str, text: str) -> str: ...

    def send_message(self, phone_e164: str, message: OutboundMessage) -> Sent:
        """A templated resident message (``message_templates.OutboundMessage``) on the stage's channel;
        returns what was sent (message id, channel, result)."""
        ...

    def email_attorney(self, attorney_id: str, alert: AttorneyAlert,
                       contact: AttorneyContact | None = None) -> str | None:
        """The message id; None when the attorney has no address or their e-mail is suppressed.
        ``contact``: the attorney's contact when the caller has read it already (an alert's phone half
        needs it too), so that one alert reads it once; else it is read here."""
        ...

    def alarm(self, subject: str, text: str) -> None: ...


class DeliveryReports(Protocol):
    """A channel that reports later whether a message it accepted was delivered (SENS)."""

    def delivery_result(self, message_id: str, sms_type: str) -> Sent: ...


class Recipients(Protocol):
    """Where a message goes: an attorney's contact details, a consultation's resident (phone, language)."""

    def attorney(self, attorney_id: str) -> AttorneyContact | None: ...

    def resident(self, consultation_id: str) -> tuple[str, str] | None: ...


def template_patterns() -> list[str]:
    """Regular expressions every message Maeul sends must match in full: the templates,
    with only a time, a deadline, a link and a phone number filled in (used by the outbound-message audit).
    A time may use only digits, the separators and the letters of that language's date words."""
    import re

    patterns = []
    for lang in languages.CODES:
        words = "".join(languages.text(lang, key) for key in ("when.weekdays", "when.months", "when.message"))
        letters = sorted(set(re.sub(r"\{[a-z_0-9]+\}", "", words)) | set("0123456789 :()"))
        when_fill = "[" + "".join(re.escape(c) for c in letters) + "]*"
        templates = [_template(kind, lang)[1] for kind in RESIDENT_KINDS]
        if lang == languages.DEFAULT:
            templates += [template for _, template in _STAFF.values()]
        for template in templates:
            escaped = re.escape(template)
            for name, fill in (("when", when_fill), ("deadline", r"[\d:]*"), ("link", r"https?://\S+"),
                               ("phone", r"[\d-]{3,20}")):
                escaped = escaped.replace(re.escape("{" + name + "}"), fill)
            patterns.append(escaped)
    from chalicelib.domain.message_templates import text_patterns
    from chalicelib.domain.phone_verification import sms_patterns

    return patterns + text_patterns() + sms_patterns()

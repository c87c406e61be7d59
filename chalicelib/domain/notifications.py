"""What Maeul tells people by SMS and e-mail, and the rule that it says little.

Every message is a short template with a time and a link, never a name, a
phone number or a description of the problem (DESIGN.md: no personal data in
SMS or e-mail bodies). Attorneys read Korean; residents get Korean unless they
chose English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

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


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


_KO = {
    MessageKind.OFFER: ("[마을노무사] 실시간 상담 요청", "[마을노무사] 실시간 상담 요청이 도착했습니다. {deadline}까지 수락해 주세요. {link}"),
    MessageKind.BOOKING: ("[마을노무사] 예약 상담 배정", "[마을노무사] {when} 예약 상담이 배정되었습니다. {link}"),
    MessageKind.BOOKING_CANCELLED: ("[마을노무사] 예약 취소", "[마을노무사] {when} 예약 상담이 취소되었습니다. {link}"),
    MessageKind.REMINDER: ("[마을노무사] 상담 알림", "[마을노무사] {when}에 상담이 있습니다. {link}"),
    MessageKind.MESSAGE_WAITING: ("[마을노무사] 새 메시지", "[마을노무사] 답변을 기다리는 메시지가 있습니다. {link}"),
    MessageKind.OUTCOME_DUE: ("[마을노무사] 상담 결과 입력", "[마을노무사] {when} 상담의 결과를 입력해 주세요. {link}"),
    MessageKind.SURVEY: ("[마을노무사] 만족도 조사", "[마을노무사] 상담은 어떠셨나요? 의견을 들려주세요. {link}"),
    MessageKind.NO_ATTORNEY_NOW: ("[마을노무사] 실시간 상담 안내",
                                  "[마을노무사] 지금은 실시간 상담이 어렵습니다. 예약하시거나 031-8030-4541로 전화해 주세요. {link}"),
}

_EN = {
    MessageKind.REMINDER: ("[Maeul] Consultation reminder", "[Maeul] Your consultation is at {when}. {link}"),
    MessageKind.SURVEY: ("[Maeul] How did it go?", "[Maeul] How was your consultation? Tell us: {link}"),
    MessageKind.NO_ATTORNEY_NOW: ("[Maeul] Real-time consultation",
                                  "[Maeul] No attorney is free right now. Book a time or call 031-8030-4541. {link}"),
    MessageKind.BOOKING: ("[Maeul] Consultation booked", "[Maeul] Your consultation is booked for {when}. {link}"),
    MessageKind.BOOKING_CANCELLED: ("[Maeul] Booking cancelled", "[Maeul] Your consultation at {when} was cancelled. {link}"),
}


def format_time(moment: datetime | None, lang: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(SEOUL)
    if lang == "en":
        return local.strftime("%a %d %b %H:%M")
    weekday = "월화수목금토일"[local.weekday()]
    return f"{local.month}월 {local.day}일({weekday}) {local:%H:%M}"


def render(kind: MessageKind, link: str, *, when: datetime | None = None,
           deadline: datetime | None = None, lang: str = "ko") -> Rendered:
    table = _EN if lang == "en" and kind in _EN else _KO
    lang = "en" if table is _EN else "ko"
    subject, template = table[kind]
    text = template.format(when=format_time(when, lang), link=link,
                           deadline=format_time(deadline, lang).split(" ")[-1] if deadline else "")
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


class Notifier(Protocol):
    """Delivery port: SMS to a phone, e-mail to one attorney, alarms to operators."""

    def send_sms(self, phone_e164: str, text: str) -> str: ...

    def email_attorney(self, attorney_id: str, alert: AttorneyAlert) -> str | None:
        """The message id; None when the attorney has no address or their e-mail is suppressed."""
        ...

    def alarm(self, subject: str, text: str) -> None: ...


def template_patterns() -> list[str]:
    """Regular expressions every message Maeul sends must match in full: the templates,
    with only a time, a deadline and a link filled in (used by the outbound-message audit)."""
    import re

    patterns = []
    for table in (_KO, _EN):
        for subject, template in table.values():
            escaped = re.escape(template)
            for name, fill in (("when", r"[\w() :월일]*"), ("deadline", r"[\d:]*"), ("link", r"https?://\S+")):
                escaped = escaped.replace(re.escape("{" + name + "}"), fill)
            patterns.append(escaped)
    return patterns

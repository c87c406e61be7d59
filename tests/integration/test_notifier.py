"""The notifier port on the emulator: SMS through SNS, attorney e-mail through SES (v2), and the
in-memory twin honouring the same contract."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest

from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.notifications import AttorneyAlert, MessageKind, render
from ops.outbox import sent_email, sent_sms
from tests.twins.memory import MemoryNotifier

pytestmark = pytest.mark.emulator

WHEN = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Seoul


def new_attorney(container, language: str = "ko") -> tuple[str, str]:
    attorney_id = f"mail-{uuid.uuid4().hex[:8]}"
    address = f"{attorney_id}@example.org"
    container.attorneys.save(Attorney(id=attorney_id, display_name="메일 노무사", categories=frozenset({"dismissal"}),
                                      regions=frozenset({"suwon"})),
                             AttorneyContact(phone="+821099990002", email=address, language=language), WHEN)
    return attorney_id, address


def mail_to(address: str) -> list[dict[str, str]]:
    return [m for m in sent_email(os.environ["AWS_ENDPOINT_URL"]) if m["to"] == address]


@pytest.fixture(params=["aws", "memory"])
def notifier(request):
    if request.param == "memory":
        return MemoryNotifier()
    return request.getfixturevalue("container").notifier


def test_sms_and_email_are_accepted(notifier, container) -> None:
    attorney_id, _ = new_attorney(container)
    message = render(MessageKind.SURVEY, "https://maeul.example/c/1")
    assert notifier.send_sms("+821000009999", message.text)
    assert notifier.email_attorney(attorney_id, AttorneyAlert(MessageKind.BOOKING, "https://maeul.example/attorney",
                                                              when=WHEN))


def test_sms_reaches_the_emulator_with_its_text(container) -> None:
    text = render(MessageKind.SURVEY, "https://maeul.example/c/3").text
    container.notifier.send_sms("+821000008888", text)
    sms = sent_sms(os.environ["AWS_ENDPOINT_URL"])
    assert {"channel": "sms", "to": "+821000008888", "text": text} in sms


@pytest.mark.parametrize(("language", "expected"), [("ko", "12월 2일(수) 10:00 예약 상담이 배정되었습니다."),
                                                    ("en", "A consultation on Wed 02 Dec 10:00 has been booked")])
def test_attorney_email_goes_through_ses_in_their_language(container, language, expected) -> None:
    attorney_id, address = new_attorney(container, language)
    link = "https://maeul.example/attorney"
    message_id = container.notifier.email_attorney(attorney_id, AttorneyAlert(MessageKind.BOOKING, link, when=WHEN))
    [mail] = mail_to(address)
    assert message_id
    assert expected in mail["text"] and link in mail["text"]
    assert expected in mail["html"] and f'href="{link}"' in mail["html"] and f'lang="{language}"' in mail["html"]
    settings = container.settings
    assert mail["from"] == settings.mail_from_address and mail["reply_to"] == settings.mail_reply_to
    assert "메일 노무사" not in mail["text"] + mail["html"]  # no names, not even the attorney's


def test_an_attorney_without_an_address_gets_no_email(container) -> None:
    attorney_id = f"mail-{uuid.uuid4().hex[:8]}"
    assert container.notifier.email_attorney(attorney_id, AttorneyAlert(MessageKind.REMINDER, "https://x.example",
                                                                        when=WHEN)) is None

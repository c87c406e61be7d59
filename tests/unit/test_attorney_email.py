"""Attorney e-mail: the template in Korean and English (both parts), the SES events that mark an
attorney, and a send SES refuses as suppressed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import ANY, Stubber

from chalicelib.adapters.ses_mailer import AddressHasher, SesAttorneyMailer
from chalicelib.domain.attorneys import AttorneyContact
from chalicelib.domain.email_health import FailureReason, read_event
from chalicelib.domain.notifications import AttorneyAlert, MessageKind
from chalicelib.web.mail import render_attorney_email
from tests.twins.memory_email import MemoryEmailHealthStore

WHEN = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Seoul
LINK = "https://maeul.example/attorney?x=1&y=<2>"


@pytest.mark.parametrize(("lang", "subject", "body"), [
    ("ko", "[마을노무사] 예약 상담 배정", "12월 2일(수) 10:00 예약 상담이 배정되었습니다."),
    ("en", "[Maeul] Consultation booked with you", "A consultation on Wed 02 Dec 10:00 has been booked with you."),
])
def test_booking_email_in_both_languages_and_both_parts(lang: str, subject: str, body: str) -> None:
    mail = render_attorney_email(AttorneyAlert(MessageKind.BOOKING, LINK, when=WHEN), lang)
    assert mail.subject == subject and mail.lang == lang
    assert body in mail.text and LINK in mail.text
    assert body in mail.html and f'<html lang="{lang}">' in mail.html
    assert 'href="https://maeul.example/attorney?x=1&amp;y=&lt;2&gt;"' in mail.html  # escaped
    assert "<2>" not in mail.html


@pytest.mark.parametrize("kind", [MessageKind.OFFER, MessageKind.BOOKING, MessageKind.BOOKING_CANCELLED,
                                  MessageKind.REMINDER, MessageKind.OUTCOME_DUE, MessageKind.MESSAGE_WAITING])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_attorney_alert_has_a_template_in_each_language(kind: MessageKind, lang: str) -> None:
    from tests.support import offending_messages

    mail = render_attorney_email(AttorneyAlert(kind, "https://maeul.example/attorney", when=WHEN, deadline=WHEN),
                                 lang)
    assert "{" not in mail.text + mail.html
    assert offending_messages([{"channel": "email", "to": "x", "text": mail.text}]) == []


def test_an_unknown_language_falls_back_to_korean() -> None:
    assert render_attorney_email(AttorneyAlert(MessageKind.REMINDER, LINK, when=WHEN), "xx").lang == "ko"


def event(kind: str, **fields) -> str:
    return json.dumps({"eventType": kind, **fields, "mail": {"destination": ["a@example.org"],
                                                            "tags": {"attorney_id": ["att-1"]}}})


def test_permanent_bounces_and_complaints_mark_transient_bounces_and_deliveries_do_not() -> None:
    permanent = read_event(event("Bounce", bounce={"bounceType": "Permanent", "bounceSubType": "General",
                                                   "bouncedRecipients": [{"emailAddress": "a@example.org"}]}))
    assert permanent.reason is FailureReason.BOUNCE and permanent.attorney_id == "att-1"
    suppressed = read_event(event("Bounce", bounce={"bounceType": "Permanent",
                                                    "bounceSubType": "OnAccountSuppressionList"}))
    assert suppressed.reason is FailureReason.SUPPRESSED
    complaint = read_event(event("Complaint", complaint={"complainedRecipients": [{"emailAddress": "a@example.org"}]}))
    assert complaint.reason is FailureReason.COMPLAINT and complaint.addresses == ("a@example.org",)
    assert read_event(event("Bounce", bounce={"bounceType": "Transient"})) is None
    assert read_event(event("Delivery", delivery={})) is None


class Contacts:
    def contact(self, attorney_id: str) -> AttorneyContact:
        return AttorneyContact(phone="+821000000001", email="gone@example.org", language="en")


def test_a_send_refused_as_suppressed_marks_the_attorney_and_later_alerts_are_not_sent() -> None:
    ses = boto3.client("sesv2", region_name="ap-northeast-2", aws_access_key_id="x", aws_secret_access_key="x")
    health = MemoryEmailHealthStore()
    hasher = AddressHasher(lambda: b"k" * 32)
    mailer = SesAttorneyMailer(ses, Contacts(), health, hasher, from_address="alerts@mail.maeul.example",
                               reply_to="help@maeul.example", configuration_set="maeul-local", clock=lambda: WHEN)
    with Stubber(ses) as stub:
        stub.add_client_error("send_email", service_error_code="MessageRejected",
                              service_message="Email address is on the suppression list for your account.")
        assert mailer.email_attorney("att-9", AttorneyAlert(MessageKind.OFFER, LINK, deadline=WHEN)) is None
        stub.assert_no_pending_responses()
        failure = health.failure("att-9")
        assert failure.reason is FailureReason.SUPPRESSED and failure.address_hash == hasher("gone@example.org")
        # suppressed: the next alert does not reach SES at all (the stubber would fail on any call)
        assert mailer.email_attorney("att-9", AttorneyAlert(MessageKind.REMINDER, LINK, when=WHEN)) is None


def test_the_send_carries_the_configuration_set_tags_and_reply_to() -> None:
    ses = boto3.client("sesv2", region_name="ap-northeast-2", aws_access_key_id="x", aws_secret_access_key="x")
    mailer = SesAttorneyMailer(ses, Contacts(), MemoryEmailHealthStore(), AddressHasher(lambda: b"k" * 32),
                               from_address="alerts@mail.maeul.example", reply_to="help@maeul.example",
                               configuration_set="maeul-local", clock=lambda: WHEN)
    with Stubber(ses) as stub:
        stub.add_response("send_email", {"MessageId": "m-1"}, {
            "FromEmailAddress": "alerts@mail.maeul.example", "Destination": {"ToAddresses": ["gone@example.org"]},
            "ReplyToAddresses": ["help@maeul.example"], "ConfigurationSetName": "maeul-local",
            "EmailTags": [{"Name": "attorney_id", "Value": "att-9"}, {"Name": "kind", "Value": "booking"}],
            "Content": {"Raw": {"Data": ANY}}})
        assert mailer.email_attorney("att-9", AttorneyAlert(MessageKind.BOOKING, LINK, when=WHEN)) == "m-1"


def test_the_outbound_audit_catches_an_email_that_says_more_than_its_template() -> None:
    from tests.support import offending_messages

    mail = render_attorney_email(AttorneyAlert(MessageKind.BOOKING, "https://maeul.example/attorney", when=WHEN), "ko")
    leaked = mail.text.replace("예약 상담이", "김민수님의 임금체불 예약 상담이")
    assert offending_messages([{"channel": "email", "to": "x", "text": leaked}]) != []

"""The notifier port: SNS on the emulator and the in-memory twin honour one contract."""

from __future__ import annotations

import json
import os

import pytest

from chalicelib.adapters.memory import MemoryNotifier
from chalicelib.domain.notifications import MessageKind, render
from ops.outbox import drain_emails, sent_sms

pytestmark = pytest.mark.emulator


@pytest.fixture(params=["sns", "memory"])
def notifier(request):
    if request.param == "memory":
        return MemoryNotifier()
    return request.getfixturevalue("container").notifier


def test_sms_and_email_are_accepted(notifier) -> None:
    message = render(MessageKind.SURVEY, "https://maeul.example/c/1")
    assert notifier.send_sms("+821000009999", message.text)
    assert notifier.email_attorney("att-900", message.subject, message.text)


def test_sms_reaches_the_emulator_with_its_text(container) -> None:
    text = render(MessageKind.SURVEY, "https://maeul.example/c/3").text
    container.notifier.send_sms("+821000008888", text)
    sms = sent_sms(os.environ["AWS_ENDPOINT_URL"])
    assert {"channel": "sms", "to": "+821000008888", "text": text} in sms


def test_attorney_email_is_published_with_the_filter_attribute(container, boto_session, tmp_path) -> None:
    message = render(MessageKind.BOOKING, "https://maeul.example/attorney")
    container.notifier.email_attorney("att-901", message.subject, message.text)
    emails = drain_emails(boto_session, tmp_path / "outbox.jsonl")
    assert {"channel": "email", "to": "attorney att-901", "text": message.text} in emails


def test_subscriptions_follow_the_attorney_email(container, boto_session) -> None:
    sns = boto_session.client("sns")
    topic = container.settings.attorney_alerts_topic_arn
    first = container.notifier.sync_attorney_email("att-902", "old@example.invalid", None)
    second = container.notifier.sync_attorney_email("att-902", "new@example.invalid", first)
    pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
    subs = [s for page in pages for s in page["Subscriptions"]
            if s["Protocol"] == "email" and s["Endpoint"].endswith("@example.invalid")]
    endpoints = {s["Endpoint"] for s in subs}
    assert "new@example.invalid" in endpoints and "old@example.invalid" not in endpoints
    policy = sns.get_subscription_attributes(SubscriptionArn=second)["Attributes"]["FilterPolicy"]
    assert json.loads(policy) == {"attorney_id": ["att-902"]}
    assert container.notifier.sync_attorney_email("att-902", None, second) is None

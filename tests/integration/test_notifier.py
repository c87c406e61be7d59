"""The notifier port: SNS on the emulator and the in-memory twin honour one contract."""

from __future__ import annotations

import json
import os

import pytest

from chalicelib.adapters.memory import MemoryNotifier
from ops.outbox import drain_emails, sent_sms

pytestmark = pytest.mark.emulator


@pytest.fixture(params=["sns", "memory"])
def notifier(request):
    if request.param == "memory":
        return MemoryNotifier()
    return request.getfixturevalue("container").notifier


def test_sms_and_email_are_accepted(notifier) -> None:
    assert notifier.send_sms("+821000009999", "[마을노무사] 테스트 https://x/1")
    assert notifier.email_attorney("att-900", "[마을노무사] 제목", "본문 https://x/2")


def test_sms_reaches_the_emulator_with_its_text(container) -> None:
    container.notifier.send_sms("+821000008888", "[마을노무사] sms check https://x/3")
    sms = sent_sms(os.environ["AWS_ENDPOINT_URL"])
    assert {"channel": "sms", "to": "+821000008888", "text": "[마을노무사] sms check https://x/3"} in sms


def test_attorney_email_is_published_with_the_filter_attribute(container, boto_session, tmp_path) -> None:
    container.notifier.email_attorney("att-901", "[마을노무사] 제목", "email check https://x/4")
    emails = drain_emails(boto_session, tmp_path / "outbox.jsonl")
    assert {"channel": "email", "to": "attorney att-901", "text": "email check https://x/4"} in emails


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

"""Audit of every SMS and e-mail the test suite made the app send through the emulator.

Runs last in this folder (name order): each message must be one of the
templates with only a time and a link filled in, so no name, phone number or
problem description can have reached an SMS or e-mail body.
"""

from __future__ import annotations

import re

import pytest

from chalicelib.domain.notifications import template_patterns
from ops.outbox import drain_emails, sent_sms

pytestmark = pytest.mark.emulator


def test_every_message_sent_is_a_template_with_a_time_and_a_link(stack_env, boto_session, tmp_path) -> None:
    messages = sent_sms(stack_env["AWS_ENDPOINT_URL"]) + drain_emails(boto_session, tmp_path / "all.jsonl")
    assert messages, "the suite sends messages before this audit runs"
    patterns = [re.compile(p) for p in template_patterns()]
    offenders = [m for m in messages if not any(p.fullmatch(m["text"]) for p in patterns)]
    assert offenders == []
    for m in messages:
        digits = re.sub(r"https?://\S+", "", m["text"])
        assert not re.search(r"01[016789]-?\d{3,4}-?\d{4}", digits), m  # no mobile number in a body

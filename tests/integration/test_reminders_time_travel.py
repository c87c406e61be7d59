"""Reminders on the local stack, driven by `scripts/tick --at`: a booked consultation's
attorney and resident are reminded exactly once per offset, and a failing SNS delays
but never drops or doubles a reminder."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.composition import Container, use_container
from chalicelib.domain.identity import Provider
from chalicelib.settings import Settings
from ops import seed
from ops.outbox import sent_email, sent_sms
from ops.processes import ROOT
from tests.integration.api_booking import book_through_api
from tests.integration.conftest import PrivateStack
from tests.phones import code_from_outbox, verify_phone
from tests.support import ApiClient

pytestmark = pytest.mark.emulator

KST = timezone(timedelta(hours=9))
NOW = datetime(2027, 3, 8, 16, 0, tzinfo=KST)  # Monday afternoon; booking Wednesday 10:00
START = datetime(2027, 3, 10, 10, 0, tzinfo=KST)
NAME, PHONE = "김미래", "010-5555-0101"
DESCRIPTION = "Unpaid overtime for six months at the logistics centre, about two million won."


def tick(stack_env: dict[str, str], at: datetime, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **stack_env, **extra_env}
    return subprocess.run([sys.executable, "-m", "ops.tick", "--at", at.isoformat(), "--only", "reminders"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def booked(private_stack: PrivateStack):
    """A booking on a stack of the module's own: no other test's bookings have reminders due in it."""
    container, stack_env = private_stack.container, private_stack.env
    seed.run(container, wanted=lambda a: "wage_arrears" in a.categories and "suwon" in a.regions)
    fixed = Container(Settings.from_env(stack_env), clock=lambda: NOW.astimezone(UTC))
    fixed.tables  # noqa: B018
    use_container(fixed)
    try:
        subject = f"kakao:reminder-{uuid.uuid4().hex[:8]}"
        auth = {"Authorization": f"Bearer {fixed.sessions.start(subject, Provider.KAKAO).access_token}"}
        api = ApiClient(stack_env)
        verify_phone(api.post, auth, PHONE, code_from_outbox(stack_env["AWS_ENDPOINT_URL"]))  # SMS: verified only
        consultation_id, attorney = book_through_api(api, auth, START, name=NAME, phone=PHONE,
                                                     description=DESCRIPTION)
        yield consultation_id, attorney, fixed.attorneys.contact(attorney).phone
    finally:
        use_container(container)


def flush_earlier_reminders(stack_env: dict[str, str], at: datetime) -> None:
    """Anything due before the test's own reminders goes out first (a run sends at most 100)."""
    for _ in range(50):
        run = tick(stack_env, at)
        assert run.returncode == 0, run.stderr
        if '"due": 0' in run.stdout:
            return
    pytest.fail(f"reminders still due after 50 runs: {run.stdout}")


def messages(endpoint: str, boto_session, tmp_path) -> tuple[list[dict], list[dict]]:
    return sent_sms(endpoint), sent_email(endpoint)


def test_reminders_go_out_once_per_offset_and_survive_an_sns_and_ses_outage(booked, private_stack: PrivateStack,
                                                                     tmp_path) -> None:
    _consultation_id, attorney_id, attorney_phone = booked
    stack_env, boto_session = private_stack.env, private_stack.container.boto_session
    endpoint = stack_env["AWS_ENDPOINT_URL"]
    resident_phone = "+821055550101"

    def new_since(before_sms, before_mail):
        sms, mail = messages(endpoint, boto_session, tmp_path)
        return sms[len(before_sms):], mail[len(before_mail):]

    day_before = START - timedelta(hours=24)
    flush_earlier_reminders(stack_env, day_before - timedelta(hours=1))
    sms0, mail0 = messages(endpoint, boto_session, tmp_path)
    assert tick(stack_env, day_before).returncode == 0
    sms1, mail1 = new_since(sms0, mail0)
    assert sorted(m["to"] for m in sms1) == sorted([attorney_phone, resident_phone])
    assert [m["to"] for m in mail1] == [private_stack.container.attorneys.contact(attorney_id).email]

    assert tick(stack_env, day_before).returncode == 0  # the same tick again: nothing more
    sms_again, mail_again = new_since(sms0 + sms1, mail0 + mail1)
    assert sms_again == [] and mail_again == []

    hour_before = START - timedelta(hours=1)
    outage = tick(stack_env, hour_before, AWS_ENDPOINT_URL_SNS="http://127.0.0.1:9",
                  AWS_ENDPOINT_URL_SESV2="http://127.0.0.1:9")
    assert outage.returncode == 0
    assert '"failed": 3' in outage.stdout, outage.stdout
    sms2, mail2 = new_since(sms0 + sms1, mail0 + mail1)
    assert sms2 == [] and mail2 == []

    assert tick(stack_env, hour_before + timedelta(minutes=5)).returncode == 0
    sms3, mail3 = new_since(sms0 + sms1, mail0 + mail1)
    assert sorted(m["to"] for m in sms3) == sorted([attorney_phone, resident_phone])
    assert len(mail3) == 1
    assert tick(stack_env, hour_before + timedelta(minutes=10)).returncode == 0
    assert new_since(sms0 + sms1 + sms3, mail0 + mail1 + mail3) == ([], [])

    for message in sms1 + mail1 + sms3 + mail3:  # a time and a link, nothing personal
        # the number in any of its spellings; not a bare "5555", which the link's port may hold
        for secret in (NAME, PHONE, "5555-0101", "55550101", DESCRIPTION[:20], "overtime"):
            assert secret not in message["text"]
        assert "10:00" in message["text"]

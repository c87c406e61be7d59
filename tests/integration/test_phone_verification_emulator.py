"""Verified contact phone on the emulated stack: the code goes out through the SENS channel (the dev
SENS emulator, a real process: signed request, SMS to the domestic number), the challenge and the
verified number live in DynamoDB under keyed hashes only, and parallel wrong guesses cannot spend more
than the attempts (conditional updates)."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from chalicelib.adapters.sens_notifier import SensNotifier
from chalicelib.composition import Container
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.domain.phone_verification import PhoneCodeUnusableError, WrongPhoneCodeError
from chalicelib.settings import Settings
from tests.integration.test_sens_channel import client, mine

pytestmark = pytest.mark.emulator

NOW = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)


@pytest.fixture
def world(stack_env, container, sens_url):  # noqa: F811 - ``container`` points AWS_* at the emulator
    clock = [NOW]
    c = Container(Settings.from_env(stack_env), clock=lambda: clock[0])
    c.tables  # noqa: B018
    c.__dict__["notifier"] = SensNotifier(client(sens_url))
    return c, clock, sens_url


def _someone() -> Principal:
    return Principal(subject=f"kakao:phone-{uuid.uuid4().hex[:10]}", role=Role.RESIDENT, provider=Provider.KAKAO,
                     session_id="s")


def _phone() -> str:
    return f"+82107{uuid.uuid4().int % 10_000_000:07d}"


def _main_table_text(c: Container) -> str:
    ddb = boto3.client("dynamodb", region_name=c.settings.region)
    items = ddb.scan(TableName=c.settings.main_table, FilterExpression="begins_with(pk, :a) OR begins_with(pk, :b)",
                     ExpressionAttributeValues={":a": {"S": "PHONECODE#"}, ":b": {"S": "PHONEOK#"}})["Items"]
    return repr(items)


def test_the_code_goes_out_by_sens_sms_and_verifies_the_number_in_dynamodb(world) -> None:
    c, clock, url = world
    who, phone = _someone(), _phone()
    sent = c.phone_verification.send_code(who, phone, "ko")
    assert sent.expires_at == NOW + timedelta(minutes=10)
    [sms] = mine(url, phone)
    assert sms["channel"] == "sms" and sms["to"] == "0" + phone[3:]
    [code] = re.findall(r"\b\d{6}\b", sms["text"])
    stored = _main_table_text(c)
    assert code not in stored and phone[3:] not in stored and who.subject not in stored

    with pytest.raises(WrongPhoneCodeError):
        c.phone_verification.confirm(who, phone, f"{(int(code) + 1) % 1_000_000:06d}")
    until = c.phone_verification.confirm(who, phone, code)
    assert until == NOW + timedelta(days=365)
    assert c.phone_verification.is_verified(who.subject, phone)
    assert not c.phone_verification.is_verified(who.subject, _phone())
    with pytest.raises(PhoneCodeUnusableError):
        c.phone_verification.confirm(who, phone, code)  # spent
    clock[0] = NOW + timedelta(days=366)
    assert not c.phone_verification.is_verified(who.subject, phone)  # verified for a year
    clock[0] = NOW
    c.phone_verification.send_code(who, _phone(), "ko")  # a code waiting when they leave
    assert c.phone_verification.erase(who.subject) == 2  # the verified number and the waiting code
    assert not c.phone_verification.is_verified(who.subject, phone)


def test_parallel_wrong_guesses_spend_at_most_the_attempts_on_dynamodb(world) -> None:
    c, clock, url = world
    who, phone = _someone(), _phone()
    c.phone_verification.send_code(who, phone, "en")
    [sms] = mine(url, phone)
    assert sms["text"].startswith("[Maeul] Your code is ")
    [code] = re.findall(r"\b\d{6}\b", sms["text"])
    guess = f"{(int(code) + 7) % 1_000_000:06d}"

    def attempt(_: int) -> str:
        try:
            c.phone_verification.confirm(who, phone, guess)
        except WrongPhoneCodeError:
            return "wrong"
        except PhoneCodeUnusableError:
            return "unusable"
        return "verified"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    assert outcomes.count("wrong") == c.settings.policy.phone_code_attempts
    assert outcomes.count("unusable") == 12 - c.settings.policy.phone_code_attempts
    with pytest.raises(PhoneCodeUnusableError):
        c.phone_verification.confirm(who, phone, code)  # out of attempts: even the right code
    clock[0] = NOW + timedelta(minutes=11)
    c.phone_verification.send_code(who, phone, "ko")  # a new code starts afresh
    [_, again] = mine(url, phone)
    [fresh] = re.findall(r"\b\d{6}\b", again["text"])
    assert c.phone_verification.confirm(who, phone, fresh) == clock[0] + timedelta(days=365)

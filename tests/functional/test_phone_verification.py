"""Verified contact phone through the app, with the in-memory twins: a one-time code by SMS (the
notifier port), stored only as a keyed hash, attempts spent before comparing, expiry by the
container's clock, sends limited per account and per number; with the policy on (the default), a
resident's SMS goes only to a number its owner verified. The SENS and DynamoDB side:
``tests/integration/test_phone_verification_emulator.py``."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.composition import Container
from chalicelib.services.phone_verification import VerifiedPhoneRecipients
from chalicelib.settings import Settings
from tests.fakes import resident
from tests.phones import PhoneVerificationApp as World
from tests.phones import phone_verification_app
from tests.support import assert_error, offending_messages
from tests.twins.memory_phone import MemoryPhoneVerificationStore

NOW = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # Tuesday 10:30 KST
OTHER_MOBILE, LANDLINE = "010-3456-7890", "02-2100-1234"
MOBILE_E164 = "+821023456789"
ALICE, BOB = resident("alice"), resident("bob")


@pytest.fixture
def world() -> Iterator[World]:
    with phone_verification_app({}, NOW) as app:
        yield app


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_by_sms_verifies_the_number_once(world: World) -> None:
    sent = world.send(ALICE)
    assert sent.status == 202, sent.body
    assert sent.json["attempts"] == 5 and sent.json["expires_at"] == "2026-12-01T10:40:00+09:00"
    assert sent.json["minutes"] == 10
    [(to, text)] = world.notifier.sms
    assert to == MOBILE_E164 and text.startswith("[마을노무사] 인증번호 ") and "10분" in text
    code = world.last_code()
    # stored as keyed hashes only: neither the code nor the number nor the person
    stored = repr((world.store.challenges, world.store.sends))
    assert code not in stored and "23456789" not in stored and "alice" not in stored
    assert not world.container.phone_verification.is_verified(ALICE.subject, MOBILE_E164)

    assert world.state(ALICE).json == {"verified": False}
    done = world.confirm(ALICE, code)
    assert done.status == 200, done.body
    assert done.json == {"verified": True, "verified_until": "2027-12-01T10:30:00+09:00"}
    # the state the intake form asks for, without a new code: mine, for this number only
    assert world.state(ALICE).json == {"verified": True}
    assert world.state(ALICE, "+82 10 2345 6789").json == {"verified": True}  # however it is written
    assert world.state(BOB).json == {"verified": False} and world.state(ALICE, OTHER_MOBILE).json == {"verified": False}
    assert world.state(ALICE, LANDLINE).json == {"verified": False}
    assert_error(world.state(ALICE, "hello"), 400, "invalid_input")
    assert len(world.notifier.sms) == 1  # asking sent nothing
    assert world.container.phone_verification.is_verified(ALICE.subject, MOBILE_E164)
    assert not world.container.phone_verification.is_verified(BOB.subject, MOBILE_E164)  # per person
    assert_error(world.confirm(ALICE, code), 400, "phone_code_expired")  # used: once
    # leaving forgets the verified number (and any waiting code) with the rest of the person
    world.send(ALICE, OTHER_MOBILE)
    assert world.container.phone_verification.erase(ALICE.subject) == 2
    assert not world.container.phone_verification.is_verified(ALICE.subject, MOBILE_E164)
    assert world.store.challenges == {} and world.store.verified == {}


def test_wrong_codes_spend_attempts_and_the_last_one_ends_the_code(world: World) -> None:
    world.send(ALICE)
    code = world.last_code()
    first = assert_error(world.confirm(ALICE, wrong(code)), 400, "invalid_phone_code")
    assert world.confirm(ALICE, wrong(code)).json["error"]["details"] == {"attempts_left": 3}
    assert "not right" in first["message"]
    assert_error(world.confirm(ALICE, "12ab56"), 400, "invalid_phone_code")  # a malformed guess costs too
    assert_error(world.confirm(ALICE, code, phone=OTHER_MOBILE), 400, "invalid_phone_code")  # another number
    assert world.confirm(ALICE, wrong(code)).json["error"]["details"] == {"attempts_left": 0}
    assert_error(world.confirm(ALICE, code), 400, "phone_code_expired")  # the right one, too late
    assert not world.container.phone_verification.is_verified(ALICE.subject, MOBILE_E164)


def test_parallel_guesses_cannot_exceed_the_attempts(world: World) -> None:
    world.send(ALICE)
    code = world.last_code()
    guesses = [wrong(code)] * 12
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda g: world.confirm(ALICE, g).json["error"]["code"], guesses))
    assert answers.count("invalid_phone_code") == 5 and answers.count("phone_code_expired") == 7
    assert_error(world.confirm(ALICE, code), 400, "phone_code_expired")


def test_a_code_expires_by_the_containers_clock_and_a_new_one_replaces_it(world: World) -> None:
    world.send(ALICE)
    old = world.last_code()
    world.clock[0] = NOW + timedelta(minutes=10)
    assert "10 minutes" in assert_error(world.confirm(ALICE, old), 400, "phone_code_expired")["message"]
    world.send(ALICE)
    new = world.last_code()
    if new != old:
        assert_error(world.confirm(ALICE, old), 400, "invalid_phone_code")  # the earlier code is gone
    assert world.confirm(ALICE, new).status == 200


def test_only_korean_mobile_numbers_get_a_code_in_the_persons_language(world: World) -> None:
    refused = world.send(ALICE, LANDLINE, lang="en")
    assert "mobile" in assert_error(refused, 400, "not_a_mobile")["message"]
    assert_error(world.send(ALICE, "+1 650 253 0000"), 400, "invalid_input")
    assert world.notifier.sms == []
    assert world.send(ALICE, lang="vi").status == 202
    assert "Mã xác nhận" in world.notifier.sms[-1][1]
    # the outbound audit knows the code's SMS in every language, with nothing but the code and minutes
    assert offending_messages([{"text": text} for _, text in world.notifier.sms]) == []
    assert offending_messages([{"text": world.notifier.sms[-1][1] + " 010-2345-6789"}]) != []


def test_codes_are_limited_per_account_and_per_number_per_day(world: World) -> None:
    for _ in range(3):
        assert world.send(ALICE).status == 202
    # a fourth to the same number, from anyone, is refused: nobody floods a third party's phone
    assert_error(world.send(BOB), 429, "too_many_phone_codes")
    assert_error(world.send(ALICE), 429, "too_many_phone_codes")
    assert world.send(ALICE, OTHER_MOBILE).status == 202
    assert_error(world.send(ALICE, "010-5555-6666"), 429, "too_many_phone_codes")  # the account's 5 a day
    assert len(world.notifier.sms) == 4
    world.clock[0] = NOW + timedelta(days=1)  # a new Korean day
    assert world.send(ALICE).status == 202


class _Directory:
    def __init__(self, phone: str) -> None:
        self.phone = phone

    def resident_of(self, consultation_id: str) -> tuple[str, str, str] | None:
        return (self.phone, "ko", ALICE.subject) if consultation_id == "c-1" else None

    def attorney(self, attorney_id: str) -> str:
        return f"contact of {attorney_id}"


def test_with_the_policy_on_resident_sms_go_to_verified_numbers_only(world: World) -> None:
    recipients = VerifiedPhoneRecipients(_Directory(MOBILE_E164), world.container.phone_verification)
    assert recipients.resident("c-1") is None  # typed at intake, never verified: no SMS
    assert recipients.attorney("att-1") == "contact of att-1"  # attorneys' contacts are the roster's
    world.send(ALICE)
    world.confirm(ALICE, world.last_code())
    assert recipients.resident("c-1") == (MOBILE_E164, "ko")
    another = VerifiedPhoneRecipients(_Directory("+821099998888"), world.container.phone_verification)
    assert another.resident("c-1") is None
    world.clock[0] = NOW + timedelta(days=366)  # verified for a year
    assert recipients.resident("c-1") is None


def test_the_container_gates_the_recipients_by_default_and_only_an_explicit_policy_lifts_it() -> None:
    on = Container(Settings.from_env({"MAEUL_STAGE": "local"}))
    off = Container(Settings.from_env({"MAEUL_STAGE": "local",
                                       "MAEUL_POLICY": '{"sms_to_verified_phones_only": false}'}))
    for container in (on, off):  # no AWS here: the directory's own parts are twins
        container.__dict__.update(cipher=LocalFieldCipher(stage="local"),
                                  phone_verification_store=MemoryPhoneVerificationStore())
    assert isinstance(on.recipients, VerifiedPhoneRecipients)
    assert not isinstance(off.recipients, VerifiedPhoneRecipients)

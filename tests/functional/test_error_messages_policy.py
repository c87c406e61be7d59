"""Errors through the app on a stage whose policy has another phone number (``MAEUL_POLICY``): the
message comes from the catalogue in the request's language and gives the policy's number, never the
default one. Phone verification's refusals and the 500 answer are the examples (one through the
error table, one past it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from chalicelib.domain.languages import own_messages
from chalicelib.settings import Policy
from tests.fakes import resident
from tests.phones import MOBILE, phone_verification_app
from tests.phones import PhoneVerificationApp as World
from tests.support import assert_error
from tests.twins.memory_phone import MemoryPhoneVerificationStore

NOW = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # Tuesday 10:30 KST
STAGE_PHONE = "02-9876-5432"
DEFAULT_PHONE = Policy().fallback_phone
ALICE = resident("alice")
LANDLINE = "02-2100-1234"


@pytest.fixture
def world() -> Iterator[World]:
    policy = json.dumps({"fallback_phone": STAGE_PHONE, "phone_code_minutes": 15})
    with phone_verification_app({"MAEUL_POLICY": policy}, NOW) as app:
        yield app


def test_the_stage_policy_has_another_number_and_meta_reports_it(world: World) -> None:
    assert STAGE_PHONE != DEFAULT_PHONE
    assert world.api.get("/api/meta").json["fallback_phone"] == STAGE_PHONE


@pytest.mark.parametrize(("lang", "words"), [("ko", "휴대전화 번호"), ("en", "Korean mobile number")])
def test_a_refusal_in_korean_and_english_gives_the_policys_phone(world: World, lang: str, words: str) -> None:
    error = assert_error(world.send(ALICE, LANDLINE, lang=lang), 400, "not_a_mobile")
    expected = own_messages(lang)["err.phone.not_a_mobile"].format(phone=STAGE_PHONE)
    assert error["message"] == expected and words in expected
    assert DEFAULT_PHONE not in error["message"]
    assert world.notifier.sms == []  # refused: nothing was sent


def test_another_language_says_its_own_sentence_with_the_policys_phone(world: World) -> None:
    error = assert_error(world.send(ALICE, LANDLINE, lang="vi"), 400, "not_a_mobile")
    assert error["message"] == own_messages("vi")["api.error.not_a_mobile"].format(phone=STAGE_PHONE)


@pytest.mark.parametrize(("lang", "minutes"), [("ko", "15분"), ("en", "15 minutes")])
def test_numbers_in_a_message_come_from_the_exception_and_the_policy(world: World, lang: str,
                                                                     minutes: str) -> None:
    # no code was sent: it cannot be used; a new one must be entered within the policy's minutes
    error = assert_error(world.confirm(ALICE, "123456", lang=lang), 400, "phone_code_expired")
    assert minutes in error["message"] and "{" not in error["message"]
    assert world.send(ALICE, MOBILE, lang).status == 202
    [(_, sms)] = world.notifier.sms
    code = next(w for w in sms.split() if w.strip(".").isdigit() and len(w.strip(".")) == 6).strip(".")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = assert_error(world.confirm(ALICE, wrong, lang=lang), 400, "invalid_phone_code")
    assert refused["details"] == {"attempts_left": 4}  # the table's row carries the exception's data
    assert "4" in refused["message"] and "{" not in refused["message"]


@pytest.mark.parametrize(("lang", "words"), [("ko", "문제가 생겼습니다"), ("en", "Something went wrong")])
def test_an_unexpected_error_gives_the_policys_phone(world: World, lang: str, words: str) -> None:
    class BrokenStore(MemoryPhoneVerificationStore):
        def take_send(self, *args: object, **kwargs: object) -> bool:
            raise RuntimeError("secret internal detail")

    world.container.__dict__["phone_verification_store"] = BrokenStore()
    world.container.__dict__.pop("phone_verification", None)  # the service is rebuilt on the broken store
    response = world.send(ALICE, MOBILE, lang)
    error = assert_error(response, 500, "internal_error")
    assert words in error["message"] and STAGE_PHONE in error["message"]
    assert DEFAULT_PHONE not in response.body.decode() and "secret internal detail" not in response.body.decode()


@pytest.mark.parametrize("lang", ["ko", "en", "vi"])
def test_pages_give_the_policys_phone_in_their_footer_and_their_error_texts(world: World, lang: str) -> None:
    page = world.api.get("/consultations/new", headers={**world.auth.headers_for(ALICE), "Cookie": f"lang={lang}"})
    assert page.status == 200
    html = page.body.decode()
    # the documents' "something went wrong" text, written for the browser, and the footer
    failed = own_messages(lang)["docs.err.failed"].format(phone=STAGE_PHONE)
    assert json.dumps(failed)[1:-1] in html  # in the page's JSON for the script (tojson: \u escapes)
    assert f'href="tel:{STAGE_PHONE.replace("-", "")}"' in html
    assert DEFAULT_PHONE not in html and DEFAULT_PHONE.replace("-", "") not in html

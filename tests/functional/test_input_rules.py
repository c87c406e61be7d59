"""Input hardening through the app: JSON nesting depth capped (400, not a 500 RecursionError), and
person-entered text NFC-normalised with text-direction controls, invisible-only text and C0/C1
control characters refused with a message naming the rule (which the page says in the person's
language)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from chalicelib.api.http import MAX_BODY_BYTES, MAX_JSON_DEPTH, json_depth
from chalicelib.web import catalogue
from tests.fakes import resident
from tests.functional.test_intake_api import MINIMAL, World, world  # noqa: F401
from tests.support import assert_error

ALICE = resident("alice")


@pytest.mark.parametrize("shape", ["array", "object"])
def test_a_ten_thousand_deep_body_under_the_size_cap_is_refused_with_400(world: World, shape: str) -> None:
    depth = 10_000 if shape == "array" else 5_000
    raw = ("[" * depth + "]" * depth) if shape == "array" else ('{"a":' * depth + "1" + "}" * depth)
    assert len(raw) < MAX_BODY_BYTES
    response = world.api.post("/api/consultations", raw=raw.encode(),
                              headers={**world.headers(ALICE), "Content-Type": "application/json"})
    error = assert_error(response, 400, "json_too_deep")
    assert f"more than {MAX_JSON_DEPTH} levels" in error["message"]
    assert world.repo.items == {}


def test_the_unsigned_kakao_unlink_callback_with_a_deep_body_answers_401_not_500() -> None:
    from chalicelib.composition import use_container
    from tests.identity_fakes import signin_container
    from tests.support import ApiClient

    use_container(signin_container({}))  # the test's container is put back by the functional conftest
    raw = b'{"user_id":' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    response = ApiClient().post("/auth/kakao/unlink", raw=raw,
                                headers={"Content-Type": "application/json", "Authorization": "KakaoAK wrong"})
    assert_error(response, 401, "invalid_admin_key")


def test_ordinary_nesting_still_passes_and_brackets_inside_strings_do_not_count(world: World) -> None:
    body = {**MINIMAL, "description": "[[[[{{{{ " * 20 + "my employer has not paid me for months."}
    assert json_depth(__import__("json").dumps(body).encode()) == 1
    assert world.submit(ALICE, body).status == 201


def submitted_name(world: World, name: str) -> Any:
    return world.submit(ALICE, {**MINIMAL, "name": name})


def test_names_are_stored_nfc_normalised(world: World) -> None:
    decomposed = unicodedata.normalize("NFD", "홍길동")
    assert decomposed != "홍길동" and len(decomposed) > 3
    created = submitted_name(world, decomposed)
    assert created.status == 201, created.body
    read = world.get(ALICE, f"/api/consultations/{created.json['id']}")
    assert read.json["personal"]["name"] == "홍길동"


@pytest.mark.parametrize("name, rule", [
    ("\u202eevil.exe", "bidi_controls"),      # right-to-left override
    ("Kim\u2067Lee\u2069", "bidi_controls"),  # isolates
    ("\u200f홍길동", "bidi_controls"),         # right-to-left mark
    ("\u200b\u200b", "invisible_text"),        # zero-width spaces only
    ("\u200d\ufeff\u2060", "invisible_text"),  # joiner, BOM, word joiner only
    ("\u0301", "invisible_text"),              # a combining mark alone
    ("Kim\u0085Lee", "control_characters"),    # C1: next line
    ("Kim\u009bLee", "control_characters"),    # C1: control sequence introducer
    ("Kim\x07Lee", "control_characters"),      # C0: bell
])
def test_names_hiding_or_disguising_text_are_refused_naming_the_rule(world: World, name: str, rule: str) -> None:
    error = assert_error(submitted_name(world, name), 400, "invalid_input")
    detail = next(d for d in error["details"] if d["field"] == "name")
    assert detail["type"] == rule
    assert name not in error["message"]  # the input is never echoed
    assert world.repo.items == {}
    # the page says it in the person's language
    for lang in ("ko", "en"):
        assert catalogue(lang)[f"js.err.type.{rule}"]
    assert catalogue("ko")[f"js.err.type.{rule}"] != catalogue("en")[f"js.err.type.{rule}"]


def test_other_short_text_and_descriptions_get_the_same_rules(world: World) -> None:
    error = assert_error(world.submit(ALICE, {**MINIMAL, "employer_name": "\u202eABC"}), 400)
    assert [d["type"] for d in error["details"] if d["field"] == "employer_name"] == ["bidi_controls"]
    error = assert_error(world.submit(ALICE, {**MINIMAL, "description": "I was not paid\u202e for two months at all."}),
                         400)
    assert [d["type"] for d in error["details"] if d["field"] == "description"] == ["bidi_controls"]


def test_ordinary_names_in_many_scripts_and_emoji_sequences_pass(world: World) -> None:
    for name in ("Nguyễn Văn A", "महेश", "Ali ولد", "ឈ្មោះ", "김 민수"):
        assert submitted_name(world, name).status == 201, name
        world.repo.open_counts.clear()
    body = {**MINIMAL, "description": "Family 👩\u200d👩\u200d👧 depends on wages I have not been paid for months."}
    assert world.submit(ALICE, body).status == 201

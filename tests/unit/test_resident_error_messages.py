"""Every error a resident can meet speaks their language: its own catalogue message in each of the
12 languages (not the general sentence with the English text after it), with the fallback phone
filled in."""

from __future__ import annotations

import json

import pytest

from chalicelib.api.errors import localised
from chalicelib.domain.languages import CODES, catalogue_files
from chalicelib.settings import Policy

FALLBACK_PHONE = Policy().fallback_phone

# the codes a resident's pages (form, status, slots, room, documents, sign-in) can receive
RESIDENT_CODES = (
    "attachment_busy", "attachment_not_uploaded", "attachment_too_large", "attachment_type_not_allowed",
    "too_many_attachments", "consultation_closed", "not_participant", "not_started", "not_connected",
    "not_withdrawable", "not_holdable", "invalid_slot", "outside_service_windows", "illegal_transition",
    "too_many_booking_changes", "too_many_new_requests", "too_many_requests", "too_many_attempts",
    "payload_too_large", "unsupported_media_type", "json_too_deep", "idempotency_key_required",
    "invalid_idempotency_key", "invalid_cursor",
    # written before this round
    "not_correctable", "changed_meanwhile",
    "not_bookable", "slot_taken", "too_late_to_cancel", "too_many_open_consultations", "room_closed",
)


def own_keys(code: str) -> set[str]:
    keys: set[str] = set()
    for path in catalogue_files(code):
        keys |= set(json.loads(path.read_text(encoding="utf-8")))
    return keys


@pytest.mark.parametrize("lang", CODES)
def test_every_resident_error_has_its_own_message_in_every_language(lang: str) -> None:
    missing = [c for c in RESIDENT_CODES if f"api.error.{c}" not in own_keys(lang)]
    assert missing == []


@pytest.mark.parametrize("lang", [c for c in CODES if c != "en"])
def test_the_message_replaces_the_english_one_and_names_the_phone(lang: str) -> None:
    english = "This request can no longer be withdrawn: it is already closed ('completed')."
    text = localised(409, "not_withdrawable", english, lang)
    assert english not in text and FALLBACK_PHONE in text and "{" not in text
    # a code without a message of its own still gets the general sentence (with the English detail)
    assert english in localised(409, "no_such_code", english, lang)


STAFF_CODES = ("second_factor_required", "step_up_required", "not_enrolled", "attorney_exists", "invalid_invite",
               "not_assignable", "not_on_roster", "offer_unavailable", "outcome_recorded")


@pytest.mark.parametrize("code", STAFF_CODES)
def test_the_staff_consoles_errors_are_in_korean(code: str) -> None:
    english = "An English sentence from the code."
    text = localised(409, code, english, "ko")
    assert english not in text and text == own_messages_ko()[f"adm.error.{code}"]


def own_messages_ko() -> dict[str, str]:
    messages: dict[str, str] = {}
    for path in catalogue_files("ko"):
        messages.update(json.loads(path.read_text(encoding="utf-8")))
    return messages

"""Every resident message template against the channel's rules (Kakao 알림톡 and its SMS/LMS
fallback through SENS): lengths, variables, buttons on our own domain, every event in every
language."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest

from chalicelib.domain import message_templates as mt

BASE = "https://maeul.example"
# the longest value each variable can take in practice (a 36-character consultation id in a link)
LONGEST = {
    "receipt": "2612-000042",
    "when": mt.format_time(datetime(2026, 12, 30, 7, 30, tzinfo=timezone.utc), "ko"),
    "cutoff": mt.format_time(datetime(2026, 12, 30, 5, 30, tzinfo=timezone.utc), "en"),
    "method": "video consultation",
    "callback": "031-8030-4541",
    "minutes": "120",
    "attorney": "남궁민수",
    "outcome": mt.word("en", "outcome.state_representation_referral"),
    "next_step": mt.word("en", "next.state_representation_referral"),
    "link": f"{BASE}/consultations/0f8fad5b-d9cb-469f-a165-70867728950e",
}


def test_every_event_has_a_template_in_korean_and_english() -> None:
    assert {"ko", "en"} <= set(mt.languages())
    for language in mt.languages():
        assert set(mt.catalogue(language).templates) == set(mt.ResidentEvent), language


@pytest.mark.parametrize("template", mt.all_templates(), ids=lambda t: t.code)
def test_template_obeys_the_channel_rules(template: mt.Template) -> None:
    assert re.fullmatch(r"[A-Z0-9_]{1,30}", template.code)
    assert template.variables <= mt.VARIABLES.keys(), "a variable without a rule"
    assert "link" in template.variables, "every message links to its page"
    message = mt.render(template.event, template.language, LONGEST)
    assert len(message.text) <= mt.ALIMTALK_MAX_CHARS
    assert mt.sms_bytes(message.text) <= mt.LMS_MAX_BYTES
    assert message.text.encode("cp949")  # the SMS fallback can carry every character
    assert mt.sms_bytes(message.sms_subject) <= mt.LMS_SUBJECT_MAX_BYTES
    assert "#{" not in message.text
    assert 1 <= len(message.buttons) <= mt.MAX_BUTTONS
    for button in message.buttons:
        assert len(button.name) <= mt.BUTTON_NAME_MAX_CHARS
        assert urlsplit(button.url).netloc == urlsplit(BASE).netloc, "a button leaves our domain"
    assert any(re.fullmatch(p, message.text) for p in mt.text_patterns())


def test_template_codes_are_unique() -> None:
    codes = [t.code for t in mt.all_templates()]
    assert len(codes) == len(set(codes))


def test_a_missing_variable_or_free_text_is_refused() -> None:
    with pytest.raises(mt.TemplateError, match="receipt"):
        mt.render(mt.ResidentEvent.REQUEST_RECEIVED, "ko", {"link": LONGEST["link"]})
    with pytest.raises(mt.TemplateError):  # a phone number where a receipt number goes
        mt.render(mt.ResidentEvent.REQUEST_RECEIVED, "ko", {"link": LONGEST["link"], "receipt": "010-1234-5678"})
    with pytest.raises(mt.TemplateError):  # a description where the attorney's display name goes
        mt.render(mt.ResidentEvent.REALTIME_ACCEPTED, "en",
                  {"link": LONGEST["link"], "attorney": "my boss has not paid me for six months"})


def test_sms_or_lms_by_euc_kr_bytes_and_unknown_languages_get_korean() -> None:
    short = mt.render(mt.ResidentEvent.SURVEY, "en", {"link": "https://m.example/s"})
    assert mt.sms_bytes(short.text) <= 90 and short.sms_type == "SMS"
    korean = mt.render(mt.ResidentEvent.SURVEY, "ko", {"link": LONGEST["link"]})
    assert mt.sms_bytes(korean.text) > 90 and korean.sms_type == "LMS"
    assert mt.sms_bytes("가") == 2 and mt.sms_bytes("a") == 1
    vietnamese = mt.render(mt.ResidentEvent.SURVEY, "vi", {"link": LONGEST["link"]})
    assert vietnamese.language == "ko" and vietnamese.code == "MAEUL_SURVEY_KO"


def test_only_real_time_messages_are_urgent() -> None:
    urgent = {e for e in mt.ResidentEvent if mt.render(e, "ko", LONGEST).urgent}
    assert urgent == {mt.ResidentEvent.REALTIME_ACCEPTED, mt.ResidentEvent.REALTIME_ACCEPTED_PHONE,
                      mt.ResidentEvent.NO_ATTORNEY_NOW}

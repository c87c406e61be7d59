"""Every message template (the residents' in every language, the attorneys' alerts) against the
channel's rules (Kakao 알림톡 and its SMS/LMS fallback through SENS): lengths, variables, buttons
on our own domain, every event in every language, bytes counted as the carriers count them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from chalicelib.domain import languages
from chalicelib.domain import message_templates as mt

BASE = "https://maeul.example"
# the longest value each variable can take in practice (a 36-character consultation id in a link)
LONGEST = {
    "receipt": "2612-000042",
    "when": mt.format_time(datetime(2026, 12, 30, 7, 30, tzinfo=UTC), "ko"),
    "cutoff": mt.format_time(datetime(2026, 12, 30, 5, 30, tzinfo=UTC), "en"),
    "method": "video consultation",
    "callback": "031-8030-4541",
    "minutes": "120",
    "attorney": "남궁민수",
    "outcome": mt.word("en", "outcome.state_representation_referral"),
    "next_step": mt.word("en", "next.state_representation_referral"),
    "deadline": "23:59",
    "link": f"{BASE}/consultations/0f8fad5b-d9cb-469f-a165-70867728950e",
}
LATE_MAY = datetime(2027, 5, 26, 10, 30, tzinfo=UTC)  # Wednesday 19:30 KST: long names


def longest(language: str) -> dict[str, str]:
    """The longest values in ``language`` itself: its own time format, method and outcome words."""
    values = dict(LONGEST, when=mt.format_time(LATE_MAY, language), cutoff=mt.format_time(LATE_MAY, language))
    words = mt.catalogue(language).words
    if words:
        values["method"] = max((words[k] for k in words if k.startswith("method.")), key=len)
        outcome = max((k.split(".", 1)[1] for k in words if k.startswith("outcome.")),
                      key=lambda o: len(words[f"outcome.{o}"]) + len(words[f"next.{o}"]))
        values["outcome"], values["next_step"] = words[f"outcome.{outcome}"], words[f"next.{outcome}"]
    return values


def rendered(template: mt.Template) -> mt.OutboundMessage:
    if isinstance(template.event, mt.AttorneyEvent):
        return mt.render_attorney(template.event, template.language, longest(template.language))
    return mt.render(template.event, template.language, longest(template.language))


def test_every_event_has_a_template_in_every_language() -> None:
    assert set(mt.languages()) == set(languages.CODES)
    for language in mt.languages():
        cat = mt.catalogue(language)
        assert cat.language == language
        assert set(cat.templates) == set(mt.ResidentEvent), language
        assert set(cat.words) == set(mt.catalogue("ko").words), language
    assert set(mt.attorney_languages()) == {"ko", "en"}  # an attorney's alert language (e-mail and phone)
    for language in mt.attorney_languages():
        assert set(mt.attorney_catalogue(language).templates) == set(mt.AttorneyEvent), language


def test_translations_say_something_of_their_own() -> None:
    """A translation is not the Korean or English text left in place."""
    for language in mt.languages():
        if language in ("ko", "en"):
            continue
        for event, template in mt.catalogue(language).templates.items():
            assert template.text != mt.catalogue("en").templates[event].text, (language, event)
            assert template.text != mt.catalogue("ko").templates[event].text, (language, event)
            assert template.code.endswith("_" + language.upper().replace("KO-X-", "")), template.code


@pytest.mark.parametrize("template", mt.all_templates(), ids=lambda t: t.code)
def test_template_obeys_the_channel_rules(template: mt.Template) -> None:
    assert re.fullmatch(r"[A-Z0-9_]{1,30}", template.code)
    assert template.variables <= mt.VARIABLES.keys(), "a variable without a rule"
    assert "link" in template.variables, "every message links to its page"
    message = rendered(template)
    assert len(message.text) <= mt.ALIMTALK_MAX_CHARS
    assert mt.sms_bytes(message.text) <= mt.LMS_MAX_BYTES
    try:
        euc_kr = len(message.text.encode("cp949"))
    except UnicodeEncodeError:  # a script EUC-KR lacks: UCS-2, two bytes a character, so always LMS
        assert mt.sms_bytes(message.text) == 2 * len(message.text.encode("utf-16-be")) // 2
        assert message.sms_type == "LMS"
    else:
        assert mt.sms_bytes(message.text) == euc_kr
        assert message.sms_type == ("SMS" if euc_kr <= mt.SMS_MAX_BYTES else "LMS")
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


def test_bytes_and_segments_as_the_carriers_count_them() -> None:
    assert mt.sms_bytes("가a") == 3  # EUC-KR: Hangul two bytes, Latin one
    assert mt.sms_bytes("ก") == 2 and mt.sms_bytes("Tiếng") == 10  # UCS-2 for Thai, Vietnamese letters
    assert mt.sms_bytes("😀") == 4  # outside the BMP: a surrogate pair
    thai = mt.render(mt.ResidentEvent.SURVEY, "th", {"link": "https://m.example/s"})
    assert len(thai.text) < 90 and thai.sms_type == "LMS"  # under 90 characters, over 90 bytes
    assert mt.sms_segments("a" * 160) == 1 and mt.sms_segments("a" * 161) == 2
    assert mt.sms_segments("가" * 70) == 1 and mt.sms_segments("가" * 71) == 2
    assert mt.sms_segments("가" * 135) == 3


def test_attorney_alerts_render_in_their_alert_language() -> None:
    values = {"link": f"{BASE}/attorney", "deadline": "14:05"}
    ko = mt.render_attorney(mt.AttorneyEvent.OFFER, "ko", values)
    en = mt.render_attorney(mt.AttorneyEvent.OFFER, "en", values)
    assert ko.code == "MAEUL_ATT_OFFER_KO" and "14:05까지" in ko.text and ko.text.endswith(values["link"])
    assert en.code == "MAEUL_ATT_OFFER_EN" and "by 14:05" in en.text
    assert mt.render_attorney(mt.AttorneyEvent.OFFER, "vi", values).code == "MAEUL_ATT_OFFER_KO"
    assert not ko.urgent  # quiet hours are the residents'; an attorney on duty is alerted at once
    with pytest.raises(mt.TemplateError):  # free text where a time goes
        mt.render_attorney(mt.AttorneyEvent.OFFER, "ko", {**values, "deadline": "call 010-1234-5678"})


def test_sms_or_lms_by_euc_kr_bytes_and_unknown_languages_get_korean() -> None:
    short = mt.render(mt.ResidentEvent.SURVEY, "en", {"link": "https://m.example/s"})
    assert mt.sms_bytes(short.text) <= 90 and short.sms_type == "SMS"
    korean = mt.render(mt.ResidentEvent.SURVEY, "ko", {"link": LONGEST["link"]})
    assert mt.sms_bytes(korean.text) > 90 and korean.sms_type == "LMS"
    assert mt.sms_bytes("가") == 2 and mt.sms_bytes("a") == 1
    vietnamese = mt.render(mt.ResidentEvent.SURVEY, "vi", {"link": LONGEST["link"]})
    assert vietnamese.language == "vi" and vietnamese.code == "MAEUL_SURVEY_VI"
    unknown = mt.render(mt.ResidentEvent.SURVEY, "xx", {"link": LONGEST["link"]})
    assert unknown.language == "ko" and unknown.code == "MAEUL_SURVEY_KO"


def test_only_real_time_messages_are_urgent() -> None:
    urgent = {e for e in mt.ResidentEvent if mt.render(e, "ko", LONGEST).urgent}
    assert urgent == {mt.ResidentEvent.REALTIME_ACCEPTED, mt.ResidentEvent.REALTIME_ACCEPTED_PHONE,
                      mt.ResidentEvent.NO_ATTORNEY_NOW}

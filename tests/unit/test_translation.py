"""When a chat message is machine-translated, and which way (pure rules, no server)."""

from __future__ import annotations

import pytest

from chalicelib.domain import languages
from chalicelib.domain.translation import (
    MACHINE_CODES,
    Direction,
    Translation,
    can_translate,
    direction,
    needs_translation,
)


def test_a_thread_is_translated_only_between_people_who_share_no_language() -> None:
    assert needs_translation("vi", attorney_speaks_it=False)
    assert not needs_translation("vi", attorney_speaks_it=True)  # matched with a Vietnamese-speaking attorney
    assert not needs_translation("ko", attorney_speaks_it=False)
    assert not needs_translation("ko-x-easy", attorney_speaks_it=False)  # easy Korean is Korean


@pytest.mark.parametrize("lang", [c for c in languages.CODES if c not in ("ko", "ko-x-easy")])
def test_each_language_either_goes_both_ways_through_korean_or_has_no_machine_translator(lang: str) -> None:
    if lang in ("ne", "km", "my"):  # not in Amazon Translate: the interpreter lines instead
        assert not can_translate(lang) and direction(lang, from_resident=True) is None
        return
    assert direction(lang, from_resident=True) == Direction(lang, "ko")
    assert direction(lang, from_resident=False) == Direction("ko", lang)


def test_our_codes_map_to_amazons_and_a_translation_survives_sealing() -> None:
    assert MACHINE_CODES["fil"] == "tl" and MACHINE_CODES["ko-x-easy"] == "ko"
    assert set(MACHINE_CODES) <= set(languages.CODES)
    t = Translation("[vi→ko] xin chào", "vi", "ko")
    assert Translation.from_sealed(t.to_sealable()) == t and t.machine
    assert Translation.from_sealed(None) is None and Translation.from_sealed({"text": 3}) is None

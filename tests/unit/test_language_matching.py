"""Matching by language: a speaker first (fairly among speakers), else an interpreter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.attorneys import Attorney, InvalidAttorneyError
from chalicelib.domain.matching import (
    AssignmentMode,
    AttorneyLoad,
    ConsultationFacts,
    choose,
    manual_assignment,
    ranked,
)

NOW = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # Tuesday 10:30 KST
ANYONE = {"programme_cap": 100, "available": lambda _a: True}


def att(aid: str, region: str = "suwon", languages: tuple[str, ...] = ()) -> Attorney:
    return Attorney(id=aid, display_name=aid, categories=frozenset({"wage_arrears"}),
                    regions=frozenset({region}), languages=frozenset(languages))


def facts(language: str, cid: str = "c-1") -> ConsultationFacts:
    return ConsultationFacts(cid, "wage_arrears", "suwon", AssignmentMode.REALTIME, language)


def loads(**counts: int) -> dict[str, AttorneyLoad]:
    return {a: AttorneyLoad(a, 2026, assignments_this_year=n) for a, n in counts.items()}


def test_a_speaker_is_chosen_even_with_a_heavier_load() -> None:
    pool = [att("a"), att("b", languages=("vi",)), att("c")]
    chosen = choose(facts("vi"), pool, loads(a=0, b=9, c=0), NOW, **ANYONE)
    assert chosen.attorney_id == "b"
    assert chosen.reason.language == "vi" and chosen.reason.interpreter_needed is False
    assert chosen.reason.as_dict()["interpreter_needed"] is False


def test_among_speakers_the_usual_fairness_decides() -> None:
    pool = [att("a", languages=("zh",)), att("b", languages=("zh", "vi")), att("c")]
    assert choose(facts("zh"), pool, loads(a=5, b=2, c=0), NOW, **ANYONE).attorney_id == "b"
    assert choose(facts("zh"), pool, loads(a=1, b=2, c=0), NOW, **ANYONE).attorney_id == "a"
    assert [r.attorney_id for r in ranked(facts("zh"), pool, loads(a=5, b=2, c=0), NOW, **ANYONE)] == ["b", "a"]


def test_a_speaker_further_away_beats_a_neighbour_who_does_not_speak_it() -> None:
    pool = [att("near"), att("far", region="yeoncheon", languages=("ne",))]
    assert choose(facts("ne"), pool, {}, NOW, **ANYONE).attorney_id == "far"
    assert choose(facts("ko"), pool, {}, NOW, **ANYONE).attorney_id == "near"


def test_without_a_speaker_the_usual_choice_with_an_interpreter() -> None:
    pool = [att("a"), att("b", languages=("vi",))]
    chosen = choose(facts("km"), pool, loads(a=3, b=1), NOW, **ANYONE)
    assert chosen.attorney_id == "b" and chosen.reason.interpreter_needed is True
    # an unavailable speaker does not count
    busy_speaker = choose(facts("vi"), pool, loads(a=3, b=1), NOW, programme_cap=100,
                          available=lambda a: a.id != "b")
    assert busy_speaker.attorney_id == "a" and busy_speaker.reason.interpreter_needed is True


@pytest.mark.parametrize("language", ["ko", "ko-x-easy"])
def test_every_attorney_speaks_korean_and_easy_korean(language: str) -> None:
    chosen = choose(facts(language), [att("a"), att("b")], loads(a=2, b=1), NOW, **ANYONE)
    assert chosen.attorney_id == "b" and chosen.reason.interpreter_needed is False


def test_a_manual_assignment_says_whether_an_interpreter_is_needed() -> None:
    manual = ConsultationFacts("c-1", "wage_arrears", "suwon", AssignmentMode.MANUAL, "th")
    assert manual_assignment(manual, att("a"), None, NOW, programme_cap=100, note="only one free").reason \
        .interpreter_needed is True
    assert manual_assignment(manual, att("a", languages=("th",)), None, NOW, programme_cap=100,
                             note="speaks Thai").reason.interpreter_needed is False


def test_an_attorney_lists_only_languages_maeul_speaks() -> None:
    with pytest.raises(InvalidAttorneyError, match="unknown_languages"):
        att("a", languages=("fr",))
    assert att("a", languages=("ko", "vi")).languages == frozenset({"vi"})  # Korean goes without saying

"""The languages Maeul speaks: one list, complete catalogues, negotiation, dates and SMS in each."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.domain import languages
from chalicelib.domain.bookings import how_it_happens
from chalicelib.domain.categories import Method, Mode, category_name, label
from chalicelib.domain.consultations import Language
from chalicelib.domain.languages import (
    CATALOGUE_DIR,
    CODES,
    LANGUAGES,
    WHEN_FIELDS,
    catalogue_files,
    choose,
    match,
    may_be_left_out,
    negotiate,
    own_messages,
)
from chalicelib.domain.notifications import RESIDENT_KINDS, MessageKind, render, template_patterns

# Catalogues written on another line of work; until they arrive a missing folder is skipped (an
# existing one is checked in full). Empty this set once every folder is in.
AWAITING_CATALOGUE: set[str] = set()
PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")
WHEN = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # Wednesday 10:00 KST
LINK = "https://maeul.example/consultations/abc"


def _present(code: str) -> None:
    if not (Path(CATALOGUE_DIR) / code).is_dir():
        if code in AWAITING_CATALOGUE:
            pytest.skip(f"the {code} catalogue has not arrived yet")
        pytest.fail(f"no catalogue folder for {code}: chalicelib/web/i18n/{code}/")


def test_the_list_has_every_language_the_programme_promises_once() -> None:
    assert set(CODES) == {"ko", "ko-x-easy", "en", "vi", "zh", "ne", "km", "th", "id", "uz", "fil", "my"}
    assert len(CODES) == len(set(CODES)) and CODES[0] == languages.DEFAULT
    assert len({lang.name for lang in LANGUAGES}) == len(LANGUAGES)
    assert {lang.code for lang in LANGUAGES if lang.fallback not in CODES} == set()
    # the consultation's language is the same list
    assert [m.value for m in Language] == list(CODES)
    assert Language.KO_X_EASY.value == "ko-x-easy"


def catalogue_problems(code: str) -> list[str]:
    """What is wrong with ``code``'s catalogue against the Korean one (empty: nothing)."""
    reference = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in catalogue_files("ko")}
    mine = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in catalogue_files(code)}
    # a file of console texts or detailed error messages only may be left to the fallback whole
    needed = {name for name, ko in reference.items() if not all(may_be_left_out(k) for k in ko)}
    assert needed <= set(mine) <= set(reference), f"{code} must have the same files as ko"
    problems = []
    for name, ko in reference.items():
        if name not in mine:
            continue
        for key in set(mine[name]) - set(ko):
            problems.append(f"{name}: {key} is not a Korean key (renamed or stale?)")
        for key, ko_text in ko.items():
            text = mine[name].get(key)
            if text is None:
                if not may_be_left_out(key):
                    problems.append(f"{name}: {key} is missing")
                continue
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{name}: {key} is empty")
                continue
            found = set(PLACEHOLDER.findall(text))
            if key.startswith("when."):
                if found - WHEN_FIELDS:
                    problems.append(f"{name}: {key} uses {sorted(found - WHEN_FIELDS)}")
            elif found != set(PLACEHOLDER.findall(ko_text)):
                problems.append(f"{name}: {key} has {sorted(found)}, Korean has "
                                f"{sorted(PLACEHOLDER.findall(ko_text))}")
    own = own_messages(code)
    if len(own["when.weekdays"].split(",")) != 7 or len(own["when.months"].split(",")) != 12:
        problems.append("when.weekdays needs 7 names and when.months 12, comma-separated")
    return problems


@pytest.mark.parametrize("code", [c for c in CODES if c != "ko"])
def test_every_catalogue_has_every_key_with_the_same_placeholders(code: str) -> None:
    _present(code)
    assert catalogue_problems(code) == []


def test_a_key_missing_or_a_placeholder_changed_is_caught(tmp_path, monkeypatch) -> None:
    """The check above really fails: a copy of the vi catalogue with one key dropped and one
    placeholder renamed."""
    for path in catalogue_files("ko"):
        (tmp_path / "ko").mkdir(exist_ok=True)
        (tmp_path / "ko" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "vi"
    broken.mkdir()
    for path in catalogue_files("vi"):
        data = json.loads(path.read_text(encoding="utf-8"))
        if path.name == "common.json":
            data.pop("landing.what.title")
            data["landing.hours.next"] = data["landing.hours.next"].replace("{when}", "{time}")
        (broken / path.name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(languages, "CATALOGUE_DIR", tmp_path)
    assert catalogue_problems("vi") == ["common.json: landing.what.title is missing",
                                        "common.json: landing.hours.next has ['time'], Korean has ['when']"]


@pytest.mark.parametrize(("tag", "code"), [
    ("ko-KR", "ko"), ("ko", "ko"), ("zh-CN", "zh"), ("zh-Hans-CN", "zh"), ("zh", "zh"), ("zh-TW", None),
    ("zh-Hant", None), ("vi-VN", "vi"), ("en-US", "en"), ("fil-PH", "fil"), ("tl", "fil"),
    ("uz-Latn-UZ", "uz"),
    ("uz-Cyrl", None), ("my-MM", "my"), ("km-KH", "km"), ("ne-NP", "ne"), ("th-TH", "th"), ("id-ID", "id"),
    ("ko-x-easy", "ko-x-easy"), ("KO-X-EASY", "ko-x-easy"), ("fr-FR", None), ("*", None), ("", None),
])
def test_a_tag_matches_our_language(tag: str, code: str | None) -> None:
    assert match(tag) == code


@pytest.mark.parametrize(("header", "code"), [
    ("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7", "vi"),
    ("fr-FR,fr;q=0.9,zh-CN;q=0.8,en;q=0.5", "zh"),       # the first one we speak, by q
    ("en;q=0.4, ne;q=0.8", "ne"),                          # q, not order, decides
    ("th, km", "th"),                                      # equal q: the order given
    ("ko-KR;q=0, ko;q=0.5, en;q=0.1", "en"),              # ko refused outright
    ("de-DE, fr", None),
    ("zh-TW,zh-HK;q=0.9", None),
    ("vi;q=abc, en;q=0.2", "en"),                          # a broken q counts as 0
    ("", None),
])
def test_accept_language_is_negotiated_by_q_value(header: str, code: str | None) -> None:
    assert negotiate(header) == code


def test_the_explicit_choice_beats_the_account_which_beats_the_cookie_which_beats_the_header() -> None:
    assert choose(chosen="th", account="vi", cookie="zh", accept_language="ne") == "th"
    assert choose(account="vi", cookie="zh", accept_language="ne") == "vi"
    assert choose(cookie="zh", accept_language="ne") == "zh"
    assert choose(accept_language="ne-NP") == "ne"
    assert choose(cookie="xx", accept_language="fr") == "ko"  # unknown values are ignored


def test_dates_are_written_the_way_each_language_writes_them() -> None:
    local = datetime(2026, 12, 2, 10, 0)
    assert languages.when(local, "ko") == "12월 2일(수) 10:00"
    assert languages.when(local, "en") == "Wed 02 Dec 10:00"
    assert languages.when(local, "en", "page") == "2026-12-02 10:00"
    assert languages.when(local, "vi") == "10:00 T4 02/12"
    assert languages.when(local, "zh") == "12月2日(周三) 10:00"
    assert languages.when(local, "ko-x-easy", "page") == "12월 2일 수요일 10:00"


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("kind", RESIDENT_KINDS)
def test_every_resident_message_exists_in_every_language_and_passes_the_outbound_audit(code, kind) -> None:
    _present(code)
    text = render(kind, LINK, when=WHEN, lang=code, phone="02-1234-5678").text
    assert LINK in text and "{" not in text
    assert any(re.fullmatch(p, text) for p in template_patterns()), text


def test_residents_get_their_own_language_and_attorneys_korean() -> None:
    assert render(MessageKind.REMINDER, LINK, when=WHEN, lang="vi").text == \
        f"[Maeul] Bạn có buổi tư vấn lúc 10:00 T4 02/12. {LINK}"
    assert "12月2日(周三) 10:00" in render(MessageKind.BOOKING, LINK, when=WHEN, lang="zh").text
    assert render(MessageKind.OFFER, LINK, deadline=WHEN, lang="vi").text.startswith("[마을노무사]")
    assert render(MessageKind.REMINDER, LINK, when=WHEN, lang="xx").text.startswith("[마을노무사]")


def test_the_outbound_audit_still_refuses_a_message_with_something_personal_in_it() -> None:
    leaked = render(MessageKind.REMINDER, LINK, when=WHEN, lang="vi").text.replace("T4", "Nguyễn Văn A")
    assert not any(re.fullmatch(p, leaked) for p in template_patterns())


def test_labels_and_how_it_happens_come_from_each_catalogue() -> None:
    assert label(Method.CHAT, "vi") == "Tư vấn qua tin nhắn"
    assert label(Mode.REALTIME, "zh") == "实时咨询"
    assert category_name("wage_arrears", "ko-x-easy") == "월급을 못 받음 (임금체불)"
    assert category_name("wage_arrears", "ko") == "임금체불"
    assert how_it_happens(Method.PHONE, "zh", "031-8030-4541").startswith("到了预约时间")
    assert how_it_happens(Method.PHONE, "vi", "031-8030-4541").endswith("(Hỏi đáp: 031-8030-4541)")
    with pytest.raises(languages.UnknownLanguageError):
        label(Method.CHAT, "fr")

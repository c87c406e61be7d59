"""Consultation category, method and mode tests."""

from __future__ import annotations

import pytest

from chalicelib.domain.categories import (
    CATEGORIES,
    CATEGORY_CODES,
    Category,
    Method,
    Mode,
    UnknownCategoryError,
    category_by_code,
    is_category,
    label,
)


def test_category_table() -> None:
    assert [c.code for c in CATEGORIES] == [
        "wage_arrears",
        "dismissal",
        "industrial_accident",
        "workplace_harassment",
        "working_conditions",
        "severance_insurance",
        "other",
    ]
    assert len(CATEGORY_CODES) == len(CATEGORIES)


@pytest.mark.parametrize(
    ("code", "name_ko", "share"),
    [
        ("wage_arrears", "임금체불", 43),
        ("dismissal", "해고·징계", 16),
        ("industrial_accident", "산업재해", 9),
        ("workplace_harassment", "직장 내 괴롭힘", None),
        ("working_conditions", "근로계약·근로시간·휴가", None),
        ("severance_insurance", "퇴직금·사회보험", None),
        ("other", "기타", None),
    ],
)
def test_category_values(code: str, name_ko: str, share: int | None) -> None:
    cat = category_by_code(code)
    assert cat.name_ko == name_ko
    assert cat.share_percent == share
    assert cat.name_en


def test_published_shares_do_not_exceed_100() -> None:
    assert sum(c.share_percent or 0 for c in CATEGORIES) <= 100


def test_category_is_frozen() -> None:
    with pytest.raises(AttributeError):
        CATEGORIES[0].share_percent = 50  # type: ignore[misc]
    assert isinstance(CATEGORIES[0], Category)


def test_is_category() -> None:
    assert is_category("dismissal")
    assert not is_category("Dismissal")
    assert not is_category("")
    assert not is_category(None)


def test_unknown_category_error() -> None:
    with pytest.raises(UnknownCategoryError) as exc:
        category_by_code("tax")
    assert isinstance(exc.value, ValueError)
    assert "'tax'" in str(exc.value) and "wage_arrears" in str(exc.value)


def test_method_enum() -> None:
    assert [m.value for m in Method] == ["chat", "video", "phone"]
    assert Method("video") is Method.VIDEO
    assert Method.CHAT == "chat"
    assert f"{Method.PHONE}" == "phone"
    with pytest.raises(ValueError):
        Method("fax")


def test_mode_enum() -> None:
    assert [m.value for m in Mode] == ["realtime", "reservation"]
    assert Mode("reservation") is Mode.RESERVATION
    assert Mode.REALTIME == "realtime"


@pytest.mark.parametrize(
    ("member", "ko", "en"),
    [
        (Method.CHAT, "메신저 상담", "Chat consultation"),
        (Method.VIDEO, "화상 상담", "Video consultation"),
        (Method.PHONE, "전화 상담", "Phone consultation"),
        (Mode.REALTIME, "실시간 상담", "Real-time consultation"),
        (Mode.RESERVATION, "예약 상담", "Reserved consultation"),
    ],
)
def test_labels(member: Method | Mode, ko: str, en: str) -> None:
    assert member.label_ko == ko
    assert member.label_en == en
    assert label(member) == ko
    assert label(member, "en") == en


def test_label_rejects_unknown_language() -> None:
    with pytest.raises(ValueError):
        label(Method.CHAT, "fr")  # type: ignore[arg-type]

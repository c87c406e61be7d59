"""Consultation categories, methods (메신저/화상/전화) and modes (실시간/예약)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

__all__ = [
    "CATEGORIES",
    "CATEGORY_CODES",
    "Category",
    "Method",
    "Mode",
    "UnknownCategoryError",
    "category_by_code",
    "is_category",
    "label",
]

Lang = Literal["ko", "en"]


class UnknownCategoryError(ValueError):
    """Raised when a category code is not a known consultation category."""


@dataclass(frozen=True, slots=True)
class Category:
    """A consultation category.

    ``share_percent`` is the category's published share of consultations,
    or ``None`` where no figure is published.
    """

    code: str
    name_ko: str
    name_en: str
    share_percent: int | None


CATEGORIES: tuple[Category, ...] = (
    Category("wage_arrears", "임금체불", "Wage arrears", 43),
    Category("dismissal", "해고·징계", "Dismissal and discipline", 16),
    Category("industrial_accident", "산업재해", "Industrial accident", 9),
    Category("workplace_harassment", "직장 내 괴롭힘", "Workplace harassment", None),
    Category(
        "working_conditions",
        "근로계약·근로시간·휴가",
        "Employment contract, working hours and leave",
        None,
    ),
    Category(
        "severance_insurance",
        "퇴직금·사회보험",
        "Severance pay and social insurance",
        None,
    ),
    Category("other", "기타", "Other", None),
)

_BY_CODE: Mapping[str, Category] = MappingProxyType({c.code: c for c in CATEGORIES})

CATEGORY_CODES: frozenset[str] = frozenset(_BY_CODE)


def is_category(code: object) -> bool:
    """True if ``code`` is a known category code (exact match)."""
    return isinstance(code, str) and code in _BY_CODE


def category_by_code(code: str) -> Category:
    """Return the category for ``code`` or raise :class:`UnknownCategoryError`."""
    if not is_category(code):
        raise UnknownCategoryError(
            f"unknown consultation category {code!r}; expected one of: "
            f"{', '.join(c.code for c in CATEGORIES)}"
        )
    return _BY_CODE[code]


class _Labelled:
    """Display labels of an enum's members, from ``_LABELS``."""

    @property
    def label_ko(self) -> str:
        """Korean display label."""
        return _LABELS[self][0]  # type: ignore[index]

    @property
    def label_en(self) -> str:
        """English display label."""
        return _LABELS[self][1]  # type: ignore[index]


class Method(_Labelled, StrEnum):
    """How the consultation is conducted."""

    CHAT = "chat"
    VIDEO = "video"
    PHONE = "phone"


class Mode(_Labelled, StrEnum):
    """When the consultation happens: now, or at a booked slot."""

    REALTIME = "realtime"
    RESERVATION = "reservation"


# (Korean, English) display labels.
_LABELS: Mapping[Method | Mode, tuple[str, str]] = MappingProxyType(
    {
        Method.CHAT: ("메신저 상담", "Chat consultation"),
        Method.VIDEO: ("화상 상담", "Video consultation"),
        Method.PHONE: ("전화 상담", "Phone consultation"),
        Mode.REALTIME: ("실시간 상담", "Real-time consultation"),
        Mode.RESERVATION: ("예약 상담", "Reserved consultation"),
    }
)


def label(value: Method | Mode, lang: Lang = "ko") -> str:
    """Display label of a method or mode in ``lang`` ("ko" or "en")."""
    if lang not in ("ko", "en"):
        raise ValueError(f"unsupported language {lang!r}; expected 'ko' or 'en'")
    ko, en = _LABELS[value]
    return ko if lang == "ko" else en

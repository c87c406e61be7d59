"""Consultation categories, methods (메신저/화상/전화) and modes (실시간/예약)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from chalicelib.domain import languages

__all__ = [
    "CATEGORIES",
    "CATEGORY_CODES",
    "Category",
    "Method",
    "Mode",
    "UnknownCategoryError",
    "category_by_code",
    "category_name",
    "is_category",
    "label",
]

Lang = str  # a code of ``languages.LANGUAGES``


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


def _category(code: str, share_percent: int | None) -> Category:
    return Category(code, languages.text("ko", f"category.{code}"), languages.text("en", f"category.{code}"),
                    share_percent)


# Names are catalogue messages ``category.<code>`` (chalicelib/web/i18n/<lang>/labels.json).
CATEGORIES: tuple[Category, ...] = (
    _category("wage_arrears", 43),
    _category("dismissal", 16),
    _category("industrial_accident", 9),
    _category("workplace_harassment", None),
    _category("working_conditions", None),
    _category("severance_insurance", None),
    _category("other", None),
)


def category_name(code: str, lang: Lang = "ko") -> str:
    """The name of category ``code`` in ``lang``."""
    category_by_code(code)
    if not languages.is_supported(lang):
        raise languages.UnknownLanguageError(lang)
    return languages.text(lang, f"category.{code}")


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
    """Display labels of an enum's members: catalogue messages ``<method|mode>.<value>``."""

    @property
    def label_ko(self) -> str:
        """Korean display label."""
        return label(self, "ko")  # type: ignore[arg-type]

    @property
    def label_en(self) -> str:
        """English display label."""
        return label(self, "en")  # type: ignore[arg-type]


class Method(_Labelled, StrEnum):
    """How the consultation is conducted."""

    CHAT = "chat"
    VIDEO = "video"
    PHONE = "phone"


class Mode(_Labelled, StrEnum):
    """When the consultation happens: now, or at a booked slot."""

    REALTIME = "realtime"
    RESERVATION = "reservation"


def label(value: Method | Mode, lang: Lang = "ko") -> str:
    """Display label of a method or mode in ``lang`` (a code of ``languages.LANGUAGES``)."""
    if not languages.is_supported(lang):
        raise languages.UnknownLanguageError(lang)
    kind = "method" if isinstance(value, Method) else "mode"
    return languages.text(lang, f"{kind}.{value.value}")

"""The 31 cities and counties (시·군) of Gyeonggi-do and their neighbourhood.

Pure domain data: no I/O, no AWS. ``code`` is the stable slug used throughout
the app; ``admin_code`` is the official 5-digit 행정표준코드 (시군구) of the
city or county itself (for cities with districts, the city-level code).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

__all__ = [
    "ADJACENCY",
    "REGIONS",
    "REGION_CODES",
    "Region",
    "UnknownRegionError",
    "is_region",
    "neighbours",
    "region_by_code",
    "region_name",
    "rings",
]


class UnknownRegionError(ValueError):
    """Raised when a region code is not one of the 31 Gyeonggi codes."""


@dataclass(frozen=True, slots=True)
class Region:
    """A Gyeonggi city (시) or county (군)."""

    code: str
    admin_code: str
    name_ko: str
    name_en: str


# Ordered by official administrative code.
REGIONS: tuple[Region, ...] = (
    Region("suwon", "41110", "수원시", "Suwon"),
    Region("seongnam", "41130", "성남시", "Seongnam"),
    Region("uijeongbu", "41150", "의정부시", "Uijeongbu"),
    Region("anyang", "41170", "안양시", "Anyang"),
    Region("bucheon", "41190", "부천시", "Bucheon"),
    Region("gwangmyeong", "41210", "광명시", "Gwangmyeong"),
    Region("pyeongtaek", "41220", "평택시", "Pyeongtaek"),
    Region("dongducheon", "41250", "동두천시", "Dongducheon"),
    Region("ansan", "41270", "안산시", "Ansan"),
    Region("goyang", "41280", "고양시", "Goyang"),
    Region("gwacheon", "41290", "과천시", "Gwacheon"),
    Region("guri", "41310", "구리시", "Guri"),
    Region("namyangju", "41360", "남양주시", "Namyangju"),
    Region("osan", "41370", "오산시", "Osan"),
    Region("siheung", "41390", "시흥시", "Siheung"),
    Region("gunpo", "41410", "군포시", "Gunpo"),
    Region("uiwang", "41430", "의왕시", "Uiwang"),
    Region("hanam", "41450", "하남시", "Hanam"),
    Region("yongin", "41460", "용인시", "Yongin"),
    Region("paju", "41480", "파주시", "Paju"),
    Region("icheon", "41500", "이천시", "Icheon"),
    Region("anseong", "41550", "안성시", "Anseong"),
    Region("gimpo", "41570", "김포시", "Gimpo"),
    Region("hwaseong", "41590", "화성시", "Hwaseong"),
    Region("gwangju", "41610", "광주시", "Gwangju"),
    Region("yangju", "41630", "양주시", "Yangju"),
    Region("pocheon", "41650", "포천시", "Pocheon"),
    Region("yeoju", "41670", "여주시", "Yeoju"),
    Region("yeoncheon", "41800", "연천군", "Yeoncheon"),
    Region("gapyeong", "41820", "가평군", "Gapyeong"),
    Region("yangpyeong", "41830", "양평군", "Yangpyeong"),
)

_BY_CODE: Mapping[str, Region] = MappingProxyType({r.code: r for r in REGIONS})

REGION_CODES: frozenset[str] = frozenset(_BY_CODE)

# Shared boundaries between two Gyeonggi regions (borders with Seoul, Incheon,
# Gangwon, Chungcheong and the sea are irrelevant here). Derived from the
# KOSTAT municipal boundary topology and cross-checked against the
# municipalities' own descriptions of their neighbours.
_LAND_EDGES: tuple[tuple[str, str], ...] = (
    ("ansan", "anyang"),
    ("ansan", "gunpo"),
    ("ansan", "hwaseong"),
    ("ansan", "siheung"),
    ("ansan", "suwon"),
    ("ansan", "uiwang"),
    ("anseong", "icheon"),
    ("anseong", "pyeongtaek"),
    ("anseong", "yongin"),
    ("anyang", "gunpo"),
    ("anyang", "gwacheon"),
    ("anyang", "gwangmyeong"),
    ("anyang", "siheung"),
    ("anyang", "uiwang"),
    ("bucheon", "gwangmyeong"),
    ("bucheon", "siheung"),
    ("dongducheon", "pocheon"),
    ("dongducheon", "yangju"),
    ("dongducheon", "yeoncheon"),
    ("gapyeong", "namyangju"),
    ("gapyeong", "pocheon"),
    ("gapyeong", "yangpyeong"),
    ("goyang", "paju"),
    ("goyang", "yangju"),
    ("gunpo", "uiwang"),
    ("guri", "namyangju"),
    ("gwacheon", "seongnam"),
    ("gwacheon", "uiwang"),
    ("gwangju", "hanam"),
    ("gwangju", "icheon"),
    ("gwangju", "seongnam"),
    ("gwangju", "yangpyeong"),
    ("gwangju", "yeoju"),
    ("gwangju", "yongin"),
    ("gwangmyeong", "siheung"),
    ("hanam", "seongnam"),
    ("hwaseong", "osan"),
    ("hwaseong", "pyeongtaek"),
    ("hwaseong", "suwon"),
    ("hwaseong", "yongin"),
    ("icheon", "yeoju"),
    ("icheon", "yongin"),
    ("namyangju", "pocheon"),
    ("namyangju", "uijeongbu"),
    ("namyangju", "yangpyeong"),
    ("osan", "pyeongtaek"),
    ("paju", "yangju"),
    ("paju", "yeoncheon"),
    ("pocheon", "uijeongbu"),
    ("pocheon", "yangju"),
    ("pocheon", "yeoncheon"),
    ("pyeongtaek", "yongin"),
    ("seongnam", "uiwang"),
    ("seongnam", "yongin"),
    ("suwon", "uiwang"),
    ("suwon", "yongin"),
    ("uijeongbu", "yangju"),
    ("uiwang", "yongin"),
    ("yangju", "yeoncheon"),
    ("yangpyeong", "yeoju"),
)

# Administrative boundaries that run along the Han River (linked by bridges or
# dams). Counted as neighbours: without them Gimpo, whose only land borders
# are with Seoul and Incheon, would have no Gyeonggi neighbour at all.
_RIVER_EDGES: tuple[tuple[str, str], ...] = (
    ("gimpo", "goyang"),
    ("gimpo", "paju"),
    ("guri", "hanam"),
    ("gwangju", "namyangju"),
    ("hanam", "namyangju"),
)


def _build_adjacency(
    edges: tuple[tuple[str, str], ...],
) -> Mapping[str, frozenset[str]]:
    """Build a symmetric, read-only adjacency mapping from undirected edges."""
    acc: dict[str, set[str]] = {code: set() for code in REGION_CODES}
    for a, b in edges:
        if a not in acc or b not in acc or a == b:
            raise ValueError(f"invalid adjacency edge {(a, b)!r}")
        acc[a].add(b)
        acc[b].add(a)
    isolated = sorted(code for code, near in acc.items() if not near)
    if isolated:
        raise ValueError(f"regions without a neighbour: {isolated}")
    return MappingProxyType({code: frozenset(near) for code, near in acc.items()})


ADJACENCY: Mapping[str, frozenset[str]] = _build_adjacency(_LAND_EDGES + _RIVER_EDGES)


def is_region(code: object) -> bool:
    """True if ``code`` is one of the 31 region slugs (exact, lowercase)."""
    return isinstance(code, str) and code in _BY_CODE


def region_by_code(code: str) -> Region:
    """Return the region for ``code`` or raise :class:`UnknownRegionError`."""
    if not is_region(code):
        hint = ""
        if isinstance(code, str) and code.strip().lower() in _BY_CODE:
            hint = f" (did you mean {code.strip().lower()!r}?)"
        raise UnknownRegionError(
            f"unknown Gyeonggi region code {code!r}{hint}; expected a lowercase "
            f"slug such as 'suwon', one of: {', '.join(sorted(REGION_CODES))}"
        )
    return _BY_CODE[code]


def neighbours(code: str) -> frozenset[str]:
    """Codes of the Gyeonggi regions sharing a boundary with ``code``."""
    return ADJACENCY[region_by_code(code).code]


def rings(code: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Partition all regions by distance: (``{code}``, neighbours, the rest)."""
    ring0 = frozenset({region_by_code(code).code})
    ring1 = ADJACENCY[code]
    ring2 = REGION_CODES - ring0 - ring1
    return ring0, ring1, ring2


@functools.cache
def _names_in_scripts() -> Mapping[str, Mapping[str, str]]:
    """``region_names.json``: names in the scripts that are neither Hangul nor Latin (zh, th, ne)."""
    data = json.loads((Path(__file__).with_name("region_names.json")).read_text(encoding="utf-8"))
    return MappingProxyType({lang: MappingProxyType(names) for lang, names in data.items()
                             if not lang.startswith("_")})


# Where a reader's script has a name of its own, the romanised sign name follows in brackets so the
# place can be matched with road signs, bus stops and addresses; Chinese readers get the official
# Chinese-character name alone. Khmer and Burmese readers get the romanisation: the road signs,
# the EPS documents and the maps they use in Korea write place names in Latin letters, and a
# transliteration nobody has checked with readers would be worse than the sign name
# (docs/glossary/README.md, "Place names").
_SIGN_NAME_IN_BRACKETS = frozenset({"th", "ne"})


def region_name(region: Region, lang: str) -> str:
    """A region's name for a reader of ``lang``: in Hangul for Korean and easy Korean, in Chinese
    characters for Chinese, in Thai or Devanagari (with the sign name) for Thai and Nepali, otherwise
    the official romanisation (what the bilingual road and station signs show)."""
    if lang.split("-")[0] == "ko":
        return region.name_ko
    own = _names_in_scripts().get(lang, {}).get(region.code)
    if own is None:
        return region.name_en
    return f"{own} ({region.name_en})" if lang in _SIGN_NAME_IN_BRACKETS else own

"""Every Gyeonggi city and county has a name in every language Maeul speaks, in that language's
script where the reader needs it (Chinese characters, Thai, Devanagari, with the sign name for the
last two), the official romanisation for the Latin-script languages, Khmer and Burmese; and no two
regions share a name."""

from __future__ import annotations

import re

import pytest

from chalicelib.domain import languages, regions

SCRIPT = {"zh": re.compile(r"^[\u4e00-\u9fff]+市|^[\u4e00-\u9fff]+郡"),
          "th": re.compile(r"^[\u0e00-\u0e7f]+ \([A-Z][a-z]+\)$"),
          "ne": re.compile(r"^[\u0900-\u097f]+ \([A-Z][a-z]+\)$")}
ROMANISED = {"en", "vi", "id", "uz", "fil", "km", "my"}


@pytest.mark.parametrize("lang", languages.CODES)
def test_every_region_has_a_distinct_name_per_language(lang: str) -> None:
    names = [regions.region_name(r, lang) for r in regions.REGIONS]
    assert len(names) == 31 and all(names) and len(set(names)) == 31, lang
    for region, name in zip(regions.REGIONS, names, strict=True):
        if lang.startswith("ko"):
            assert name == region.name_ko
        elif lang in ROMANISED:
            assert name == region.name_en
        else:
            assert SCRIPT[lang].match(name), (lang, name)
            if lang != "zh":
                assert name.endswith(f"({region.name_en})")  # the sign name, to match signs and addresses


def test_the_data_covers_exactly_the_31_regions_and_every_language_is_decided() -> None:
    data = regions._names_in_scripts()
    for lang, names in data.items():
        assert set(names) == regions.REGION_CODES, lang
    decided = {"ko", "ko-x-easy"} | ROMANISED | set(data)
    assert decided == set(languages.CODES)


def test_chinese_names_do_not_read_as_places_in_china() -> None:
    assert regions.region_name(regions.region_by_code("gwangju"), "zh") == "广州市（京畿道）"
    assert regions.region_name(regions.region_by_code("hanam"), "zh") == "河南市（京畿道）"
    assert regions.region_name(regions.region_by_code("suwon"), "zh") == "水原市"

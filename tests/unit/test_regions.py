"""Gyeonggi region table and adjacency tests."""

from __future__ import annotations

import re

import pytest

from chalicelib.domain.regions import (
    ADJACENCY,
    REGION_CODES,
    REGIONS,
    Region,
    UnknownRegionError,
    is_region,
    neighbours,
    region_by_code,
    rings,
)


def test_there_are_31_regions() -> None:
    assert len(REGIONS) == 31
    assert len(REGION_CODES) == 31
    assert isinstance(REGIONS, tuple)


def test_codes_and_admin_codes_are_unique_and_well_formed() -> None:
    codes = [r.code for r in REGIONS]
    admin = [r.admin_code for r in REGIONS]
    assert len(set(codes)) == 31
    assert len(set(admin)) == 31
    for r in REGIONS:
        assert re.fullmatch(r"[a-z]+", r.code), r
        assert re.fullmatch(r"41\d{3}", r.admin_code), r
        assert r.name_ko.endswith(("시", "군")), r
        assert r.name_en


def test_region_is_frozen() -> None:
    with pytest.raises(AttributeError):
        REGIONS[0].code = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("code", "admin_code", "name_ko"),
    [
        ("suwon", "41110", "수원시"),
        ("seongnam", "41130", "성남시"),
        ("goyang", "41280", "고양시"),
        ("yongin", "41460", "용인시"),
        ("hwaseong", "41590", "화성시"),
        ("yeoju", "41670", "여주시"),
        ("yeoncheon", "41800", "연천군"),
        ("yangpyeong", "41830", "양평군"),
    ],
)
def test_known_admin_codes(code: str, admin_code: str, name_ko: str) -> None:
    assert region_by_code(code) == Region(code, admin_code, name_ko, region_by_code(code).name_en)


def test_lookup_and_membership() -> None:
    assert region_by_code("suwon").name_ko == "수원시"
    assert is_region("gapyeong")
    assert not is_region("seoul")
    assert not is_region("Suwon")
    assert not is_region(None)


def test_unknown_region_error_is_helpful() -> None:
    with pytest.raises(UnknownRegionError) as exc:
        region_by_code("seoul")
    assert isinstance(exc.value, ValueError)
    assert "'seoul'" in str(exc.value) and "suwon" in str(exc.value)
    with pytest.raises(UnknownRegionError, match="did you mean 'suwon'"):
        region_by_code("Suwon")


def test_adjacency_covers_all_regions_and_is_symmetric() -> None:
    assert set(ADJACENCY) == REGION_CODES
    for code, near in ADJACENCY.items():
        assert isinstance(near, frozenset)
        assert near, f"{code} has no neighbour"
        assert code not in near
        assert near <= REGION_CODES
        for other in near:
            assert code in ADJACENCY[other], f"{code}->{other} not symmetric"


def test_adjacency_is_read_only() -> None:
    with pytest.raises(TypeError):
        ADJACENCY["suwon"] = frozenset()  # type: ignore[index]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("suwon", "yongin"),
        ("suwon", "hwaseong"),
        ("goyang", "paju"),
        ("gwacheon", "anyang"),
        ("yeoncheon", "pocheon"),
        ("gwacheon", "uiwang"),
        ("anyang", "gunpo"),
        ("uiwang", "gunpo"),
        ("gwangmyeong", "siheung"),
        ("gwangmyeong", "bucheon"),
        ("siheung", "bucheon"),
        ("yeoncheon", "dongducheon"),
        ("pocheon", "dongducheon"),
        ("gimpo", "goyang"),  # across the Han River
    ],
)
def test_known_borders(a: str, b: str) -> None:
    assert b in ADJACENCY[a]
    assert a in ADJACENCY[b]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("gapyeong", "ansan"),
        ("osan", "yongin"),  # Osan is enclosed by Hwaseong and Pyeongtaek
        ("goyang", "uijeongbu"),
        ("bucheon", "gimpo"),
    ],
)
def test_known_non_borders(a: str, b: str) -> None:
    assert b not in ADJACENCY[a]
    assert a not in ADJACENCY[b]


def test_neighbours_matches_adjacency() -> None:
    assert neighbours("osan") == frozenset({"hwaseong", "pyeongtaek"})
    with pytest.raises(UnknownRegionError):
        neighbours("busan")


@pytest.mark.parametrize("code", sorted(REGION_CODES))
def test_rings_partition_all_codes(code: str) -> None:
    r0, r1, r2 = rings(code)
    assert r0 == frozenset({code})
    assert r1 == ADJACENCY[code]
    assert not (r0 & r1) and not (r0 & r2) and not (r1 & r2)
    assert r0 | r1 | r2 == REGION_CODES
    assert len(r0) + len(r1) + len(r2) == 31


def test_rings_unknown_code() -> None:
    with pytest.raises(UnknownRegionError):
        rings("nowhere")

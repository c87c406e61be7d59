"""Record ids in paths: one shape, and each kind of record answers its own "not found" for any other."""

import uuid

import pytest

from chalicelib.api import path_ids
from chalicelib.domain.announcements import AnnouncementNotFoundError
from chalicelib.domain.consultations import ConsultationNotFoundError
from chalicelib.domain.offers import OfferNotFoundError

GOOD = str(uuid.uuid4())
BAD = ["", None, GOOD.upper(), GOOD + "x", GOOD[:-1], "../" + GOOD, GOOD.replace("-", ""), f"{GOOD}\n"]


@pytest.mark.parametrize(("check", "error"), [(path_ids.consultation_id, ConsultationNotFoundError),
                                              (path_ids.offer_id, OfferNotFoundError),
                                              (path_ids.announcement_id, AnnouncementNotFoundError)])
def test_a_record_id_is_a_lower_case_uuid_and_anything_else_is_not_found(check, error) -> None:
    assert check(GOOD) == GOOD
    for value in BAD:
        with pytest.raises(error):
            check(value)
        assert not path_ids.is_record_id(value)


class _NoSuchAttorney(Exception):
    pass


def test_an_attorney_id_is_the_roster_s_shape_and_anything_else_is_the_route_s_own_not_found() -> None:
    for good in ("att-001", "A_b-9", "x" * 64):
        assert path_ids.attorney_id(good, missing=_NoSuchAttorney) == good
    for bad in ("", None, "x" * 65, "att 001", "att/001", "att-001\n", "참여자"):
        with pytest.raises(_NoSuchAttorney):
            path_ids.attorney_id(bad, missing=_NoSuchAttorney)

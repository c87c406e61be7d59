"""Correcting a submitted request (``PATCH /api/consultations/{id}``) through the app, with the in-memory
twins: what may be corrected, bad input in the person's language, owner only, and refused once an
attorney has it (also in Vietnamese)."""

from __future__ import annotations

from chalicelib.domain.consultations import ENTITY, PersonalDetails
from tests.functional.test_reservation_api import ALICE, BOB, World, full, kst, world  # noqa: F401
from tests.support import ApiResponse, assert_error

WEDNESDAY_10 = kst(2026, 12, 2, 10)


def correct(world: World, who, cid: str, body: object, lang: str | None = None) -> ApiResponse:  # type: ignore[no-untyped-def]
    headers = {**world.h(who), **({"Accept-Language": lang} if lang else {})}
    return world.api.request("PATCH", f"/api/consultations/{cid}", body=body, headers=headers)


def sealed(world: World, cid: str) -> PersonalDetails:
    c = world.consultations.get(cid)
    assert c is not None and c.sealed is not None
    return PersonalDetails.from_sealed(world.container.cipher.open(ENTITY, cid, c.sealed))


def test_the_owner_corrects_contact_and_description_and_the_rest_stays(world: World) -> None:
    cid = world.consultation(ALICE)
    response = correct(world, ALICE, cid, {"phone": "010 8765 4321", "email": "me@example.invalid",
                                           "description": "I was dismissed by a text message, and not paid for May."})
    assert response.status == 200, response.body
    assert response.headers["cache-control"] == "no-store"
    personal = response.json["personal"]
    assert personal["phone"] == "+821087654321" and personal["email"] == "me@example.invalid"
    assert personal["name"] == "홍길동" and response.json["status"] == "submitted"
    stored = sealed(world, cid)
    assert (stored.phone, stored.email, stored.name) == ("+821087654321", "me@example.invalid", "홍길동")
    # an optional field is removed with an empty value; a required one cannot be emptied
    assert correct(world, ALICE, cid, {"email": ""}).json["personal"]["email"] is None
    assert sealed(world, cid).email is None
    assert_error(correct(world, ALICE, cid, {"name": "   "}), 400, "invalid_input")
    assert sealed(world, cid).name == "홍길동"


def test_bad_input_is_refused_with_the_field_and_nothing_changes(world: World) -> None:
    cid = world.consultation(ALICE)
    before = world.consultations.get(cid)
    for body in ({}, {"category": "dismissal"}, {"phone": "12345"}, {"description": "too short"}):
        error = assert_error(correct(world, ALICE, cid, body), 400, "invalid_input")
        assert error["message"]
    assert_error(correct(world, ALICE, cid, [1]), 400, "invalid_json")
    details = assert_error(correct(world, ALICE, cid, {"phone": "12345"}), 400, "invalid_input")["details"]
    assert [d["field"] for d in details] == ["phone"]
    assert world.consultations.get(cid) == before


def test_only_the_owner_corrects_and_not_once_an_attorney_has_it(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    assert_error(correct(world, BOB, cid, {"name": "Someone"}), 404, "not_found")
    assert world.book(ALICE, cid, WEDNESDAY_10).status == 201
    error = assert_error(correct(world, ALICE, cid, {"phone": "010-1111-2222"}, lang="vi"), 409, "not_correctable")
    assert "không thể sửa" in error["message"].lower() and "031-8030-4541" in error["message"]
    assert sealed(world, cid).phone == "+821023456789"

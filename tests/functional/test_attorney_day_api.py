"""The attorney's agenda through the app: the assigned list carries the booked slot (Korea time) and
the consultation's language, and loses the slot when the attorney hands the booking back."""

from __future__ import annotations

from tests.fakes import attorney
from tests.functional.test_reservation_api import ALICE, World, full, kst, world  # noqa: F401 - the fixture


def test_the_assigned_list_shows_the_booked_time_until_the_booking_is_handed_back(world: World) -> None:  # noqa: F811
    world.add_attorney("att-a", availability=full(world))
    booked, other = world.consultation(ALICE), world.consultation(ALICE)
    assert world.book(ALICE, booked, kst(2026, 12, 3, 14)).status == 201
    lawyer = world.h(attorney("att-a"))

    items = world.api.get("/api/attorney/consultations", headers=lawyer).json["items"]
    assert [i["id"] for i in items] == [booked]  # the unbooked one is not the attorney's
    assert items[0]["booking_start"] == "2026-12-03T14:00:00+09:00"
    assert items[0]["booking_end"] == "2026-12-03T14:30:00+09:00"
    assert items[0]["preferred_language"] == "ko" and items[0]["status"] == "booked"
    assert other not in {i["id"] for i in items}

    handed = world.api.post(f"/api/attorney/bookings/{booked}/decline", body={"reason": "일정이 겹칩니다"},
                            headers=lawyer)
    assert handed.status == 200, handed.body
    after = world.api.get("/api/attorney/consultations", headers=lawyer).json["items"]
    assert all(i["booking_start"] is None for i in after if i["id"] == booked)


def test_the_console_says_when_the_next_service_window_opens_while_closed() -> None:
    from chalicelib.composition import use_container
    from tests.functional.test_authorization_matrix import A2_ID, build_world

    matrix = build_world()  # Tuesday 10:30, open
    try:
        headers = matrix.auth.headers_for(attorney(A2_ID))
        page = matrix.api.get("/attorney", headers=headers).body.decode()
        assert 'id="duty-next" data-next="" hidden' in page
        matrix.container.clock.advance(hours=9)  # 19:30: closed until Wednesday 10:00
        page = matrix.api.get("/attorney", headers=headers).body.decode()
        assert 'data-next="2026-12-02T10:00:00+09:00"' in page
    finally:
        use_container(None)


def test_a_booked_consultation_is_closed_only_once_its_slot_has_started() -> None:
    from chalicelib.composition import use_container
    from tests.functional.test_authorization_matrix import A2_ID, build_world
    from tests.support import assert_error

    matrix = build_world()  # Tuesday 10:30; the booking is Wednesday 10:00
    try:
        path = f"/api/attorney/consultations/{matrix.ids['booked']}/outcome"
        headers = matrix.auth.headers_for(attorney(A2_ID))
        early = matrix.api.post(path, body={"outcome": "advice_given"}, headers=headers)
        error = assert_error(early, 409, "not_started")
        assert "decline the booking" in error["message"]
        assert matrix.container.consultations.get(matrix.ids["booked"]).status.value == "booked"
        matrix.container.clock.advance(hours=23, minutes=31)  # Wednesday 10:01
        assert matrix.api.post(path, body={"outcome": "advice_given"}, headers=headers).status == 201
    finally:
        use_container(None)

"""Withdrawing a request (``DELETE /api/consultations/{id}``) through the app, with the in-memory twins:
owner only, what it releases, who is told, and when it is refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.consultations import Status
from tests.fakes import attorney
from tests.functional.test_reservation_api import (  # noqa: F401
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    TUESDAY_MORNING,
    World,
    full,
    iso,
    kst,
    world,
)
from tests.support import ApiResponse, assert_error

WEDNESDAY_10 = kst(2026, 12, 2, 10)


def withdraw(world: World, who, cid: str) -> ApiResponse:  # type: ignore[no-untyped-def]
    return world.api.request("DELETE", f"/api/consultations/{cid}", headers=world.h(who))


def test_the_owner_withdraws_a_booked_request_and_everything_it_held_is_released(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid, other = world.consultation(ALICE), world.consultation(BOB)
    assert world.book(ALICE, cid, WEDNESDAY_10).status == 201
    assert world.load("att-a") == 1
    booking = world.bookings.state_of(cid).active
    assert booking is not None
    sms_before, mails_before = len(world.notifier.sms), len(world.notifier.emails)

    response = withdraw(world, ALICE, cid)

    assert response.status == 200, response.body
    assert response.json["status"] == "withdrawn" and response.json["id"] == cid
    assert response.headers["cache-control"] == "no-store"
    stored = world.consultations.get(cid)
    assert stored is not None and stored.status is Status.WITHDRAWN
    assert stored.closed_at == TUESDAY_MORNING and stored.expires_at is not None
    state = world.bookings.state_of(cid)
    assert state.active is None
    assert [(b.id, b.status, b.ended_by) for b in state.history] == [(booking.id, BookingStatus.CANCELLED, "resident")]
    assert world.load("att-a") == 0  # the attorney's count no longer holds it
    assert world.consultations.open_counts[ALICE.subject] == 0  # the resident's open request is released
    # its reminders are dropped in the same write
    planned = world.container.reservations.reminder_keys(booking)
    assert planned and set(world.bookings.dropped_reminders) == set(planned)
    # the slot is free again: another resident books it
    assert world.book(BOB, other, WEDNESDAY_10).status == 201
    # the booked attorney is told (e-mail and SMS: a time and a link, nothing personal)
    new_mails = world.notifier.emails[mails_before:]
    to, subject, _ = new_mails[0]
    assert (to, subject) == ("att-a", "[마을노무사] 예약 취소")
    assert any("12월 2일(수) 10:00" in text for _, text in world.notifier.sms[sms_before:])
    assert all("홍길동" not in text and "dismissed" not in text for _, text in world.notifier.sms)


def test_a_withdrawn_request_is_closed_in_reads_and_cannot_be_booked_or_withdrawn_again(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    assert withdraw(world, ALICE, cid).status == 200
    read = world.api.get(f"/api/consultations/{cid}", headers=world.h(ALICE))
    assert read.status == 200 and read.json["status"] == "withdrawn"
    error = assert_error(withdraw(world, ALICE, cid), 409, "not_withdrawable")
    assert "no longer be withdrawn" in error["message"] and "withdrawn" in error["message"]
    assert world.book(ALICE, cid, WEDNESDAY_10).status == 409
    assert world.consultations.open_counts[ALICE.subject] == 0  # released once, not twice


def test_a_hold_is_released_with_the_request(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid, other = world.consultation(ALICE), world.consultation(BOB)
    held = world.api.post("/api/slots/hold", body={"consultation_id": cid, "start": iso(WEDNESDAY_10)},
                          headers=world.h(ALICE))
    assert held.status == 201, held.body
    assert_error(world.book(BOB, other, WEDNESDAY_10), 409, "slot_taken")
    assert withdraw(world, ALICE, cid).status == 200
    assert world.bookings.state_of(cid).hold is None
    assert world.book(BOB, other, WEDNESDAY_10).status == 201  # well before the hold would have run out


def test_nobody_but_the_owner_may_withdraw_and_they_learn_nothing_from_trying(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    assert world.book(ALICE, cid, WEDNESDAY_10).status == 201
    unknown = withdraw(world, BOB, str(uuid.uuid4()))
    assert_error(unknown, 404, "not_found")
    for who in (BOB, ADMIN, attorney("att-a"), attorney("att-z")):
        response = withdraw(world, who, cid)
        assert (response.status, response.json) == (unknown.status, unknown.json)
    assert_error(withdraw(world, ALICE, "not-a-uuid"), 404, "not_found")
    assert world.status(cid) == "booked" and world.bookings.state_of(cid).active is not None
    assert world.load("att-a") == 1


def test_a_booked_consultation_whose_slot_has_started_can_no_longer_be_withdrawn(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    assert world.book(ALICE, cid, WEDNESDAY_10).status == 201
    world.at(WEDNESDAY_10 + timedelta(minutes=1))
    error = assert_error(withdraw(world, ALICE, cid), 409, "not_withdrawable")
    assert "already started" in error["message"] and "031-8030-4541" in error["message"]
    assert world.status(cid) == "booked" and world.bookings.state_of(cid).active is not None


def test_in_progress_and_closed_requests_are_refused_with_what_to_do_instead(world: World) -> None:
    cid, done = world.consultation(ALICE), world.consultation(CAROL)
    world.consultations.items[cid] = world.consultations.items[cid].evolve(status=Status.IN_PROGRESS)
    world.consultations.items[done] = world.consultations.items[done].evolve(status=Status.COMPLETED)
    assert "already started" in assert_error(withdraw(world, ALICE, cid), 409, "not_withdrawable")["message"]
    assert "'completed'" in assert_error(withdraw(world, CAROL, done), 409, "not_withdrawable")["message"]
    assert world.status(cid) == "in_progress" and world.status(done) == "completed"

"""Closing a consultation (recording its outcome) only once it is under way: an attorney cannot close
a booked consultation before its slot starts (409 ``not_started``, nothing changed)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.domain.consultations import Status
from tests.fakes import attorney
from tests.functional.test_messages_api import World, tick, world  # noqa: F401
from tests.support import assert_error


def test_a_booked_consultation_cannot_be_closed_before_its_slot_starts(world: World) -> None:
    cid = world.consultation(owner="kakao:res-early", status=Status.BOOKED)
    start = world.clock[0] + timedelta(days=1)
    world.bookings.slots[cid] = (start, start + timedelta(minutes=30))
    path = f"/api/attorney/consultations/{cid}/outcome"

    early = world.api.post(path, body={"outcome": "advice_given", "note": "closed early"},
                           headers=world.h(attorney("att-001")))

    error = assert_error(early, 409, "not_started")
    assert "2026-12-02 10:30" in error["message"] and "decline the booking" in error["message"]
    assert world.consultations.get(cid).status is Status.BOOKED
    assert world.store.outcome(cid) is None and world.notifier.sms == []  # no survey, nothing recorded
    tick(world, days=1, minutes=-1)  # a minute before the start: still refused
    assert_error(world.api.post(path, body={"outcome": "advice_given"}, headers=world.h(attorney("att-001"))),
                 409, "not_started")
    tick(world, minutes=1)  # the slot has started: the attorney may close it
    done = world.api.post(path, body={"outcome": "advice_given"}, headers=world.h(attorney("att-001")))
    assert done.status == 201, done.body
    assert world.consultations.get(cid).status is Status.COMPLETED


def test_a_real_time_consultation_under_way_can_be_closed_at_once(world: World) -> None:
    cid = world.consultation(owner="kakao:res-now")  # matched in real time: the consultation is happening
    done = world.api.post(f"/api/attorney/consultations/{cid}/outcome", body={"outcome": "advice_given"},
                          headers=world.h(attorney("att-001")))
    assert done.status == 201, done.body

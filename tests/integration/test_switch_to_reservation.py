"""A real-time request waiting in the queue is switched to a reservation by booking a slot, on the
local stack: one transaction books it and makes it a reservation, it leaves the real-time queue (the
offer loop never offers it afterwards), and the page's queue status no longer says "real time found
nobody". While an attorney is being offered it, booking is refused and nothing changes."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.composition import Container
from chalicelib.domain.bookings import NoBookingError, NotBookableError
from chalicelib.domain.categories import Mode
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Principal, Provider, Role
from ops.tick import run_jobs
from tests.integration.test_realtime_flow import current_offer, duty_world, kst, submit

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def world(private_stack):
    # a Wednesday before the morning window opens: requests wait
    with duty_world(private_stack, kst(2026, 12, 2, 9, 0)) as (mine, clock):
        yield mine, clock, private_stack.env


def owner_of(c: Container, cid: str) -> Principal:
    return Principal(subject=c.consultations.get(cid).owner, role=Role.RESIDENT, provider=Provider.KAKAO,
                     session_id="s")


def test_a_queued_real_time_request_becomes_a_reservation_and_leaves_the_queue(world) -> None:
    c, clock, stack_env = world
    clock[0] = kst(2026, 12, 2, 9, 0)
    cid = submit(c, clock[0], f"kakao:sw-{uuid.uuid4().hex[:8]}")
    owner = owner_of(c, cid)
    assert c.realtime_queue.queue_status(owner, cid).queued
    slot = c.reservations.open_slots(owner, cid, None, None)[-1]  # days ahead: it can still be cancelled

    view = c.reservations.book(owner, cid, slot.start)

    stored = c.consultations.get(cid)
    assert (stored.status, stored.mode) == (Status.BOOKED, Mode.RESERVATION)
    assert view.booking.start == slot.start and stored.attorney_id == view.booking.attorney_id
    assert not c.realtime_store.request(cid).waiting
    status = c.realtime_queue.queue_status(owner, cid)
    assert not status.queued and not status.realtime_failed
    # the window opens: the offer loop has nothing of this request to offer
    assert all(r["ok"] for r in run_jobs(kst(2026, 12, 2, 10, 0), only=["offers", "window_keeper"],
                                         env=stack_env))
    assert current_offer(c, cid) is None
    assert c.consultations.get(cid).status is Status.BOOKED
    # cancelling the booking keeps it a reservation waiting for a time, not a failed real-time request
    clock[0] = kst(2026, 12, 2, 10, 5)
    c.reservations.cancel(owner, cid)
    assert (c.consultations.get(cid).status, c.consultations.get(cid).mode) == (Status.SUBMITTED,
                                                                                 Mode.RESERVATION)
    assert not c.realtime_queue.queue_status(owner, cid).realtime_failed
    run_jobs(kst(2026, 12, 2, 10, 6), only=["offers"], env=stack_env)
    assert current_offer(c, cid) is None and c.consultations.get(cid).status is Status.SUBMITTED


def test_while_an_attorney_is_being_offered_it_booking_is_refused_and_nothing_changes(world) -> None:
    c, clock, stack_env = world
    clock[0] = kst(2026, 12, 3, 9, 0)
    cid = submit(c, clock[0], f"kakao:sw-{uuid.uuid4().hex[:8]}")
    owner = owner_of(c, cid)
    slot = c.reservations.open_slots(owner, cid, None, None)[0]
    run_jobs(kst(2026, 12, 3, 10, 0), only=["window_keeper"], env=stack_env)
    offer = current_offer(c, cid)
    assert offer is not None and c.consultations.get(cid).status is Status.OFFERED
    clock[0] = kst(2026, 12, 3, 10, 0, 30)
    with pytest.raises(NotBookableError):
        c.reservations.book(owner, cid, slot.start)
    stored = c.consultations.get(cid)
    assert (stored.status, stored.mode) == (Status.OFFERED, Mode.REALTIME)
    with pytest.raises(NoBookingError):
        c.reservations.booking_of(owner, cid)
    assert current_offer(c, cid).id == offer.id

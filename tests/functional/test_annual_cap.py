"""The annual cap counts work done or under way (issue: "the annual cap counts completed or in-progress
work"): a booking takes a place on the attorney's count when it is made, so two residents cannot both
get the last place; closed as a no-show it gives the place back (in the outcome's own write), closed
with advice it keeps it. Through the app with the in-memory twins; the DynamoDB side of the same rule is
``tests/integration/test_closing_reminders.py::test_a_no_show_does_not_count_towards_the_annual_cap``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes import attorney
from tests.functional.test_reservation_api import ALICE, BOB, CAROL, World, full, kst
from tests.functional.test_reservation_api import world as reservation_world  # noqa: F401
from tests.support import assert_error
from tests.twins.memory_rooms import MemoryThreadStore

FIRST_SLOT, SECOND_SLOT = kst(2026, 12, 2, 10), kst(2026, 12, 3, 10)


@pytest.fixture
def world(reservation_world: World) -> Iterator[World]:  # noqa: F811
    """The reservation world, with a thread store whose no-shows give the count back to its loads."""
    reservation_world.container.__dict__["thread_store"] = MemoryThreadStore(loads=reservation_world.loads)
    yield reservation_world


def close(world: World, cid: str, outcome: str, who: str = "att-a"):
    return world.api.post(f"/api/attorney/consultations/{cid}/outcome", body={"outcome": outcome},
                          headers=world.h(attorney(who)))


def test_a_no_show_gives_the_place_back_and_the_next_resident_gets_it(world: World) -> None:
    world.add_attorney("att-a", availability=full(world), annual_cap=1)
    alice, bob = world.consultation(ALICE), world.consultation(BOB)
    assert world.book(ALICE, alice, FIRST_SLOT).status == 201
    assert world.load("att-a") == 1  # the booking reserves the place when it is made
    # the only attorney is at the cap: Bob is offered nothing and cannot book her
    assert world.starts(BOB, bob, "2026-12-02", "2026-12-04") == {}
    assert_error(world.book(BOB, bob, SECOND_SLOT), 409)

    world.at(FIRST_SLOT + (SECOND_SLOT - FIRST_SLOT) / 96)  # 15 minutes into Alice's slot: she never came
    closed = close(world, alice, "no_show")
    assert closed.status == 201, closed.body
    assert world.status(alice) == "completed" and world.load("att-a") == 0
    assert_error(close(world, alice, "no_show"), 409)  # once: the place is not given back twice
    assert world.load("att-a") == 0

    assert "10:00" in world.starts(BOB, bob, "2026-12-03", "2026-12-03")["2026-12-03"]
    assert world.book(BOB, bob, SECOND_SLOT).json["attorney"]["id"] == "att-a"
    assert world.load("att-a") == 1


def test_completed_work_keeps_its_place_on_the_count(world: World) -> None:
    world.add_attorney("att-a", availability=full(world), annual_cap=1)
    alice, carol = world.consultation(ALICE), world.consultation(CAROL)
    assert world.book(ALICE, alice, FIRST_SLOT).status == 201
    world.at(FIRST_SLOT + (SECOND_SLOT - FIRST_SLOT) / 48)  # half an hour later: the consultation happened
    assert close(world, alice, "advice_given").status == 201
    assert world.status(alice) == "completed" and world.load("att-a") == 1
    assert world.starts(CAROL, carol, "2026-12-03", "2026-12-04") == {}
    assert_error(world.book(CAROL, carol, SECOND_SLOT), 409)

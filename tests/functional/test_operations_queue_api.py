"""The operations queue (``GET /api/admin/consultations``) through the app, on the authorization
matrix's world (two residents' consultations in every state, the in-memory twins): each flag picks
the right consultations, the counts agree, reassignment takes one out of "waiting", and nothing
personal is in the answer."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.offers import RealtimeRequest
from chalicelib.domain.rooms import Side
from tests.fakes import admin
from tests.functional.test_authorization_matrix import A1_ID, A2_ID, VICTIM_MARKERS, World, world  # noqa: F401
from tests.support import assert_error

ADMIN = admin()


def queue(world: World, query: str = "") -> dict:  # noqa: F811 - not the fixture
    response = world.api.get(f"/api/admin/consultations{query}", headers=world.auth.headers_for(ADMIN))
    assert response.status == 200, response.body
    return response.json


def by_id(answer: dict) -> dict[str, list[str]]:
    return {i["id"]: i["flags"] for i in answer["items"]}


def test_each_flag_picks_its_consultations(world: World) -> None:  # noqa: F811
    ids, own = world.ids, world.own
    flags = by_id(queue(world))
    assert flags[ids["submitted"]] == ["waiting"] and flags[ids["offered"]] == ["waiting"]
    assert "unanswered" in flags[ids["matched"]] and "unanswered" in flags[own["matched"]]
    assert ids["completed"] not in flags  # closed: nothing to do
    assert ids["booked"] not in flags  # booked for tomorrow: nothing to do yet

    # real time found nobody for this one
    consultation = world.container.consultations.get(ids["submitted"])
    world.realtime.requests_[ids["submitted"]] = RealtimeRequest(
        ids["submitted"], consultation.category, consultation.region, queued_at=consultation.created_at,
        failed=True)
    # the booked slot starts and nothing is recorded
    world.container.clock.advance(days=1, minutes=1)  # Wednesday 10:31: the booked 10:00 slot has started

    answer = queue(world)
    flags = by_id(answer)
    assert flags[ids["submitted"]] == ["waiting", "realtime_failed"]
    assert flags[ids["booked"]] == ["booked_without_outcome"]
    assert answer["counts"]["realtime_failed"] == 1 and answer["counts"]["booked_without_outcome"] == 1
    assert answer["counts"]["waiting"] == sum("waiting" in f for f in flags.values())
    booked = next(i for i in answer["items"] if i["id"] == ids["booked"])
    assert booked["booking_start"] == "2026-12-02T10:00:00+09:00" and booked["attorney_name"] == "Attorney Two"

    only = queue(world, "?flag=booked_without_outcome")
    assert [i["id"] for i in only["items"]] == [ids["booked"]]
    assert {i["id"] for i in queue(world, "?flag=unanswered")["items"]} == {ids["matched"], own["matched"]}
    text = world.api.get("/api/admin/consultations", headers=world.auth.headers_for(ADMIN)).body.decode()
    assert not [m for m in VICTIM_MARKERS if m in text]  # codes and times only


def test_an_answered_thread_and_a_reassigned_request_leave_the_queue(world: World) -> None:  # noqa: F811
    ids = world.ids
    state = world.threads.state(ids["matched"])
    assert state.waiting_since is not None
    world.threads._threads[ids["matched"]] = replace(state, waiting_since=None, unread={Side.ATTORNEY: 0})
    assert ids["matched"] not in by_id(queue(world, "?flag=unanswered"))

    moved = world.api.post(f"/api/admin/consultations/{ids['submitted']}/reassign",
                           body={"attorney_id": A2_ID, "reason": "전화로 요청받아 배정"},
                           headers=world.auth.headers_for(ADMIN))
    assert moved.status == 200, moved.body
    assert ids["submitted"] not in by_id(queue(world, "?flag=waiting"))


def test_a_wrong_filter_is_a_clear_400(world: World) -> None:  # noqa: F811
    response = world.api.get("/api/admin/consultations?flag=urgent", headers=world.auth.headers_for(ADMIN))
    assert_error(response, 400)
    assert_error(world.api.get("/api/admin/consultations?month=2026-13", headers=world.auth.headers_for(ADMIN)), 400)

"""The operations console's reads and undo through the app, on the authorization matrix's world:
the access log names the staff member (the roster's display name, not the subject id), and a
deactivated attorney can be brought back (PATCH active=true) with the same profile and contact."""

from __future__ import annotations

from dataclasses import replace

from tests.fakes import admin, attorney
from tests.functional.test_authorization_matrix import A2_ID, World, world  # noqa: F401 - the fixture
from tests.support import assert_error

ADMIN = admin()


def test_the_access_log_names_the_attorney_not_the_subject(world: World) -> None:  # noqa: F811
    a2 = attorney(A2_ID)
    profile = world.roster.get(A2_ID)
    world.roster.save(replace(profile, subjects=frozenset({a2.subject})), world.roster.contact(A2_ID))
    read = world.api.get(f"/api/consultations/{world.ids['booked']}", headers=world.auth.headers_for(a2))
    assert read.status == 200
    log = world.api.get("/api/admin/access-log?from=2026-11-30&to=2026-12-01", headers=world.auth.headers_for(ADMIN))
    assert log.status == 200, log.body
    mine = [e for e in log.json["items"] if e["actor"] == a2.subject]
    assert mine and all(e["actor_name"] == "Attorney Two" for e in mine)
    others = [e for e in log.json["items"] if e["actor_role"] == "admin"]
    assert all(e["actor_name"] is None for e in others)  # no name invented for an admin


def test_a_deactivated_attorney_comes_back_with_the_same_profile(world: World) -> None:  # noqa: F811
    headers = world.auth.headers_for(ADMIN)
    contact = world.roster.contact(A2_ID)
    off = world.api.request("PATCH", f"/api/admin/attorneys/{A2_ID}", body={"active": False}, headers=headers)
    assert off.status == 200 and off.json["active"] is False
    assert world.roster.get(A2_ID).active is False
    back = world.api.request("PATCH", f"/api/admin/attorneys/{A2_ID}", body={"active": True}, headers=headers)
    assert back.status == 200, back.body
    assert back.json == {"attorney_id": A2_ID, "active": True, "on_duty": False}
    again = world.roster.get(A2_ID)
    assert again.active and again.display_name == "Attorney Two" and world.roster.contact(A2_ID) == contact
    log = world.api.get("/api/admin/access-log?from=2026-11-30&to=2026-12-01", headers=headers).json["items"]
    actions = [(e["action"], e["owner_name"]) for e in log if e["owner"] == f"attorney:{A2_ID}"]
    assert ("attorney_deactivated", "Attorney Two") in actions and ("attorney_reactivated", "Attorney Two") in actions
    assert_error(world.api.request("PATCH", "/api/admin/attorneys/att-nobody", body={"active": True},
                                   headers=headers), 404)

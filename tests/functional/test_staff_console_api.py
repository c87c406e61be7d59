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
    assert {k: back.json[k] for k in ("attorney_id", "active", "on_duty")} == {
        "attorney_id": A2_ID, "active": True, "on_duty": False}
    again = world.roster.get(A2_ID)
    assert again.active and again.display_name == "Attorney Two" and world.roster.contact(A2_ID) == contact
    log = world.api.get("/api/admin/access-log?from=2026-11-30&to=2026-12-01", headers=headers).json["items"]
    actions = [(e["action"], e["owner_name"]) for e in log if e["owner"] == f"attorney:{A2_ID}"]
    assert ("attorney_deactivated", "Attorney Two") in actions and ("attorney_reactivated", "Attorney Two") in actions
    assert_error(world.api.request("PATCH", "/api/admin/attorneys/att-nobody", body={"active": True},
                                   headers=headers), 404)


def test_the_statistics_spreadsheet_has_labels_a_month_range_and_per_attorney_and_city_rows(world: World) -> None:  # noqa: F811
    import csv
    import io

    headers = world.auth.headers_for(ADMIN)
    answer = world.api.get("/api/admin/stats/export?from=2026-11&to=2026-12", headers=headers)
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"].startswith("text/csv")
    text = answer.body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["월", "구분", "항목", "코드", "건수"]
    december = [r for r in rows if r[0] == "2026-12"]
    assert ["2026-12", "분야", "해고·징계", "dismissal"] == december[[r[3] for r in december].index("dismissal")][:4]
    assert any(r[1] == "시·군" and r[2] == "수원시" and r[3] == "suwon" for r in december)  # per city and month
    per_attorney = {r[2]: int(r[4]) for r in december if r[1] == "노무사"}
    assert per_attorney["Attorney Two"] >= 3  # matched, booked, completed
    assert any(r[0] == "2026-11" for r in rows) and any(r[0] == "2026-11~2026-12" for r in rows)
    total = next(int(r[4]) for r in december if r[1] == "전체")
    assert total == sum(int(r[4]) for r in december if r[1] == "분야")
    english = world.api.get("/api/admin/stats/export?from=2026-12&lang=en", headers=headers).body.decode("utf-8")
    assert english[1:].startswith("Month,Breakdown,Item,Code,Count") and "Dismissal and discipline" in english
    assert "Attorney Two" in english
    export = "/api/admin/stats/export"
    assert_error(world.api.get(f"{export}?from=2026-12&to=2026-11", headers=headers), 400, "invalid_range")
    assert_error(world.api.get(f"{export}?from=2024-01&to=2026-12", headers=headers), 400, "invalid_range")
    assert_error(world.api.get("/api/admin/stats/export?from=2026-13", headers=headers), 400)

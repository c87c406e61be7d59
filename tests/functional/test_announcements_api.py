"""Announcements through the app (the matrix's world, the in-memory store): an admin puts a notice up
for a period; the public list shows it only while it is active, in the asked language (Korean when
no English text was given); a wrong period is a clear 422; taking it down removes it."""

from __future__ import annotations

from tests.fakes import admin
from tests.functional.test_authorization_matrix import World, world  # noqa: F401 - the fixture
from tests.support import assert_error

ADMIN = admin()
LATER = {"kind": "closure", "message_ko": "설 연휴(2월 16~18일)에는 상담을 쉽니다.",
         "message_en": "Closed for the Lunar New Year (16-18 February).",
         "starts_at": "2026-12-01T12:00:00+09:00", "ends_at": "2026-12-01T18:00:00+09:00"}


def public(world: World, lang: str = "ko") -> list[dict]:  # noqa: F811 - not the fixture
    answer = world.api.get(f"/api/announcements?lang={lang}")
    assert answer.status == 200, answer.body
    return answer.json["items"]


def test_a_notice_shows_only_while_it_is_active(world: World) -> None:  # noqa: F811
    headers = world.auth.headers_for(ADMIN)
    before = {a["id"] for a in public(world)}
    made = world.api.post("/api/admin/announcements", body=LATER, headers=headers)
    assert made.status == 201, made.body
    new = made.json["id"]
    assert made.json["active"] is False and new not in {a["id"] for a in public(world)}  # 10:30: not yet
    world.container.clock.advance(hours=2)  # 12:30
    shown = next(a for a in public(world) if a["id"] == new)
    assert shown["message"] == LATER["message_ko"] and shown["kind"] == "closure"
    assert next(a for a in public(world, "en") if a["id"] == new)["message"] == LATER["message_en"]
    world.container.clock.advance(hours=6)  # 18:30: over
    assert new not in {a["id"] for a in public(world)}
    listed = world.api.get("/api/admin/announcements", headers=headers).json["items"]
    assert any(a["id"] == new and a["active"] is False for a in listed)
    assert world.api.request("DELETE", f"/api/admin/announcements/{new}", headers=headers).status == 204
    assert_error(world.api.request("DELETE", f"/api/admin/announcements/{new}", headers=headers), 404)
    assert before <= {a["id"] for a in world.api.get("/api/admin/announcements", headers=headers).json["items"]}


def test_korean_is_shown_when_there_is_no_english_and_bad_periods_are_refused(world: World) -> None:  # noqa: F811
    headers = world.auth.headers_for(ADMIN)
    now_on = {**LATER, "message_en": None, "starts_at": "2026-12-01T10:00:00+09:00"}
    made = world.api.post("/api/admin/announcements", body=now_on, headers=headers)
    assert made.status == 201, made.body
    assert next(a for a in public(world, "en") if a["id"] == made.json["id"])["message"] == LATER["message_ko"]
    reversed_ = {**LATER, "starts_at": "2026-12-02T10:00:00+09:00"}
    error = assert_error(world.api.post("/api/admin/announcements", body=reversed_, headers=headers), 422,
                         "invalid_period")
    assert "after the start" in error["message"]
    past = {**LATER, "starts_at": "2026-11-01T10:00:00+09:00", "ends_at": "2026-11-02T10:00:00+09:00"}
    assert_error(world.api.post("/api/admin/announcements", body=past, headers=headers), 422, "invalid_period")
    assert_error(world.api.post("/api/admin/announcements", body={**LATER, "message_ko": "짧"}, headers=headers), 400)
    naive = {**LATER, "starts_at": "2026-12-01T12:00:00"}
    assert_error(world.api.post("/api/admin/announcements", body=naive, headers=headers), 400)

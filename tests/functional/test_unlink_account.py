"""An admin takes one sign-in account off an attorney profile (a Kakao account the attorney lost,
or one linked by mistake): that account's sessions end at once and it signs in as a resident from
then on; the profile's other account keeps working; it needs a fresh second factor and is logged
as a rights change (the step-up rows are in the authorization matrix). Real session service and tokens
for the attorney's accounts (the matrix world)."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.identity import Provider, Role
from chalicelib.domain.users import UserProfile
from tests.functional.test_authorization_matrix import (
    A2,
    A2_ID,
    ADMIN,
    PRINCIPALS,
    RealOrTestTokens,
    World,
    world,  # noqa: F401
)
from tests.support import assert_error, verified_staff_session

SECOND = "naver:a2-second-phone"


def _two_accounts_signed_in(world: World) -> tuple[object, object]:
    c = world.container
    first = PRINCIPALS[A2].subject
    world.roster.save(replace(world.roster.get(A2_ID), subjects=frozenset({first, SECOND})))
    c.__dict__["authenticator"] = RealOrTestTokens(world.auth, c.sessions)
    c.clock.advance(minutes=1)  # the second account signed in later: listed first
    c.users.signed_in(SECOND, Provider.NAVER, UserProfile(), c.clock())
    return (verified_staff_session(c, first, Provider.KAKAO), verified_staff_session(c, SECOND, Provider.NAVER))


def _bearer(tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.access_token}"}


def test_an_admin_unlinks_one_account_and_only_that_one_loses_the_role(world: World) -> None:
    kakao, naver = _two_accounts_signed_in(world)
    listed = world.api.get(f"/api/admin/attorneys/{A2_ID}/accounts", headers=world.headers(ADMIN))
    assert listed.status == 200, listed.body
    items = listed.json["items"]
    assert [i["provider"] for i in items] == ["naver", "kakao"]  # most recent sign-in first
    assert all(len(i["account"]) == 24 and "a2-second-phone" not in i["account"] for i in items)
    assert "a2-second-phone" not in listed.body.decode() and PRINCIPALS[A2].subject not in listed.body.decode()
    ref = items[0]["account"]

    done = world.api.request("DELETE", f"/api/admin/attorneys/{A2_ID}/accounts/{ref}", headers=world.headers(ADMIN))
    assert done.status == 200, done.body
    assert done.json == {"attorney_id": A2_ID, "account": ref, "status": "unlinked", "sessions_ended": 1,
                         "accounts_left": 1}
    # the unlinked account: its session is over at once, and a new sign-in is a resident's
    assert_error(world.api.get("/api/attorney/duty", headers=_bearer(naver)), 401, "invalid_session")
    assert_error(world.api.post("/auth/refresh", body={"refresh_token": naver.refresh_token}), 401)
    assert world.container.sessions.start(SECOND, Provider.NAVER).role is Role.RESIDENT
    # the other account and the profile are untouched
    assert world.api.get("/api/attorney/duty", headers=_bearer(kakao)).status == 200
    assert world.roster.get(A2_ID).subjects == frozenset({PRINCIPALS[A2].subject})
    assert world.roster.get(A2_ID).active is True
    # logged as a rights change, by whom and about which profile (never the account's provider id)
    [event] = [e for e in world.container.audit.access if e.action == "account_unlinked"]
    assert (event.actor, event.owner) == (PRINCIPALS[ADMIN].subject, f"attorney:{A2_ID}")
    assert "a2-second-phone" not in repr(event)
    # once: the same reference again is not found, as is a made-up one or another profile's
    again = world.api.request("DELETE", f"/api/admin/attorneys/{A2_ID}/accounts/{ref}", headers=world.headers(ADMIN))
    assert "unlinked already" in assert_error(again, 404, "not_found")["message"]
    assert_error(world.api.request("DELETE", f"/api/admin/attorneys/att-001/accounts/{items[1]['account']}",
                                   headers=world.headers(ADMIN)), 404, "not_found")
    assert_error(world.api.request("DELETE", f"/api/admin/attorneys/{A2_ID}/accounts/kakao:1",
                                   headers=world.headers(ADMIN)), 404, "not_found")
    assert_error(world.api.get("/api/admin/attorneys/att-nobody/accounts", headers=world.headers(ADMIN)),
                 404, "not_found")
    assert len([e for e in world.container.audit.access if e.action == "account_unlinked"]) == 1

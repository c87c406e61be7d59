"""The video room hands the browser the stage's STUN/TURN servers, TURN with credentials made
for this view from the stage's shared secret (which never reaches the page)."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.adapters.oauth_secrets import StaticOAuthSecrets
from chalicelib.domain.consultations import Method, Status
from tests.fakes import resident
from tests.functional.test_messages_api import T0, World, world  # noqa: F401 - the fixture

STUN = {"urls": ["stun:turn.dev.maeul.gg.go.kr:3478"]}
TURN = {"urls": ["turn:turn.dev.maeul.gg.go.kr:3478?transport=udp", "turns:turn.dev.maeul.gg.go.kr:5349"]}


def _room(world: World) -> dict:  # noqa: F811
    cid = world.consultation(method=Method.VIDEO, owner="kakao:res-v", status=Status.BOOKED)
    world.bookings.slots[cid] = (T0 + timedelta(hours=2), T0 + timedelta(hours=2, minutes=30))
    response = world.api.get(f"/api/consultations/{cid}/room", headers=world.h(resident("res-v")))
    assert response.status == 200, response.body
    return response.json


def test_the_room_gets_the_stages_turn_servers_with_short_lived_credentials(world: World) -> None:  # noqa: F811
    container = world.container
    container.settings = container.settings.model_copy(update={"ice_servers": (STUN, TURN)})
    container.__dict__["oauth_secrets"] = StaticOAuthSecrets({"turn_shared_secret": "turn-s3cret"})
    room = _room(world)
    stun, turn = room["ice_servers"]
    assert stun == STUN
    assert turn["urls"] == TURN["urls"] and turn["username"].endswith(":maeul") and turn["credential"]
    expiry = int(turn["username"].split(":")[0])
    assert expiry == int((T0 + timedelta(hours=4)).timestamp())  # the pinned clock's instant plus the lifetime
    assert "turn-s3cret" not in str(room)


def test_without_the_shared_secret_the_room_still_opens_with_stun_only(world: World) -> None:  # noqa: F811
    container = world.container
    container.settings = container.settings.model_copy(update={"ice_servers": (STUN, TURN)})
    container.__dict__["oauth_secrets"] = StaticOAuthSecrets({})
    assert _room(world)["ice_servers"] == [STUN]

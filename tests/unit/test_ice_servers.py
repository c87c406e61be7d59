"""The video room's STUN/TURN servers: TURN credentials made per view from the stage's shared
secret (the TURN REST API scheme coturn checks), never stored in the page or the repository."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from chalicelib.domain.ice import CREDENTIAL_LIFETIME, IceServers, TurnSecretMissingError, turn_credentials
from chalicelib.settings import Settings

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
STUN = {"urls": ["stun:turn.maeul.gg.go.kr:3478"]}
TURN = {"urls": ["turn:turn.maeul.gg.go.kr:3478?transport=udp", "turns:turn.maeul.gg.go.kr:5349"]}


def test_turn_gets_credentials_that_coturn_accepts_until_they_expire() -> None:
    [stun, turn] = IceServers([STUN, TURN], lambda: "s3cret").at(NOW)
    assert stun == STUN
    assert turn["urls"] == TURN["urls"]
    expiry, label = turn["username"].split(":")
    assert int(expiry) == int((NOW + CREDENTIAL_LIFETIME).timestamp()) and label == "maeul"
    # what coturn computes with static-auth-secret=s3cret for this user name
    expected = base64.b64encode(hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected
    later = IceServers([TURN], lambda: "s3cret").at(NOW.replace(hour=5))
    assert later[0]["credential"] != turn["credential"]  # new for each view, at its own expiry
    assert turn_credentials("other", NOW)["credential"] != turn["credential"]


def test_without_the_shared_secret_the_room_keeps_stun_and_says_why() -> None:
    told: list[Exception] = []

    def secret() -> str:
        raise TurnSecretMissingError("turn_shared_secret is not set")
    assert IceServers([STUN, TURN], secret, told.append).at(NOW) == [STUN]
    assert len(told) == 1
    assert IceServers([STUN, TURN]).at(NOW) == [STUN]


def test_servers_with_their_own_credentials_or_no_relay_pass_unchanged() -> None:
    local = {"urls": "turn:127.0.0.1:3478", "username": "dev", "credential": "dev"}
    assert IceServers([local, STUN]).at(NOW) == [local, STUN]


def test_the_stage_setting_is_read_from_maeul_ice_servers() -> None:
    settings = Settings.from_env({"MAEUL_STAGE": "local", "MAEUL_ICE_SERVERS": '[{"urls": ["stun:x:3478"]}]'})
    assert settings.ice_servers == ({"urls": ["stun:x:3478"]},)

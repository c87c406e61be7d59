"""The resident is told of the attorney's chat messages while they have not read them: one message
per ``reply_alert_minutes`` while the thread stays unread, and at once again after they read it.
Through the app (chalice.test, in-memory twins, a movable clock)."""

from __future__ import annotations

from tests.fakes import attorney, resident
from tests.functional.test_messages_api import PHONE, World, tick, world  # noqa: F401 - the fixture


def replied(world: World) -> list[str]:  # noqa: F811
    return [m.text for phone, m in world.notifier.messages if phone == PHONE and m.code == "MAEUL_REPLIED_KO"]


def test_one_alert_while_unread_and_a_read_resets_it(world: World) -> None:  # noqa: F811
    cid = world.consultation()
    me, lawyer = world.h(resident("res-1")), world.h(attorney("att-001"))
    path = f"/api/consultations/{cid}/messages"
    assert world.container.settings.policy.reply_alert_minutes == 30

    def post() -> None:
        assert world.api.post(path, body={"text": "확인했습니다."}, headers=lawyer).status == 201

    post()
    assert len(replied(world)) == 1 and replied(world)[0].endswith(f"/consultations/{cid}/room")
    tick(world, minutes=5)
    post()
    tick(world, minutes=5)
    post()
    assert len(replied(world)) == 1  # unread: coalesced
    assert world.api.get(path, headers=me).json["unread"] == 0  # the resident reads the thread
    tick(world, minutes=1)
    post()
    assert len(replied(world)) == 2  # read since the last alert: told at once
    tick(world, minutes=20)
    post()
    assert len(replied(world)) == 2  # unread again, 20 minutes after the alert
    tick(world, minutes=11)
    post()
    assert len(replied(world)) == 3  # still unread, but 31 minutes on
    # the resident's own messages never alert the resident
    tick(world, minutes=40)
    assert world.api.post(path, body={"text": "네"}, headers=me).status == 201
    assert len(replied(world)) == 3

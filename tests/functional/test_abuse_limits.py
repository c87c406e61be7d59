"""Abuse limits through the app, with the in-memory twins (the numbers are Policy's; see
docs/RELIABILITY.md "Abuse limits"): booking changes per consultation and per account per day,
alerts per recipient per hour coalesced into one "schedule changed" message, holds only on unbooked
reservation requests, and new requests per identity that leaving does not reset."""

from __future__ import annotations

import uuid
from datetime import timedelta

from chalicelib.domain.notifications import MessageKind, render
from tests.functional.test_reservation_api import ADMIN, ALICE, BOB, TUESDAY_MORNING, World, full, iso, kst, world  # noqa: F401
from tests.support import assert_error

SLOTS = [kst(2026, 12, 2, 10), kst(2026, 12, 2, 10, 30)]
SCHEDULE_CHANGED = "일정이 여러 번 변경되었습니다"  # the coalesced message (MessageKind.SCHEDULE_CHANGED)


def attorney_sms(world: World) -> list[str]:
    phone = world.roster.contact("att-a").phone  # type: ignore[union-attr]
    return [text for to, text in world.notifier.sms if to == phone]


def test_the_book_and_cancel_loop_is_capped_and_its_alerts_coalesced(world: World) -> None:
    """The finding: one resident booking and cancelling in a loop sent 12 SMS and 12 e-mails to one
    attorney in 26 seconds. Now the consultation's changes stop at the day's limit and the attorney
    gets at most the hour's alerts plus one "your schedule changed" message."""
    policy = world.container.settings.policy
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    answers = []
    for i in range(12):  # 12 rounds of book + cancel, two seconds apart: 26 seconds in all
        world.at(TUESDAY_MORNING + timedelta(seconds=2 * i))
        answers.append(world.book(ALICE, cid, SLOTS[i % 2]).status)
        world.at(TUESDAY_MORNING + timedelta(seconds=2 * i + 1))
        answers.append(world.cancel(ALICE, cid).status)

    changes = policy.booking_changes_per_consultation_per_day
    assert answers[:changes] == [201, 200] * (changes // 2)
    assert answers[changes] == 429  # the next change of the day is refused
    refused = world.book(ALICE, cid, SLOTS[0])
    error = assert_error(refused, 429, "too_many_booking_changes")
    assert f"{changes} times today" in error["message"] and "031-8030-4541" in error["message"]
    assert world.status(cid) == "submitted"  # the refused changes changed nothing

    per_hour = policy.alerts_per_recipient_per_hour
    sms = attorney_sms(world)
    assert len(sms) == per_hour + 1 < 12
    assert [SCHEDULE_CHANGED in text for text in sms] == [False] * per_hour + [True]
    assert SCHEDULE_CHANGED in render(MessageKind.SCHEDULE_CHANGED, "https://x").text
    mails = [m for m in world.notifier.emails if m[0] == "att-a"]
    assert len(mails) == per_hour + 1 and mails[-1][1] == "[마을노무사] 일정 변경"

    # the next hour, alerts flow again; the next day, changes are allowed again
    world.at(kst(2026, 12, 2, 0, 5))
    assert world.book(ALICE, cid, SLOTS[1]).status == 201
    assert len(attorney_sms(world)) == per_hour + 2 and SCHEDULE_CHANGED not in attorney_sms(world)[-1]


def test_the_account_limit_holds_across_consultations_and_an_admin_cancel_does_not_count(world: World) -> None:
    policy = world.container.settings.policy
    world.add_attorney("att-a", availability=full(world))
    mine = [world.consultation(ALICE) for _ in range(3)]
    made = 0
    for round_ in range(4):
        for cid in mine:
            slot = SLOTS[round_ % 2] + timedelta(days=mine.index(cid))
            if made < policy.booking_changes_per_account_per_day:
                response = world.book(ALICE, cid, slot) if round_ % 2 == 0 else world.cancel(ALICE, cid)
                assert response.status in (200, 201), (made, response.body)
                made += 1
    assert made == policy.booking_changes_per_account_per_day
    booked = next(c for c in mine if world.status(c) == "booked")
    free = next(c for c in mine if world.status(c) == "submitted")
    # every consultation is under its own limit, the account is not
    assert_error(world.book(ALICE, free, SLOTS[0] + timedelta(days=5)), 429, "too_many_booking_changes")
    assert world.api.request("DELETE", f"/api/consultations/{booked}/booking",
                             headers=world.h(ADMIN)).status == 200  # an admin's cancel is not the resident's
    # another resident is not affected
    other = world.consultation(BOB)
    assert world.book(BOB, other, SLOTS[0]).status == 201


def test_holds_are_refused_on_real_time_and_booked_consultations(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    assert world.book(ALICE, cid, SLOTS[0]).status == 201
    error = assert_error(world.api.post("/api/slots/hold", body={"consultation_id": cid, "start": iso(SLOTS[1])},
                                        headers=world.h(ALICE)), 409, "not_holdable")
    assert "booked already" in error["message"]
    assert world.bookings.state_of(cid).hold is None
    realtime = world.api.post("/api/consultations", headers={**world.h(BOB), "Idempotency-Key": str(uuid.uuid4())},
                              body={"category": "dismissal", "region": "suwon", "mode": "realtime",
                                    "method": "phone", "name": "홍길동", "phone": "010-2345-6789",
                                    "consent_privacy": True,
                                    "description": "I was dismissed by text message without any notice."})
    assert realtime.status == 201
    rid = realtime.json["id"]
    assert_error(world.api.post("/api/slots/hold", body={"consultation_id": rid, "start": iso(SLOTS[1])},
                                headers=world.h(BOB)), 409, "not_holdable")
    assert world.bookings.holds == {}

"""The verified-phone gate after a correction (``PATCH /api/consultations/{id}``): the request's number
is what the messages go to, so a number changed to one its owner never verified gets no SMS or 알림톡
(and the old number, verified but no longer the request's, gets nothing either); once the owner
verifies the new number through the app, the next message reaches it. The status route says which
state the request's number is in, as the status page shows it."""

from __future__ import annotations

from tests.functional.test_reservation_api import ADMIN, ALICE, World, full, kst, world  # noqa: F401 - fixture
from tests.phones import code_from_notifier, e164, verify_phone

OLD, NEW = "010-2345-6789", "010-8765-4321"  # the number World.consultation types and verifies, the corrected one


def resident_messages(world: World, since: tuple[int, int]) -> list[tuple[str, str]]:
    """(number, template or "sms") of everything sent to the resident's numbers since ``since``."""
    sms, messages = since
    ours = {e164(OLD), e164(NEW)}
    return ([(to, m.code) for to, m in world.notifier.messages[messages:] if to in ours]
            + [(to, "sms") for to, _ in world.notifier.sms[sms:] if to in ours])


def mark(world: World) -> tuple[int, int]:
    return len(world.notifier.sms), len(world.notifier.messages)


def verified(world: World, phone: str) -> bool:
    answer = world.api.post("/api/me/phone-verification/status", body={"phone": phone}, headers=world.h(ALICE))
    assert answer.status == 200, answer.body
    return bool(answer.json["verified"])


def test_a_phone_corrected_to_an_unverified_number_gets_nothing_until_it_is_verified(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)  # OLD verified through the app: the receipt went to it
    assert [(to, m.code) for to, m in world.notifier.messages] == [(e164(OLD), "MAEUL_RECEIVED_KO")]

    corrected = world.api.request("PATCH", f"/api/consultations/{cid}", body={"phone": NEW}, headers=world.h(ALICE))
    assert corrected.status == 200, corrected.body
    assert corrected.json["personal"]["phone"] == e164(NEW)
    assert verified(world, OLD) and not verified(world, NEW)

    # booked, then cancelled by the staff: the attorney is told, the unverified number and the old one are not
    before = mark(world)
    assert world.book(ALICE, cid, kst(2026, 12, 2, 14)).status == 201
    assert world.cancel(ADMIN, cid).status == 200
    assert resident_messages(world, before) == []
    attorney = world.roster.contact("att-a").phone
    told = world.notifier.messages[before[1]:]
    assert told and {to for to, _ in told} == {attorney}  # the attorney's alerts went out: the gate held the rest

    # the owner verifies the new number through the app: the next booking is told on it, not on the old one
    verify_phone(world.api.post, world.h(ALICE), NEW, code_from_notifier(world.notifier))
    assert verified(world, NEW)
    before = mark(world)
    assert world.book(ALICE, cid, kst(2026, 12, 2, 15)).status == 201
    told = resident_messages(world, before)
    assert (e164(NEW), "MAEUL_BOOKED_PHONE_KO") in told  # the booking of a phone consultation
    assert {to for to, _ in told} == {e164(NEW)}, told

"""The verified-phone gate as the app is configured by default (``Policy.sms_to_verified_phones_only``
is on): a number typed at intake gets no SMS or 알림톡 about the consultation until its owner verified
it through the app; the request is taken either way. Every path that tells a resident goes through
the gate: the "request received" message and a booking cancelled by the staff alike."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.composition import Container
from chalicelib.settings import Policy, Settings
from tests.fakes import FakeAuthenticator, admin, resident
from tests.functional.test_intake_api import VALID
from tests.functional.test_reservation_api import ADMIN, ALICE, World, full, kst, world  # noqa: F401 - fixture
from tests.phones import code_from_notifier, e164, verify_phone
from tests.support import ApiClient
from tests.twins.memory import MemoryAuditLog, MemoryConsultationRepository, MemoryNotifier

PHONE = e164(VALID["phone"])


def test_the_policy_is_on_unless_a_stage_turns_it_off() -> None:
    assert Policy().sms_to_verified_phones_only is True
    assert Settings.from_env({"MAEUL_STAGE": "local"}).policy.sms_to_verified_phones_only is True


@pytest.fixture
def intake_world(clock_at) -> Iterator[tuple[ApiClient, FakeAuthenticator, MemoryNotifier, Container]]:
    from datetime import UTC, datetime

    container = clock_at(datetime(2026, 12, 1, 1, 30, tzinfo=UTC))  # Tuesday 10:30 KST: no quiet hours
    auth, notifier = FakeAuthenticator(), MemoryNotifier()
    repo = MemoryConsultationRepository(container.settings.policy.retention_days_after_close)
    container.__dict__.update(authenticator=auth, audit=MemoryAuditLog(), consultations=repo,
                              cipher=LocalFieldCipher(stage="local"), notifier=notifier)
    yield ApiClient(), auth, notifier, container


def submit(api: ApiClient, auth: FakeAuthenticator, who) -> str:  # type: ignore[no-untyped-def]
    created = api.post("/api/consultations", body=VALID,
                       headers={**auth.headers_for(who), "Idempotency-Key": str(uuid.uuid4())})
    assert created.status == 201, created.body
    return str(created.json["id"])


def test_an_unverified_number_gets_no_request_received_message_and_a_verified_one_does(intake_world) -> None:
    api, auth, notifier, container = intake_world
    who = resident("gate-intake")
    first = submit(api, auth, who)  # taken, with the number typed (the attorney may call it)
    assert container.consultations.get(first) is not None
    assert notifier.sms == [] and notifier.messages == []
    # someone else verifying the same number does not open it for this resident
    verify_phone(api.post, auth.headers_for(resident("gate-other")), VALID["phone"], code_from_notifier(notifier))
    submit(api, auth, who)
    assert notifier.messages == []
    # the owner verifies it through the app: their next request is told on it
    verify_phone(api.post, auth.headers_for(who), VALID["phone"], code_from_notifier(notifier))
    third = submit(api, auth, who)
    [(to, message)] = notifier.messages
    assert to == PHONE and message.code == "MAEUL_RECEIVED_KO"
    assert message.variables["link"].endswith(f"/consultations/{third}")
    # the statistics: one sent, the two held back recorded as having no recipient
    stats = api.get("/api/admin/stats?month=2026-12", headers=auth.headers_for(admin()))
    assert [m["count"] for m in stats.json["messages"] if m["template"] == "MAEUL_RECEIVED_KO"] == [1]
    assert [m["count"] for m in stats.json["messages"] if m["result"] == "no_recipient"] == [2], stats.json


def test_a_booking_cancelled_by_the_staff_is_told_only_to_a_verified_number(world: World) -> None:  # noqa: F811
    world.add_attorney("att-a", availability=full(world))
    unverified = world.consultation(ALICE, verify=False)
    assert world.book(ALICE, unverified, kst(2026, 12, 2, 14)).status == 201
    before = len(world.notifier.sms)
    assert world.cancel(ADMIN, unverified).status == 200
    assert [to for to, _ in world.notifier.sms[before:]] == [world.roster.contact("att-a").phone]  # the attorney only

    verified = world.consultation(ALICE)  # verifies the same number through the app first
    assert world.book(ALICE, verified, kst(2026, 12, 2, 15)).status == 201
    before = len(world.notifier.sms)
    assert world.cancel(ADMIN, verified).status == 200
    told = [(to, text) for to, text in world.notifier.sms[before:] if to == PHONE]
    assert len(told) == 1 and told[0][1].endswith(f"/consultations/{verified}")

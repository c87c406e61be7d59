"""Business counts from real requests: a consultation request counts once (not again when the
client retries with the same idempotency key), as an EMF line without the resident's data."""

from __future__ import annotations

import json
import uuid

from chalicelib.adapters.field_cipher import LocalFieldCipher
from tests.fakes import FakeAuthenticator, resident
from tests.functional.conftest import TUESDAY_MORNING
from tests.functional.test_intake_api import VALID
from tests.functional.test_reservation_api import ALICE, full, kst, world  # noqa: F401 - the fixture
from tests.functional.test_reservation_api import World as ReservationWorld
from tests.support import ApiClient
from tests.twins.memory import MemoryAuditLog, MemoryConsultationRepository
from tests.unit.test_metrics import dimensions_of, emf_lines, metrics_of


def test_a_consultation_request_is_counted_once_without_personal_data(clock_at, capsys) -> None:
    container = clock_at(TUESDAY_MORNING)
    auth = FakeAuthenticator()
    container.__dict__.update(authenticator=auth, audit=MemoryAuditLog(), cipher=LocalFieldCipher(stage="local"),
                              consultations=MemoryConsultationRepository(
                                  container.settings.policy.retention_days_after_close))
    api, alice = ApiClient(), resident("alice-m")
    headers = {**auth.headers_for(alice), "Idempotency-Key": str(uuid.uuid4())}
    capsys.readouterr()
    first = api.post("/api/consultations", body=VALID, headers=headers)
    again = api.post("/api/consultations", body=VALID, headers=headers)  # a retry: the same consultation
    assert first.status == 201 and again.json["id"] == first.json["id"], again.body
    out = capsys.readouterr().out
    counted = [d for d in emf_lines(out) if "ConsultationsRequested" in metrics_of(d)]
    assert len(counted) == 1
    assert metrics_of(counted[0]) == {"ConsultationsRequested": 1}
    assert dimensions_of(counted[0]) == {"service": "maeul", "stage": "local"}
    for personal in ("홍길동", "2345-6789", "gildong", "alice-m"):
        assert personal not in out  # neither in the counts nor in the app's log lines beside them
    # the consultation's id may be logged (an id, see chalicelib/logs.py) but is no dimension of a count
    assert first.json["id"] not in json.dumps(emf_lines(out))


def test_bookings_made_moved_and_cancelled_are_counted(world: ReservationWorld, capsys) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    capsys.readouterr()
    assert world.book(ALICE, cid, kst(2026, 12, 3, 14)).status == 201
    assert world.book(ALICE, cid, kst(2026, 12, 3, 14)).status == 200  # the same again: no new booking
    assert world.book(ALICE, cid, kst(2026, 12, 4, 16, 30)).status == 201
    assert world.cancel(ALICE, cid).status == 200
    docs = emf_lines(capsys.readouterr().out)
    assert [metrics_of(d) for d in docs] == [{"BookingsMade": 1}, {"BookingsRescheduled": 1}, {"BookingsCancelled": 1}]
    assert all(dimensions_of(d) == {"service": "maeul", "stage": "local"} for d in docs)
    assert not any("att-a" in json.dumps(d) or cid in json.dumps(d) for d in docs)

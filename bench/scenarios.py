"""The benchmarked operations over the real features (used by ``bench/run.py``).

Each operation is one HTTP request through ``chalice.test`` with a real
session token (minted through the sessions service before timing starts).
Data each iteration needs (a fresh resident, a fresh consultation) is
prepared outside the timed call.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.run import Operation
from chalicelib.composition import get_container
from chalicelib.domain.identity import Provider
from tests.phones import code_from_sens, verify_phone

INTAKE = {
    "category": "wage_arrears", "region": "suwon", "mode": "reservation", "method": "phone",
    "name": "벤치 주민", "phone": "010-2345-6789", "employment_status": "working",
    "description": "My employer has not paid my wages for two months now.", "consent_privacy": True,
}


def _bearer(subject: str) -> dict[str, str]:
    tokens = get_container().sessions.start(subject, Provider.KAKAO)
    return {"Authorization": f"Bearer {tokens.access_token}"}


def _next_service_day() -> datetime:
    container = get_container()
    opening = container.calendar.next_opening(datetime.now(UTC) + timedelta(days=1))
    return opening


def operations(client: Any, env: dict[str, str]) -> list[Operation]:
    ops: list[Operation] = []
    counter = itertools.count()

    # intake: a new resident each time (the open-consultation limit is per resident), each with the
    # mobile number they verified in the form (resident messages go to verified numbers only)
    read_code = code_from_sens(env["MAEUL_SENS_BASE_URL"])
    intake_residents = [_bearer(f"kakao:bench-intake-{i}") for i in range(60)]
    for i, headers in enumerate(intake_residents):
        verify_phone(client.post, headers, f"010-3456-{i:04d}", read_code)
    residents: Iterator[dict[str, str]] = iter(intake_residents)
    phones = (f"010-3456-{n:04d}" for n in itertools.count())  # one phone per resident, as in life

    def intake() -> None:
        response = client.post("/api/consultations", body={**INTAKE, "phone": next(phones)},
                               headers={**next(residents), "Idempotency-Key": uuid.uuid4().hex})
        assert response.status == 201, response.body[:300]

    ops.append(Operation("intake", intake, 40,
                         {"dynamodb_writes": 1, "kms_per_1000": 10}))

    # listing 50: one resident holding 50 consultations (closed ones do not count against the limit)
    lister = _bearer("kakao:bench-lister")
    container = get_container()
    for _ in range(50):
        created = client.post("/api/consultations", body=INTAKE,
                              headers={**lister, "Idempotency-Key": uuid.uuid4().hex})
        assert created.status == 201, created.body[:300]
        container.consultations.transition(created.json["id"], _cancelled(), datetime.now(UTC))

    def list_50() -> None:
        response = client.get("/api/consultations?limit=50", headers=lister)
        assert response.status == 200 and len(_items(response.json)) == 50

    ops.append(Operation("list_50", list_50, 20, {"queries": 2, "kms": 5}))

    # slot listing for one day and for 14 days
    slot_owner = _bearer("kakao:bench-slots")
    consultation = client.post("/api/consultations", body=INTAKE,
                               headers={**slot_owner, "Idempotency-Key": uuid.uuid4().hex}).json["id"]
    day = _next_service_day().astimezone(container.calendar.tz).date()  # one service day
    today = container.calendar.local_date(datetime.now(UTC))
    first, last = today, today + timedelta(days=13)  # the whole booking horizon

    def slots_one_day() -> None:
        response = client.get(f"/api/slots?consultation_id={consultation}&from={day}&to={day}",
                              headers=slot_owner)
        assert response.status == 200, response.body[:300]

    def slots_14_days() -> None:
        response = client.get(f"/api/slots?consultation_id={consultation}&from={first}&to={last}",
                              headers=slot_owner)
        assert response.status == 200, response.body[:300]

    ops.append(Operation("slots_one_day", slots_one_day, 20))
    ops.append(Operation("slots_14_days", slots_14_days, 10))

    # booking: a fresh resident and consultation per iteration, each booking an open slot
    listed = client.get(f"/api/slots?consultation_id={consultation}&from={first}&to={last}",
                        headers=slot_owner).json
    starts = itertools.cycle([s["start"] for s in _items(listed)])
    bookers = []
    for i in range(25):
        headers = _bearer(f"kakao:bench-booker-{i}")
        verify_phone(client.post, headers, f"010-4567-{i:04d}", read_code)  # told of the booking on it
        cid = client.post("/api/consultations", body={**INTAKE, "phone": f"010-4567-{i:04d}"},
                          headers={**headers, "Idempotency-Key": uuid.uuid4().hex}).json["id"]
        bookers.append((headers, cid))
    queue = iter(bookers)

    def booking() -> None:
        headers, cid = next(queue)
        for _ in range(5):
            response = client.post(f"/api/consultations/{cid}/booking", body={"start": next(starts)},
                                   headers=headers)
            if response.status == 201:
                return
            assert response.status == 409, response.body[:300]
        raise AssertionError("no slot could be booked")

    ops.append(Operation("booking", booking, 20, {"transactions": 1, "reads": 2}))
    ops.extend(_documents(client))
    from bench import translation

    ops.extend(translation.operations(client, _bearer, INTAKE))  # chat between people who share no language
    del counter
    return ops


def _documents(client: Any) -> list[Operation]:
    """A phone photo attached (form, the browser's POST to the bucket, the check) and the list with
    its links. The browser's POST goes to S3 directly and is not the app's call: the counted calls
    are the app's own."""
    import requests

    from tests.documents import photo_with_gps

    owner = _bearer("kakao:bench-documents")
    cid = client.post("/api/consultations", body=INTAKE,
                      headers={**owner, "Idempotency-Key": uuid.uuid4().hex}).json["id"]
    photo = photo_with_gps()
    base = f"/api/consultations/{cid}/attachments"
    # at most 10 documents per consultation: the warm-up and 8 timed uploads go to the first, the
    # three of the memory measurement to a second one
    second = client.post("/api/consultations", body={**INTAKE, "phone": "010-5678-0001"},
                         headers={**owner, "Idempotency-Key": uuid.uuid4().hex}).json["id"]
    uploads = itertools.count()

    def upload() -> None:
        target = base if next(uploads) < 9 else f"/api/consultations/{second}/attachments"
        made = client.post(target, body={"filename": "payslip.jpg", "content_type": "image/jpeg", "size": len(photo)},
                           headers=owner)
        assert made.status == 201, made.body[:300]
        form = made.json["upload"]
        sent = requests.post(form["url"], data=form["fields"], files={"file": ("payslip.jpg", photo, "image/jpeg")},
                             timeout=30)
        assert sent.status_code == 204, sent.text[:300]
        checked = client.post(f"{target}/{made.json['id']}/confirm", headers=owner)
        assert checked.status == 200 and checked.json["status"] == "ready", checked.body[:300]

    def view() -> None:
        listed = client.get(base, headers=owner)
        assert listed.status == 200 and listed.json["items"][0]["url"], listed.body[:300]

    return [Operation("document_upload", upload, 8, {"s3": "HeadObject, GetObject, PutObject×2, DeleteObjects"}),
            Operation("document_view", view, 20, {"queries": 1})]


def _items(payload: Any) -> list[Any]:
    return payload["items"] if isinstance(payload, dict) else payload


def _cancelled() -> Any:
    from chalicelib.domain.consultations import Status

    return Status.CANCELLED

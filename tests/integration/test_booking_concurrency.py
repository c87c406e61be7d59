"""200 residents book 10 slot start times at once, over HTTP, on the local stack.

The app runs as its own server process (``ops.processes.app_server``) against the stack deployed
in the test emulator; residents sign in with real session tokens (``container.sessions``), and
their consultations are taken by the intake service. Exactly three attorneys (created here, in a
category and neighbourhood no other test uses) are free at each start, so:

* every start is given to at most three residents, each with a different attorney;
* every other resident got 409 ``slot_taken``;
* the numbers add up: the 201s are exactly the slot claims, the booked consultations, the
  active bookings and the load counters, and every loser's consultation is untouched.

The app server serves the 200 requests on parallel threads, so reads, fair choices and retries
interleave; the emulator applies one AWS request at a time (``ops/emulator_server.py``), as
DynamoDB's own serialisation of conflicting transactions would decide them.

Why a private emulator: moto keeps every object it ever created for ``/moto-api/data.json``,
including the table copy each transaction makes, so a thousand transactions on the shared
emulator would make that endpoint (which other tests read SMS from) take minutes. This module
deploys the same stack into its own emulator and drops it afterwards.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from chalicelib.clock import CLOCK_VAR, pinned
from chalicelib.composition import Container
from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.availability import Availability
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.domain.identity import Provider
from chalicelib.domain.slots import SlotRules, slot_starts_on
from chalicelib.settings import Settings
from ops import processes
from tests.conftest import ARTIFACTS
from tests.integration.conftest import PrivateStack
from tests.support import scaled

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
CATEGORY, REGION = "industrial_accident", "osan"  # this module's own coverage partitions
ATTORNEYS = 3
RESIDENTS = scaled(60, 200)  # for 30 places: make test races 60, make test-heavy 200
STARTS = 10
WORKERS = scaled(30, 40)  # parallel HTTP requests in flight (bounded)
# the app and the test share one clock, started on a Tuesday morning, whatever the real date
RACE_CLOCK = pinned(datetime(2027, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Seoul")))

@pytest.fixture(scope="module")
def app_url(private_stack: PrivateStack) -> Iterator[str]:
    port = processes.free_port()
    aws_port = urlsplit(private_stack.env["AWS_ENDPOINT_URL"]).port
    env = {**private_stack.env, "MAEUL_APP_PORT": str(port), "MAEUL_AWS_PORT": str(aws_port),
           # only the attorneys created here have an availability: nobody else is bookable
           "MAEUL_POLICY": json.dumps({"availability_default": "none"}), CLOCK_VAR: RACE_CLOCK}
    service = processes.app_server(port, env, ARTIFACTS / f"app-booking-race-{port}.log").start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        service.stop()


def _race_starts(container: Container, now: datetime) -> list[datetime]:
    """The first ten slot starts of the service days from the day after tomorrow (inside the horizon)."""
    calendar, rules = container.calendar, SlotRules()
    day = calendar.local_date(now) + timedelta(days=2)
    starts: list[datetime] = []
    while len(starts) < STARTS:
        starts += slot_starts_on(calendar, rules, day)
        day += timedelta(days=1)
    assert (day - calendar.local_date(now)).days <= 14
    return starts[:STARTS]


def test_two_hundred_residents_race_for_ten_start_times(private_stack: PrivateStack, app_url: str) -> None:
    container = private_stack.container
    # token issuer = the app server's own base URL
    minting = Container(Settings.from_env({**private_stack.env, "MAEUL_PUBLIC_BASE_URL": app_url,
                                           CLOCK_VAR: RACE_CLOCK}))
    now = minting.clock()
    starts = _race_starts(minting, now)
    run = uuid.uuid4().hex[:6]

    # three attorneys, free at every start
    attorneys = []
    for i in range(ATTORNEYS):
        attorney = Attorney(id=f"att-race{run}-{i}", display_name=f"경쟁 {i} 노무사",
                            categories=frozenset({CATEGORY}), regions=frozenset({REGION}))
        container.attorneys.save(attorney, AttorneyContact(phone=f"+82100000990{i}",
                                                           email=f"race-{i}@example.invalid"))
        container.bookings.save_availability(attorney.id, Availability.full(container.calendar), now)
        attorneys.append(attorney.id)

    # 200 residents, each with a consultation and a real session
    from chalicelib.services import intake

    residents = []
    for i in range(RESIDENTS + 1):  # one more for the warm-up
        subject = f"kakao:race{run}{i:03d}"
        key = f"race-{run}-{i}"
        personal = PersonalDetails(name="경쟁자", phone="+821023456789",
                                   description="Injured at work and the employer refuses to report it.")
        request = Intake(category=CATEGORY, region=REGION, mode=Mode.RESERVATION, method=Method.PHONE,
                         language=Language.KO, personal=personal)
        submission = intake.submit(
            consultations=container.consultations, cipher=container.cipher, calendar=container.calendar,
            policy=container.settings.policy, owner=subject, idempotency_key=key, now=now, intake=request)
        tokens = minting.sessions.start(subject, Provider.KAKAO)
        residents.append((submission.consultation.id, {"Authorization": f"Bearer {tokens.access_token}"}))
    warmup, residents = residents[0], residents[1:]

    # warm the server up (lazily built clients) with a booking outside the race, then cancel it
    listed = requests.get(f"{app_url}/api/slots", params={"consultation_id": warmup[0]}, headers=warmup[1],
                          timeout=30)
    assert listed.status_code == 200, listed.text
    open_starts = {datetime.fromisoformat(s["start"]) for s in listed.json()}
    assert set(starts) <= open_starts
    spare = max(open_starts - set(starts))  # far enough ahead to cancel online
    booked = requests.post(f"{app_url}/api/consultations/{warmup[0]}/booking", json={"start": spare.isoformat()},
                           headers=warmup[1], timeout=30)
    assert booked.status_code == 201, booked.text
    assert requests.delete(f"{app_url}/api/consultations/{warmup[0]}/booking", headers=warmup[1],
                           timeout=30).status_code == 200

    # the race: resident i wants start i % 10
    retried = Counter()

    def book(i: int) -> tuple[int, datetime, int, dict[str, Any]]:
        consultation_id, headers = residents[i]
        start = starts[i % STARTS]
        for attempt in range(5):
            try:
                response = requests.post(f"{app_url}/api/consultations/{consultation_id}/booking",
                                         json={"start": start.isoformat()}, headers=headers, timeout=120)
                return i, start, response.status_code, response.json()
            except requests.ConnectionError:
                # the dev server's listen backlog is 5: a refused connection is retried, as a client
                # would; booking the same start again is safe (it answers the booking made, 200)
                retried[i] += 1
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError(f"resident {i}: no answer after 5 connection attempts")

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(book, range(RESIDENTS)))

    statuses = Counter(status for _, _, status, _ in results)
    assert set(statuses) <= {200, 201, 409}, statuses
    losers = [r for r in results if r[2] == 409]
    assert {body["error"]["code"] for _, _, _, body in losers} <= {"slot_taken"}
    winners = [r for r in results if r[2] in (200, 201)]
    assert all(retried[i] for i, _, status, _ in winners if status == 200)  # a 200 only replays a retry
    assert len(winners) + len(losers) == RESIDENTS

    per_start: dict[datetime, list[str]] = defaultdict(list)
    for i, start, _, body in winners:
        assert datetime.fromisoformat(body["start"]) == start
        assert body["attorney"]["id"] in attorneys and body["consultation_id"] == residents[i][0]
        per_start[start].append(body["attorney"]["id"])
    for start in starts:
        taken = per_start[start]
        assert 1 <= len(taken) <= ATTORNEYS, (start, taken)   # at most as many as attorneys free
        assert len(taken) == len(set(taken)), (start, taken)  # nobody twice at one time

    # the numbers add up, read back from DynamoDB
    first_day = min(starts).astimezone(KST).date()
    last_day = max(starts).astimezone(KST).date()
    claims = [c for c in container.bookings.claims_between(
        datetime.combine(first_day, datetime.min.time(), tzinfo=KST),
        datetime.combine(last_day, datetime.max.time(), tzinfo=KST)) if c.attorney_id in attorneys]
    assert sorted((c.start, c.attorney_id, c.consultation_id) for c in claims) == sorted(
        (start, body["attorney"]["id"], body["consultation_id"]) for _, start, _, body in winners)
    assert all(c.kind.value == "booked" for c in claims)
    won = {body["consultation_id"]: body["attorney"]["id"] for _, _, _, body in winners}
    for consultation_id, _ in residents:
        consultation = container.consultations.get(consultation_id)
        active = container.bookings.state_of(consultation_id).active
        if consultation_id in won:
            assert consultation.status is Status.BOOKED and consultation.attorney_id == won[consultation_id]
            assert active is not None and active.attorney_id == won[consultation_id]
        else:
            assert consultation.status is Status.SUBMITTED and consultation.attorney_id is None
            assert active is None
    year = now.astimezone(KST).year
    loads = container.loads.get_many(attorneys, year)
    per_attorney = Counter(won.values())
    assert {a: loads[a].assignments_this_year for a in attorneys} == {a: per_attorney[a] for a in attorneys}
    print(f"\n{RESIDENTS} residents, {STARTS} starts, {ATTORNEYS} attorneys: {len(winners)} booked "
          f"({', '.join(str(len(per_start[s])) for s in starts)} per start), {len(losers)} got 409; "
          f"{sum(retried.values())} connection retries")

"""A bounded load run of the whole reservation journey, then every log line of it scanned for
personal data.

Forty residents, eight at a time, each on its own HTTP session against the app's real server
process: sign in with Kakao through the real dev identity provider, submit a consultation,
list slots, book (colliding on purpose on the first few starts), read back. ``ops/load.py``
is the same runner ``scripts/load`` uses against ``make run``.

Asserted: every journey completes (409 ``slot_taken`` only sends a resident back to the
list); no (attorney, start) is given twice, from the answers and from DynamoDB; every
consultation answered 201 is stored, booked to the attorney answered, and the attorneys' load
counters add up; and no log line of the app, the identity provider or the emulator holds a
resident's name, phone number, e-mail, description, or any code, state or token of the run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.clock import CLOCK_VAR, pinned
from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.consultations import Status
from ops import load, processes
from tests.conftest import ARTIFACTS
from tests.integration.conftest import PrivateStack
from tests.support import scaled

pytestmark = pytest.mark.emulator

RESIDENTS, WORKERS, ATTORNEYS = scaled(16, 40), 8, 2  # make test / make test-heavy
CATEGORY, REGION = "wage_arrears", "suwon"
RUN_AT = datetime(2027, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Seoul"))  # a Tuesday morning, whatever the real date


@pytest.fixture(scope="module")
def site(private_stack: PrivateStack) -> Iterator[tuple[str, list[Path]]]:
    ports = private_stack.ports
    logs = [ARTIFACTS / f"app-load-{ports.app}.log", ARTIFACTS / f"idp-load-{ports.idp}.log",
            ARTIFACTS / f"emulator-private-{ports.aws}.log"]
    idp = processes.identity_provider(ports.idp, ports.app, logs[1]).start()
    # the app runs on a clock of the test's (a Tuesday morning), so the slots, their year and the
    # year the loads count under are the same on any day the suite runs
    env = {**private_stack.env, CLOCK_VAR: pinned(RUN_AT)}
    app = processes.app_server(ports.app, env, logs[0]).start()
    try:
        yield f"http://127.0.0.1:{ports.app}", logs
    finally:
        app.stop()
        idp.stop()


@pytest.fixture(scope="module")
def attorneys(private_stack: PrivateStack) -> list[str]:
    ids = []
    for i in range(ATTORNEYS):
        attorney = Attorney(id=f"att-load-{i}", display_name=f"부하 {i} 노무사",
                            categories=frozenset({CATEGORY}), regions=frozenset({REGION}))
        contact = AttorneyContact(phone=f"+8210000088{i:02d}", email=f"load-att-{i}@example.invalid")
        private_stack.container.attorneys.save(attorney, contact)
        ids.append(attorney.id)
    return ids


@pytest.fixture(scope="module")
def report(site, attorneys) -> load.LoadReport:
    base_url, _ = site
    # everyone aims at the first two open starts on purpose; a resident who loses the race goes back
    # to the list, as many times as it takes (the losses are counted, not a failure)
    result = load.run(base_url, load.residents(RESIDENTS), workers=WORKERS, attempts=RESIDENTS,
                      category=CATEGORY, region=REGION)
    print("\nload run:", result.summary())
    return result


def test_every_journey_completes_without_double_booking_or_loss(report: load.LoadReport,
                                                                private_stack: PrivateStack,
                                                                attorneys: list[str]) -> None:
    summary = report.summary()
    assert summary["errors"] == {}, [(j.error, j.error.body) for j in report.journeys if j.error]
    assert summary["completed"] == RESIDENTS
    assert set(report.statuses()) <= {200, 201, 302, 409}, report.statuses()
    assert report.double_bookings() == [] and report.lost() == []

    container = private_stack.container
    booked = {j.consultation_id: j.booking for j in report.journeys}
    for consultation_id, booking in booked.items():
        stored = container.consultations.get(consultation_id)
        assert stored.status is Status.BOOKED and stored.attorney_id == booking["attorney"]["id"]
        active = container.bookings.state_of(consultation_id).active
        assert active is not None and active.start == datetime.fromisoformat(booking["start"])
    starts = [datetime.fromisoformat(b["start"]) for b in booked.values()]
    claims = [c for c in container.bookings.claims_between(min(starts) - timedelta(hours=1),
                                                           max(starts) + timedelta(hours=1))
              if c.attorney_id in attorneys]
    assert len({(c.attorney_id, c.start) for c in claims}) == len(claims) == RESIDENTS
    assert sorted(c.consultation_id for c in claims) == sorted(booked)
    # loads count under the year of the booking moment (the app's clock), not of the slot
    loads = container.loads.get_many(attorneys, RUN_AT.year)
    per_attorney = Counter(b["attorney"]["id"] for b in booked.values())
    assert {a: loads[a].assignments_this_year for a in attorneys} == {a: per_attorney[a] for a in attorneys}


def _forms(phone: str) -> list[str]:
    digits = re.sub(r"\D", "", phone)  # 0107xxxnnnn
    return [phone, digits, "+82" + digits[1:], "82" + digits[1:], digits[3:]]


def test_no_log_line_of_the_run_holds_personal_data_or_secrets(report: load.LoadReport, site) -> None:
    _, logs = site
    text = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in logs if path.exists())
    assert text.count("booking made") >= RESIDENTS  # the scan reads the app's real log, not nothing
    needles: dict[str, str] = {}
    for journey in report.journeys:
        r = journey.resident
        needles.update({r.name: "name", r.email: "e-mail", r.description[:30]: "description",
                        r.description[-30:]: "description"})
        needles.update({form: "phone" for form in _forms(r.phone)})
        needles.update({secret: "code/state/token" for secret in journey.secrets if len(secret) >= 8})
    found = sorted({(kind, needle[:12] + "…") for needle, kind in needles.items() if needle in text})
    assert found == [], found

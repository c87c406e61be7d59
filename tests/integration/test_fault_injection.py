"""Fault injection: what people see, and what is stored, when a dependency fails.

The real app runs in-process (``chalice.test``) on the real stack in the emulator; a fault is
either the dependency really gone (a closed port for its endpoint, the dev identity provider's
process stopped) or a botocore stub answering an error: for the duration of a ``with
aws_fault(...)`` block, every call of the named service and operations made by this process
raises what botocore raises when AWS answers that error (after its own retries) -- the
emulator never sees the call. The designed outcome, everywhere: a clear 503 (our dependencies)
or 502 (the sign-in provider) with a message a person can act on, never a 500 or a misleading
4xx; nothing half-written; nothing personal stored in plaintext; a retry after recovery works.

The whole fault matrix (dependency: fault, moment -> designed outcome). Rows marked "elsewhere"
are covered by the named test and not repeated here.

KMS
- key refused (bogus key ARN), intake -> 503 ``encryption_unavailable``, no write attempted, the
  Idempotency-Key still usable. Elsewhere: ``test_intake_emulator.py::
  test_key_service_failure_is_503_and_nothing_is_stored``.
- endpoint refused (a closed port), or throttled, intake -> the same.
- endpoint refused, reading a consultation -> 503 ``encryption_unavailable`` (was a 500).
DynamoDB
- transaction throttled (``ProvisionedThroughputExceededException``, ``ThrottlingException``,
  ``TransactionCanceledException`` with a ``ThrottlingError`` reason), intake -> 503
  ``service_unavailable``, nothing stored, the Idempotency-Key still usable (was a 500).
- the same three, booking -> 503 with ``Retry-After`` (was a 500; a throttled transaction is
  retried like a conflicting one, but never reported as a 409 ``slot_taken``); still
  ``submitted``, no booking, claim, count or reminder written; the very same request books once
  the fault is lifted. Holding a slot and cancelling a booking likewise (was a 500).
- ``Query`` / ``BatchGetItem`` throttled, booking and open slots -> 503 (was a 500).
- endpoint refused (stubbed, and a real closed port), read routes and the session check -> 503,
  not a 500 or a 401.
SNS
- endpoint refused for a whole reminders run -> counted failed, sent once by the next run.
  Elsewhere: ``test_reminders_time_travel.py``.
- throttled, the booking alert -> the booking stands in full, its reminders are queued, the
  failed alert is logged (alerts are best effort by design).
- e-mail publish throttled while SMS works, a reminders run -> SMS once, the e-mail once on the
  next run, nothing twice.
Sign-in provider (the real dev identity provider, a process)
- token or user-info endpoint 500 or malformed, Kakao, in-memory stores -> 502. Elsewhere:
  ``tests/functional/test_signin.py``.
- process stopped, token endpoint 500, malformed JSON, timeout; Kakao and Naver; JSON and
  browser -> 502 error or page, no session cookie, the failure in the login history (DynamoDB).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

import botocore.client
import pytest
import requests
from botocore.exceptions import EndpointConnectionError

from chalicelib import composition
from chalicelib.adapters.dynamo import base as dynamo_base
from chalicelib.adapters.dynamo.loads import load_key
from chalicelib.composition import Container, use_container
from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.availability import Availability
from chalicelib.domain.bookings import candidate_regions
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Provider
from chalicelib.domain.reminders import Channel, Reminder
from chalicelib.services.reminders import run_reminders
from chalicelib.settings import Settings
from ops import awscalls, processes
from tests.phones import code_from_outbox, e164, verify_phone
from tests.support import ApiClient, ApiResponse, assert_error

pytestmark = pytest.mark.emulator

KST = timezone(timedelta(hours=9))
NOW = datetime(2027, 6, 14, 9, 0, tzinfo=KST)  # a Monday morning; bookings on Wednesday afternoon
BOOKING_DAY = date(2027, 6, 16)
CATEGORY, REGION = "wage_arrears", "yeoncheon"
CLOSED = "http://127.0.0.1:9"  # nothing listens there
DDB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
UA = "Mozilla/5.0 (pytest) maeul-fault-injection"


# --- the botocore stub ----------------------------------------------------------------------------

Answer = Callable[[Any, str, dict], Exception]


@dataclass
class Fault:
    service: str
    operations: frozenset[str]
    answer: Answer
    when: Callable[[dict], bool] | None = None
    hits: list[str] = field(default_factory=list)

    def applies(self, service: str, operation: str, params: dict) -> bool:
        return (service == self.service and (not self.operations or operation in self.operations)
                and (self.when is None or self.when(params)))


# Patched on the class, not registered as an event handler per client: the clients built before the
# test (pynamodb's per-model connections, the Encryption SDK's KMS clients) are covered too. The
# exception is built the way botocore builds it from an error answer.
_FAULTS: list[Fault] = []
_ORIGINAL_CALL = botocore.client.BaseClient._make_api_call


def _call_with_faults(client: Any, operation: str, params: dict) -> Any:
    service = client.meta.service_model.service_name
    for fault in list(_FAULTS):
        if fault.applies(service, operation, params):
            fault.hits.append(operation)
            raise fault.answer(client, operation, params)
    return _ORIGINAL_CALL(client, operation, params)


@contextlib.contextmanager
def aws_fault(service: str, *operations: str, answer: Answer, when: Callable[[dict], bool] | None = None
              ) -> Iterator[Fault]:
    """Calls of ``service`` (only ``operations``, if given) fail with ``answer`` inside the block."""
    fault = Fault(service, frozenset(operations), answer, when)
    if not _FAULTS:
        botocore.client.BaseClient._make_api_call = _call_with_faults  # type: ignore[method-assign]
    _FAULTS.append(fault)
    try:
        yield fault
    finally:
        _FAULTS.remove(fault)
        if not _FAULTS:
            botocore.client.BaseClient._make_api_call = _ORIGINAL_CALL  # type: ignore[method-assign]


def error(code: str, message: str = "injected fault", status: int = 400) -> Answer:
    """What botocore raises when AWS answers ``code`` (its modeled exception class, if any)."""
    def build(client: Any, operation: str, params: dict) -> Exception:
        parsed = {"Error": {"Code": code, "Message": message},
                  "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 3}}
        return client.exceptions.from_code(code)(parsed, operation)
    return build


def cancelled_by_throttling(client: Any, operation: str, params: dict) -> Exception:
    """A transaction DynamoDB cancelled because one item's partition was over its capacity."""
    reasons = [{"Code": "None"} for _ in params.get("TransactItems", [])]
    reasons[-1] = {"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity of your "
                                                         "table or index."}
    parsed = {"Error": {"Code": "TransactionCanceledException",
                        "Message": "Transaction cancelled, please refer cancellation reasons for specific "
                                   f"reasons [{', '.join(r['Code'] for r in reasons)}]"},
              "CancellationReasons": reasons,
              "ResponseMetadata": {"HTTPStatusCode": 400, "HTTPHeaders": {}, "RetryAttempts": 0}}
    return client.exceptions.from_code("TransactionCanceledException")(parsed, operation)


def refused(client: Any, operation: str, params: dict) -> Exception:
    """What botocore raises once it gave up connecting."""
    return EndpointConnectionError(endpoint_url=client.meta.endpoint_url)


THROTTLED_TRANSACTIONS = {
    "provisioned_throughput": error("ProvisionedThroughputExceededException", "The level of configured "
                                    "provisioned throughput for the table was exceeded."),
    "throttling": error("ThrottlingException", "Rate of requests exceeds the allowed throughput."),
    "cancelled_throttling_error": cancelled_by_throttling,
}


# --- the world: a fixed clock, one attorney of our own, the real app ---------------------------------

@dataclass
class World:
    env: dict[str, str]
    container: Container
    api: ApiClient
    attorney_id: str
    idp_port: int
    _next_slot: int = 0

    def install(self, container: Container | None = None) -> Container:
        use_container(container or self.container)
        return container or self.container

    def fresh_container(self, **env: str) -> Container:
        """A new container (a cold Lambda container) on the same stack and clock, installed."""
        built = Container(Settings.from_env({**self.env, **env}), clock=self.container.clock)
        built.tables  # noqa: B018 - bind the models
        return self.install(built)

    def resident(self) -> tuple[str, dict[str, str]]:
        subject = f"kakao:fault-{uuid.uuid4().hex[:10]}"
        token = self.container.sessions.start(subject, Provider.KAKAO).access_token
        return subject, {"Authorization": f"Bearer {token}"}

    def intake(self, tag: str | None = None) -> dict[str, Any]:
        tag = tag or uuid.uuid4().hex[:8]
        return {"category": CATEGORY, "region": REGION, "mode": "reservation", "method": "phone",
                "name": f"결함이름{tag}", "phone": "010-2345-6789", "email": f"fault.{tag}@mailbox-{tag}.kr",
                "description": f"결함 주입 사연 {tag}: my employer has not paid three months of wages.",
                "consent_privacy": True}

    def submit(self, headers: dict[str, str], body: dict[str, Any], key: str) -> ApiResponse:
        return self.api.post("/api/consultations", body=body, headers={**headers, "Idempotency-Key": key})

    def consultation(self) -> tuple[str, dict[str, str], str]:
        subject, headers = self.resident()
        created = self.submit(headers, self.intake(), uuid.uuid4().hex)
        assert created.status == 201, created.body
        return subject, headers, created.json["id"]

    def verified_consultation(self) -> tuple[dict[str, str], str, str]:
        """A request whose resident verified its number first (resident SMS go to verified numbers
        only), a number of its own (codes per number are limited): headers, id, the number (E.164)."""
        _, headers = self.resident()
        digits = f"{uuid.uuid4().int % 10**7:07d}"
        phone = f"010-7{digits[:3]}-{digits[3:]}"
        verify_phone(self.api.post, headers, phone, code_from_outbox(os.environ["AWS_ENDPOINT_URL"]))
        created = self.submit(headers, {**self.intake(), "phone": phone}, uuid.uuid4().hex)
        assert created.status == 201, created.body
        return headers, created.json["id"], e164(phone)

    def slot(self) -> datetime:
        """A different bookable start for each booking (our attorney is free at all of them)."""
        step = timedelta(minutes=self.container.settings.policy.slot_minutes)
        starts = []
        for window in self.container.calendar.windows:
            moment = datetime.combine(BOOKING_DAY, window.start, tzinfo=KST)
            while moment + step <= datetime.combine(BOOKING_DAY, window.end, tzinfo=KST):
                starts.append(moment)
                moment += step
        assert self._next_slot < len(starts), "out of slots on the booking day"
        self._next_slot += 1
        return starts[self._next_slot - 1]

    def book(self, headers: dict[str, str], consultation_id: str, start: datetime) -> ApiResponse:
        return self.api.post(f"/api/consultations/{consultation_id}/booking", headers=headers,
                             body={"start": start.isoformat()})

    def pool(self) -> set[str]:
        ring = self.container.settings.policy.reservation_ring
        regions = set().union(*candidate_regions(REGION, ring)[:1])
        return {a for r in regions for a in self.container.attorneys.covering(CATEGORY, r)}

    def loads(self) -> dict[str, int]:
        found = self.container.loads.get_many(self.pool(), NOW.year)
        return {a: load.assignments_this_year for a, load in found.items()}

    def assert_untouched(self, consultation_id: str, start: datetime, loads: dict[str, int]) -> None:
        """The consultation is as before the failed booking: submitted, no booking, hold or history,
        no slot claim, no attorney's count moved."""
        c = self.container
        assert c.consultations.get(consultation_id).status is Status.SUBMITTED
        state = c.bookings.state_of(consultation_id)
        assert (state.active, state.hold, state.history) == (None, None, ())
        claims = c.bookings.claims_between(start, start)
        assert [x for x in claims if x.consultation_id == consultation_id] == []
        assert self.loads() == loads


def _table_keys(ddb: Any, table: str, names: tuple[str, ...]) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    aliases = {f"#k{i}": n for i, n in enumerate(names)}
    for page in ddb.get_paginator("scan").paginate(TableName=table, ProjectionExpression=", ".join(aliases),
                                                   ExpressionAttributeNames=aliases):
        found |= {tuple(item[n]["S"] for n in names) for item in page["Items"]}
    return found


@pytest.fixture(scope="module")
def world(stack_env: dict[str, str], container: Container) -> Iterator[World]:
    idp_port = processes.free_port()
    idp = f"http://127.0.0.1:{idp_port}"
    env = {**stack_env, "KAKAO_AUTH_BASE_URL": idp, "KAKAO_API_BASE_URL": idp, "NAVER_AUTH_BASE_URL": idp,
           "NAVER_API_BASE_URL": idp,
           # a short provider timeout keeps the timeout case fast (2 s: at 0.5 s a loaded machine's plain
           # answer came 10 ms too late and counted as unreachable); the address limit is raised so that
           # this module's deliberate sign-in failures never throttle one another
           # (and, the clock standing still, the abuse limits on booking changes and on alerts per hour)
           "MAEUL_POLICY": json.dumps({"provider_timeout_seconds": 2.0, "login_failures_per_ip": 1000,
                                       "alerts_per_recipient_per_hour": 100,
                                       "booking_changes_per_consultation_per_day": 100,
                                       "booking_changes_per_account_per_day": 200})}
    previous = composition._container
    built = Container(Settings.from_env(env), clock=lambda: NOW.astimezone(UTC))
    built.tables  # noqa: B018
    ddb = built.boto_session.client("dynamodb")
    tables = {env["MAEUL_MAIN_TABLE"]: ("pk", "sk"), env["MAEUL_IDEMPOTENCY_TABLE"]: ("id",),
              env["MAEUL_AUDIT_TABLE"]: ("pk", "sk")}
    before = {t: _table_keys(ddb, t, names) for t, names in tables.items()}
    attorney_id = f"fault-{uuid.uuid4().hex[:8]}"
    built.attorneys.save(Attorney(id=attorney_id, display_name="결함 노무사", categories=frozenset({CATEGORY}),
                                  regions=frozenset({REGION})),
                         AttorneyContact(phone="+821099990001", email=f"{attorney_id}@example.invalid"),
                         NOW)
    built.bookings.save_availability(attorney_id, Availability.full(built.calendar), NOW)
    use_container(built)
    made = World(env, built, ApiClient(env), attorney_id, idp_port)
    # other tests' attorneys in the pool may be booked too: their yearly counts are put back after
    counts = [ddb.get_item(TableName=env["MAEUL_MAIN_TABLE"], ConsistentRead=True,
                           Key={"pk": {"S": pk}, "sk": {"S": sk}}).get("Item")
              for pk, sk in (load_key(a, NOW.year) for a in made.pool())]
    try:
        yield made
    finally:
        use_container(previous)
        # leave the shared emulator as we found it (our future-dated sign-in failures would
        # otherwise count against 127.0.0.1 in every later test)
        for item in filter(None, counts):
            ddb.put_item(TableName=env["MAEUL_MAIN_TABLE"], Item=item)
        for table, names in tables.items():
            keys = sorted(_table_keys(ddb, table, names) - before[table])
            for i in range(0, len(keys), 25):
                batch = {table: [{"DeleteRequest": {"Key": {n: {"S": v} for n, v in zip(names, key, strict=True)}}}
                                 for key in keys[i:i + 25]]}
                while batch:
                    batch = ddb.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}


@pytest.fixture
def app(world: World) -> Iterator[World]:
    world.install()
    yield world
    world.install()


def dynamodb_writes(recorded: list[tuple[str, str, dict]]) -> list[str]:
    """The DynamoDB writes that reached the emulator."""
    return [op for service, op, _ in recorded if service == "dynamodb" and op in DDB_WRITES]


def assert_unavailable(response: ApiResponse) -> dict[str, Any]:
    err = assert_error(response, 503, "service_unavailable")
    assert "try again" in err["message"].lower() and "031-8030-4541" in err["message"]
    assert int(response.headers["retry-after"]) > 0
    assert response.headers.get("cache-control") == "no-store"
    return err


# --- DynamoDB throttling during booking -------------------------------------------------------------

@pytest.mark.parametrize("shape", sorted(THROTTLED_TRANSACTIONS))
def test_a_throttled_booking_transaction_is_503_writes_nothing_and_the_same_request_books_later(
        app: World, shape: str) -> None:
    _, headers, cid = app.consultation()
    start = app.slot()
    loads = app.loads()
    with awscalls.record_calls() as recorded, \
            aws_fault("dynamodb", "TransactWriteItems", answer=THROTTLED_TRANSACTIONS[shape]) as fault:
        response = app.book(headers, cid, start)
    assert_unavailable(response)
    assert fault.hits, "the booking never reached its transaction"
    assert dynamodb_writes(recorded) == []
    app.assert_untouched(cid, start, loads)

    booked = app.book(headers, cid, start)  # the fault is lifted: the very same request succeeds
    assert booked.status == 201, booked.body
    chosen = booked.json["attorney"]["id"]
    assert app.container.consultations.get(cid).status is Status.BOOKED
    assert app.loads() == {**loads, chosen: loads[chosen] + 1}


@pytest.mark.parametrize("operation", ["Query", "BatchGetItem"])
def test_throttled_reads_on_the_booking_routes_are_503_not_500(app: World, operation: str) -> None:
    _, headers, cid = app.consultation()
    start = app.slot()
    loads = app.loads()
    answer = error("ProvisionedThroughputExceededException", "The level of configured provisioned "
                   "throughput for the table was exceeded.")
    with awscalls.record_calls() as recorded, aws_fault("dynamodb", operation, answer=answer) as fault:
        assert_unavailable(app.book(headers, cid, start))
        slots = f"/api/slots?consultation_id={cid}&from={BOOKING_DAY}&to={BOOKING_DAY}"
        assert_unavailable(app.api.get(slots, headers=headers))
    assert fault.hits
    assert dynamodb_writes(recorded) == []
    app.assert_untouched(cid, start, loads)
    assert app.book(headers, cid, start).status == 201


def test_throttled_hold_and_cancel_transactions_are_503_and_change_nothing(app: World) -> None:
    _, headers, cid = app.consultation()
    start = app.slot()
    loads = app.loads()
    throttled = THROTTLED_TRANSACTIONS["cancelled_throttling_error"]
    with aws_fault("dynamodb", "TransactWriteItems", answer=throttled):
        assert_unavailable(app.api.post("/api/slots/hold", headers=headers,
                                        body={"consultation_id": cid, "start": start.isoformat()}))
    app.assert_untouched(cid, start, loads)

    assert app.book(headers, cid, start).status == 201
    booked = app.container.bookings.state_of(cid).active
    booked_loads = app.loads()
    with aws_fault("dynamodb", "TransactWriteItems", answer=throttled) as fault:
        assert_unavailable(app.api.request("DELETE", f"/api/consultations/{cid}/booking", headers=headers))
    assert len(fault.hits) > 1  # busy: retried before giving up
    assert app.container.bookings.state_of(cid).active == booked  # still booked, nothing ended
    assert app.container.consultations.get(cid).status is Status.BOOKED
    assert [x.consultation_id for x in app.container.bookings.claims_between(start, start)
            if x.attorney_id == booked.attorney_id] == [cid]
    assert app.loads() == booked_loads
    assert app.api.request("DELETE", f"/api/consultations/{cid}/booking", headers=headers).status == 200


# --- DynamoDB throttled, or KMS gone, during intake -------------------------------------------------

@pytest.mark.parametrize("shape", sorted(THROTTLED_TRANSACTIONS))
def test_a_throttled_intake_transaction_is_503_stores_nothing_and_the_key_stays_usable(
        app: World, shape: str) -> None:
    subject, headers = app.resident()
    body = app.intake()
    with awscalls.record_calls() as recorded, \
            aws_fault("dynamodb", "TransactWriteItems", answer=THROTTLED_TRANSACTIONS[shape]) as fault:
        response = app.submit(headers, body, "while-throttled")
    assert_unavailable(response)
    assert fault.hits
    assert dynamodb_writes(recorded) == []
    assert app.container.consultations.list_by_owner(subject, 5).items == []
    retried = app.submit(headers, body, "while-throttled")
    assert retried.status == 201 and "idempotent-replayed" not in retried.headers, retried.body
    assert [c.id for c in app.container.consultations.list_by_owner(subject, 5).items] == [retried.json["id"]]


@contextlib.contextmanager
def kms_endpoint_refused() -> Iterator[None]:
    """KMS clients built inside the block connect to a closed port (the key service is down)."""
    previous = os.environ.get("AWS_ENDPOINT_URL_KMS")
    os.environ["AWS_ENDPOINT_URL_KMS"] = CLOSED
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL_KMS", None)
        else:
            os.environ["AWS_ENDPOINT_URL_KMS"] = previous


@contextlib.contextmanager
def kms_down(how: str) -> Iterator[None]:
    if how == "refused":
        with kms_endpoint_refused():
            yield
    else:
        with aws_fault("kms", answer=error("ThrottlingException", "Rate exceeded")):
            yield


@pytest.mark.parametrize("how", ["refused", "throttled"])
def test_the_key_service_down_during_intake_is_503_with_no_write_and_the_key_stays_usable(
        app: World, how: str) -> None:
    subject, headers = app.resident()
    body = app.intake()
    with kms_down(how), awscalls.record_calls() as recorded:
        down = app.fresh_container()  # cold: no cached data key to fall back on
        down.cipher  # noqa: B018 - its KMS client is built now, against the dead endpoint
        response = app.submit(headers, body, "while-kms-down")
    err = assert_error(response, 503, "encryption_unavailable")
    assert "nothing was saved" in err["message"]
    assert dynamodb_writes(recorded) == []  # sealed first: not one write was attempted
    for secret in (body["name"], body["email"], "2345-6789", body["description"][:12]):
        assert secret not in response.body.decode("utf-8")
    app.install()  # the key service is back
    assert app.container.consultations.list_by_owner(subject, 5).items == []
    retried = app.submit(headers, body, "while-kms-down")
    assert retried.status == 201 and "idempotent-replayed" not in retried.headers, retried.body


def test_the_key_service_down_while_reading_a_consultation_is_503_not_500(app: World) -> None:
    _, headers, cid = app.consultation()
    with kms_endpoint_refused():
        app.fresh_container().cipher  # noqa: B018 - cold, so the data key must come from KMS
        err = assert_error(app.api.get(f"/api/consultations/{cid}", headers=headers), 503,
                           "encryption_unavailable")
    assert "cannot be shown right now" in err["message"]
    app.install()
    assert app.api.get(f"/api/consultations/{cid}", headers=headers).status == 200


# --- DynamoDB gone entirely -------------------------------------------------------------------------

READ_ROUTES = ["/api/me", "/api/consultations", "/api/consultations/{id}", "/api/me/logins",
               "/api/slots?consultation_id={id}"]


def beyond_the_session_check(params: dict) -> bool:
    """Every call but the session lookup, so that a route's own reads meet the outage."""
    return not str(params.get("Key", {}).get("pk", {}).get("S", "")).startswith("SESSION#")


@pytest.mark.parametrize("path", READ_ROUTES)
def test_dynamodb_unreachable_on_a_read_route_is_503(app: World, path: str) -> None:
    _, headers, cid = app.consultation()
    with aws_fault("dynamodb", answer=refused, when=beyond_the_session_check) as fault:
        response = app.api.get(path.format(id=cid), headers=headers)
    assert fault.hits, "the route read nothing: the fault was never met"
    assert_unavailable(response)


def test_dynamodb_unreachable_while_checking_the_session_is_503_not_401(app: World) -> None:
    """A 401 would send a signed-in person to sign in again, which cannot work either."""
    _, headers = app.resident()
    with aws_fault("dynamodb", answer=refused) as fault:
        response = app.api.get("/api/me", headers=headers)
    assert fault.hits == ["GetItem"]
    assert_unavailable(response)


@contextlib.contextmanager
def dynamodb_endpoint_refused() -> Iterator[None]:
    """Every pynamodb connection built inside the block connects to a closed port."""
    def reset() -> None:
        for _, model in dynamo_base._REGISTRY:
            model._connection = None

    previous = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = CLOSED
    reset()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
        else:
            os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = previous
        reset()


def test_the_database_endpoint_really_refused_is_503(app: World) -> None:
    _, headers, cid = app.consultation()
    with dynamodb_endpoint_refused():
        app.fresh_container()
        assert_unavailable(app.api.get(f"/api/consultations/{cid}", headers=headers))
    app.install()
    assert app.api.get(f"/api/consultations/{cid}", headers=headers).status == 200


# --- SNS and SES failing: the booking alert, and the reminders job ------------------------------------

SNS_THROTTLED = error("Throttled", "Rate exceeded")
SES_THROTTLED = error("TooManyRequestsException", "Maximum sending rate exceeded.", 429)


def reminders_of(booking_id: str) -> list[Any]:
    from chalicelib.adapters.dynamo.reminders import ReminderItem

    return list(ReminderItem.query(f"REMINDER#{booking_id}", consistent_read=True))


class OneBooking:
    """The real reminder store, with the due list narrowed to one booking (the shared emulator may
    hold other tests' pending reminders; this run must neither send nor wait for them)."""

    def __init__(self, store: Any, booking_id: str) -> None:
        self._store = store
        self._booking_id = booking_id

    def due(self, now: datetime, limit: int = 100) -> list[Reminder]:
        return [Reminder(i.booking_id, i.consultation_id, i.attorney_id, i.start, int(i.offset_minutes),
                         Channel(i.channel), i.due_at)
                for i in reminders_of(self._booking_id) if i.gsi3pk is not None and i.due_at <= now][:limit]

    def __getattr__(self, name: str) -> Any:  # claim, mark_sent, release: the real ones
        return getattr(self._store, name)


class Recorded:
    """The real notifier (SNS and SES), noting what it delivered."""

    def __init__(self, notifier: Any) -> None:
        self._notifier = notifier
        self.delivered: list[tuple[str, str]] = []

    def send_sms(self, phone: str, text: str) -> str:
        message_id = self._notifier.send_sms(phone, text)
        self.delivered.append(("sms", phone))
        return message_id

    def send_message(self, phone: str, message: Any) -> Any:
        sent = self._notifier.send_message(phone, message)
        self.delivered.append(("sms", phone))
        return sent

    def email_attorney(self, attorney_id: str, alert: Any, contact: Any = None) -> str | None:
        message_id = self._notifier.email_attorney(attorney_id, alert, contact)
        self.delivered.append(("email", attorney_id))
        return message_id

    def alarm(self, subject: str, text: str) -> None:
        self._notifier.alarm(subject, text)


def test_sns_failing_when_the_booking_alert_goes_out_still_books_in_full(
        app: World, caplog: pytest.LogCaptureFixture) -> None:
    """Designed: alerts are best effort; the booking stands, and its reminders (sent later by the
    reminders job) are queued in the same transaction."""
    _, headers, cid = app.consultation()
    start = app.slot()
    caplog.set_level(logging.WARNING)
    with aws_fault("sns", "Publish", answer=SNS_THROTTLED) as fault, \
            aws_fault("sesv2", "SendEmail", answer=SES_THROTTLED) as mail_fault:
        booked = app.book(headers, cid, start)
    assert booked.status == 201, booked.body
    attorney_id = booked.json["attorney"]["id"]
    has_contact = app.container.attorneys.contact(attorney_id) is not None
    # SNS: the attorney's SMS, and the resident's "booking confirmed" when it goes out now (this stack's
    # channel is SNS SMS; the quiet hours or the day's allowance of that phone may hold it back)
    assert set(fault.hits) <= {"Publish"} and len(fault.hits) in (has_contact, has_contact + 1)
    assert mail_fault.hits == ["SendEmail"] * has_contact
    undelivered = [r for r in caplog.records if r.getMessage() == "booking alert delivery failed"]
    assert sorted(r.channel for r in undelivered) == (["email", "phone"] if has_contact else [])
    assert app.container.consultations.get(cid).status is Status.BOOKED
    active = app.container.bookings.state_of(cid).active
    assert active is not None and active.start == start.astimezone(UTC)
    assert app.api.get(f"/api/consultations/{cid}/booking", headers=headers).json["booking_id"] == active.id
    queued = reminders_of(active.id)
    offsets = set(app.container.settings.policy.reminder_offsets_minutes)
    assert {int(i.offset_minutes) for i in queued} >= offsets
    assert all(i.gsi3pk is not None and i.sent_at is None for i in queued)  # pending, due later


def test_the_reminders_job_with_ses_e_mail_failing_sends_every_reminder_exactly_once(app: World) -> None:
    """One run: the SMS go out, the SES send is throttled and the e-mail stays due; the next run sends
    the e-mail and nothing else; a third run sends nothing. (The SNS endpoint refused for a whole run,
    through ``scripts/tick``, is ``test_reminders_time_travel.py``.)"""
    headers, cid, phone = app.verified_consultation()
    start = app.slot()
    booked = app.book(headers, cid, start)
    assert booked.status == 201, booked.body
    booking_id, attorney_id = booked.json["booking_id"], booked.json["attorney"]["id"]
    store = OneBooking(app.container.reminders, booking_id)
    notifier = Recorded(app.container.notifier)
    base_url = app.container.settings.public_base_url

    def run(at: datetime) -> Any:
        return run_reminders(store, notifier, app.container.recipients, at.astimezone(UTC),
                             base_url=base_url)

    day_before = start - timedelta(hours=24)
    contact = app.container.attorneys.contact(attorney_id)
    assert contact is not None and contact.email  # the module's attorneys all have an address
    with aws_fault("sesv2", "SendEmail", answer=SES_THROTTLED) as fault:
        first = run(day_before)
    assert fault.hits == ["SendEmail"]
    sms = sorted([("sms", phone)] + ([("sms", contact.phone)] if contact else []))
    assert (first.due, first.sent, first.failed) == (len(sms) + 1, len(sms), 1)
    assert sorted(notifier.delivered) == sms

    second = run(day_before + timedelta(minutes=5))
    assert (second.due, second.sent, second.failed) == (1, 1, 0)
    assert sorted(notifier.delivered) == sorted(sms + [("email", attorney_id)])
    third = run(day_before + timedelta(minutes=10))
    assert (third.due, third.sent) == (0, 0)
    assert len(notifier.delivered) == len(sms) + 1

    sent = {i.channel: i for i in reminders_of(booking_id) if i.sent_at is not None}
    assert set(sent) == {Channel.ATTORNEY_EMAIL.value, Channel.RESIDENT_SMS.value} | (
        {Channel.ATTORNEY_SMS.value} if contact else set())
    assert sent[Channel.ATTORNEY_EMAIL.value].attempts == 2  # once throttled, once sent
    assert all(i.attempts == 1 for c, i in sent.items() if c != Channel.ATTORNEY_EMAIL.value)


# --- the sign-in provider down -----------------------------------------------------------------------

@dataclass
class IdentityProvider:
    url: str
    service: processes.Service

    def fault(self, **switches: Any) -> None:
        requests.post(f"{self.url}/__dev/faults", json=switches, timeout=5).raise_for_status()

    def heal(self) -> None:
        if self.service.process is None or self.service.process.poll() is not None:
            self.service.start()
        requests.delete(f"{self.url}/__dev/faults", timeout=5).raise_for_status()


@pytest.fixture(scope="module")
def idp(world: World) -> Iterator[IdentityProvider]:
    """The real dev identity provider, a process of our own (stopping it disturbs nobody else)."""
    from tests.conftest import ARTIFACTS

    service = processes.identity_provider(world.idp_port, int(world.env["MAEUL_APP_PORT"]),
                                          ARTIFACTS / f"idp-faults-{world.idp_port}.log").start()
    provider = IdentityProvider(f"http://127.0.0.1:{world.idp_port}", service)
    try:
        yield provider
    finally:
        service.stop()


def set_cookies(response: ApiResponse) -> dict[str, str]:
    raw = response.headers.get("set-cookie") or []
    jar: dict[str, str] = {}
    for line in [raw] if isinstance(raw, str) else raw:
        for morsel in SimpleCookie(line).values():
            jar[morsel.key] = "" if morsel["max-age"] == "0" else morsel.value
    return jar


def signed_in_at_the_provider(app: World, provider: str, user_agent: str) -> tuple[str, dict[str, str]]:
    """Start signing in and pass the provider's page: → (our callback path with its query, the cookies)."""
    start = app.api.get(f"/auth/{provider}/login?next=/api/me", headers={"User-Agent": user_agent})
    assert start.status == 302, start.body
    cookies = {k: v for k, v in set_cookies(start).items() if v}
    assert list(cookies) == ["login"], cookies  # the local stage's plain name (CONTRACT.md "Sessions")
    answer = requests.get(start.headers["location"] + "&login_hint=resident-fault", allow_redirects=False,
                          timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    back = urlsplit(answer.headers["Location"])
    assert "code" in parse_qs(back.query)
    return f"{back.path}?{back.query}", cookies


IDP_FAULTS = {
    "token_500": ({"token": "error500"}, "provider_unavailable"),
    "token_malformed_json": ({"token": "malformed"}, "provider_bad_response"),
    "token_timeout": ({"token": "slow", "slow_seconds": 5}, "provider_unreachable"),
    "process_stopped": (None, "provider_unreachable"),
}


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
@pytest.mark.parametrize("fault", sorted(IDP_FAULTS))
@pytest.mark.parametrize("provider", ["kakao", "naver"])
def test_the_sign_in_provider_down_is_502_sets_no_session_and_is_in_the_login_history(
        app: World, idp: IdentityProvider, provider: str, fault: str, accept: str) -> None:
    switches, reason = IDP_FAULTS[fault]
    user_agent = f"{UA} {uuid.uuid4().hex}"
    path, cookies = signed_in_at_the_provider(app, provider, user_agent)
    try:
        if switches is None:
            idp.service.stop()
        else:
            idp.fault(**switches)
        response = app.api.get(path, headers={"User-Agent": user_agent, "Accept": accept,
                                              "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    finally:
        idp.heal()
    assert response.status == 502, response.body[:300]
    if accept == "text/html":
        assert response.headers["content-type"].startswith("text/html")
    else:
        err = assert_error(response, 502, "provider_error")
        assert "try again" in err["message"].lower()
    assert response.headers.get("cache-control") == "no-store"
    assert "location" not in response.headers
    issued = set_cookies(response)
    assert not any(issued.get(name) for name in ("session", "refresh", "csrf")), issued
    attempts = [e for e in app.container.audit.logins_of("-", 100) if e.user_agent == user_agent]
    assert [(e.provider, e.result.value, e.reason) for e in attempts] == [(provider, "failure", reason)]

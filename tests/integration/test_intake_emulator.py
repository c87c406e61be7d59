"""Intake against the emulator: nothing personal in plaintext, integrity, KMS and write budgets,
concurrency, the key service down; and the repository contract on DynamoDB and its in-memory twin."""

from __future__ import annotations

import base64
import os
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ops import awscalls

awscalls.install()  # before any client this module builds, so that every AWS call is counted

from chalicelib import composition  # noqa: E402
from chalicelib.adapters.field_cipher import KmsFieldCipher  # noqa: E402
from chalicelib.clock import PinnedClock  # noqa: E402
from chalicelib.composition import Container, use_container  # noqa: E402
from chalicelib.domain.categories import Method, Mode  # noqa: E402
from chalicelib.domain.consultations import (  # noqa: E402
    ERASED_OWNER,
    Consultation,
    IdempotencyClaim,
    IdempotencyKeyReusedError,
    IllegalTransitionError,
    Intake,
    Language,
    PersonalDetails,
    Status,
    TooManyOpenConsultationsError,
)
from chalicelib.domain.identity import Principal  # noqa: E402
from chalicelib.domain.triage import TriageFacts  # noqa: E402
from chalicelib.settings import Settings  # noqa: E402
from tests.fakes import FakeAuthenticator, admin, attorney, resident  # noqa: E402
from tests.phones import code_from_outbox, verify_phone  # noqa: E402
from tests.support import ApiClient, ApiResponse, assert_error  # noqa: E402
from tests.twins.memory import MemoryConsultationRepository  # noqa: E402

KST = ZoneInfo("Asia/Seoul")

pytestmark = pytest.mark.emulator

BOGUS_KEY = "arn:aws:kms:ap-northeast-2:123456789012:key/00000000-0000-4000-8000-000000000000"


@dataclass
class Stack:
    env: dict[str, str]
    container: Container
    auth: FakeAuthenticator
    api: ApiClient

    def fresh_container(self, **replace: Any) -> Container:
        """A new container (a new Lambda container: cold caches) on the same tables, installed."""
        built = Container(Settings.from_env(self.env))
        built.__dict__.update(authenticator=self.auth, **replace)
        use_container(built)
        self.container = built
        return built

    def submit(self, who: Principal, body: dict[str, Any], key: str | None = None) -> ApiResponse:
        headers = {**self.auth.headers_for(who), "Idempotency-Key": key or str(uuid.uuid4())}
        return self.api.post("/api/consultations", body=body, headers=headers)

    def get(self, who: Principal, path: str) -> ApiResponse:
        return self.api.get(path, headers=self.auth.headers_for(who))

    def raw_items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every item of every table, raw (tests may scan; the app never does)."""
        ddb = self.container.boto_session.client("dynamodb")
        for table in (self.env["MAEUL_MAIN_TABLE"], self.env["MAEUL_AUDIT_TABLE"],
                      self.env["MAEUL_IDEMPOTENCY_TABLE"]):
            for page in ddb.get_paginator("scan").paginate(TableName=table):
                for item in page["Items"]:
                    yield table, item


@pytest.fixture(scope="module")
def stack(stack_env: dict[str, str]) -> Iterator[Stack]:
    os.environ.update({k: v for k, v in stack_env.items() if k.startswith("AWS_")})
    previous = composition._container
    auth = FakeAuthenticator()
    built = Container(Settings.from_env(stack_env))
    built.__dict__["authenticator"] = auth
    use_container(built)
    ddb = built.boto_session.client("dynamodb")
    tables = {stack_env["MAEUL_MAIN_TABLE"]: ("pk", "sk"), stack_env["MAEUL_IDEMPOTENCY_TABLE"]: ("id",)}
    before = {table: _keys(ddb, table, names) for table, names in tables.items()}
    try:
        yield Stack(dict(stack_env), built, auth, ApiClient(stack_env))
    finally:
        use_container(previous)
        # Leave the shared emulator as we found it: the emulator's transactions copy whole
        # tables, so every item left behind slows (and, under concurrency, perturbs) later tests.
        for table, names in tables.items():
            for key in _keys(ddb, table, names) - before[table]:
                ddb.delete_item(TableName=table, Key={n: {"S": v} for n, v in zip(names, key, strict=True)})


@pytest.fixture(autouse=True)
def _own_container(stack: Stack) -> Iterator[None]:
    """A test that installs a fresh container (``fresh_container``) has it for itself only: every
    test starts from the module's container, installed."""
    container = stack.container
    use_container(container)
    yield
    stack.container = container
    use_container(container)


def _keys(ddb: Any, table: str, names: tuple[str, ...]) -> set[tuple[str, ...]]:
    found = set()
    projection = ", ".join(f"#k{i}" for i in range(len(names)))
    aliases = {f"#k{i}": n for i, n in enumerate(names)}
    for page in ddb.get_paginator("scan").paginate(TableName=table, ProjectionExpression=projection,
                                                   ExpressionAttributeNames=aliases):
        found |= {tuple(item[n]["S"] for n in names) for item in page["Items"]}
    return found


def _random_mobile() -> str:
    """Eight random digits that make a valid 010 number (not every 010 range is allocated)."""
    import phonenumbers

    while True:
        digits = f"{secrets.randbelow(8000) + 2000}{secrets.randbelow(9000) + 1000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(f"010{digits}", "KR")):
            return digits


def unique_body(tag: str | None = None, **changes: Any) -> dict[str, Any]:
    """A request whose personal values are random, so they can be searched for afterwards."""
    tag = tag or secrets.token_hex(4)
    digits = _random_mobile()
    body = {
        "category": "wage_arrears", "region": "ansan", "mode": "reservation", "method": "video",
        "name": f"비밀이름{tag}", "phone": f"010-{digits[:4]}-{digits[4:]}",
        "email": f"hidden.{tag}@mailbox-{tag}.kr", "employer_name": f"(주)숨은상사{tag}",
        "employer_city": f"비밀도시{tag}", "employment_status": "left", "left_on": "2026-10-01",
        "monthly_pay": "under_2m", "lives_or_works_in_gyeonggi": True,
        "description": f"임금 체불 사연 {tag}: the employer kept my last two months of pay ({tag}).",
        "sensitive_details": {"health": True, "union": True}, "consent_sensitive": True,
        "consent_privacy": True, "preferred_language": "vi",
    }
    body.update(changes)
    return body


def secrets_of(body: dict[str, Any]) -> list[str]:
    digits = re.sub(r"\D", "", body["phone"])  # 010XXXXXXXX
    phones = [body["phone"], digits, "+82" + digits[1:], "82" + digits[1:], digits[3:]]
    texts = [body["name"], body["email"], body["employer_name"], body["employer_city"], body["description"]]
    return texts + phones + [body["description"].split(":")[0]]


def _b64_forms(data: bytes) -> list[str]:
    """How ``data`` looks inside ANY base64 text that contains it (each alignment, both alphabets)."""
    forms = []
    for skip in range(3):
        chunk = data[skip:]
        chunk = chunk[: len(chunk) // 3 * 3]
        if len(chunk) >= 6:
            encoded = base64.b64encode(chunk).decode()
            forms += [encoded, encoded.replace("+", "-").replace("/", "_")]
    return forms


def _values(value: Any) -> Iterator[str | bytes]:
    """Every string and binary inside a raw DynamoDB attribute value (keys of maps too)."""
    if isinstance(value, dict):
        for kind, inner in value.items():
            if kind in ("S", "N"):
                yield inner
            elif kind == "B":
                yield bytes(inner)
            elif kind in ("SS", "NS"):
                yield from inner
            elif kind == "BS":
                yield from (bytes(b) for b in inner)
            elif kind == "M":
                for name, nested in inner.items():
                    yield name
                    yield from _values(nested)
            elif kind == "L":
                for nested in inner:
                    yield from _values(nested)


def find_plaintext(items: list[tuple[str, dict[str, Any]]], needles: list[str]) -> list[str]:
    found = []
    for table, item in items:
        values = [v for name, attr in item.items() for v in [name, *_values(attr)]]
        for needle in needles:
            raw = needle.encode("utf-8")
            forms = _b64_forms(raw)
            for value in values:
                text = value if isinstance(value, str) else value.decode("latin-1")
                blob = value.encode("utf-8") if isinstance(value, str) else value
                if raw in blob or needle in text or any(f in text for f in forms):
                    found.append(f"{table}: {needle!r}")
    return found


# --- nothing personal in plaintext ------------------------------------------------------------

def test_no_personal_value_is_stored_in_plaintext_in_any_table(stack: Stack) -> None:
    submitted = []
    for n in range(4):
        who = resident(f"plain-{secrets.token_hex(4)}")
        body = unique_body()
        response = stack.submit(who, body, key=f"plain-{n}")
        assert response.status == 201, response.body
        assert stack.submit(who, body, key=f"plain-{n}").json["id"] == response.json["id"]  # replay
        other = unique_body()
        assert_error(stack.submit(who, other, key=f"plain-{n}"), 422, "idempotency_key_reused")
        submitted += [body, other]
        consultation_id = response.json["id"]
        # staff reads write to the access log: it must not copy personal data either
        assert stack.get(admin(), f"/api/consultations/{consultation_id}").json["personal"]["name"] == body["name"]
        assert stack.get(who, f"/api/consultations/{consultation_id}").json["personal"]["email"] == body["email"]
    items = list(stack.raw_items())
    assert any(t == stack.env["MAEUL_IDEMPOTENCY_TABLE"] for t, _ in items)
    assert any(t == stack.env["MAEUL_AUDIT_TABLE"] for t, _ in items)
    sealed = [i for t, i in items if i.get("pk", {}).get("S", "").startswith("CONSULTATION#")]
    assert len(sealed) >= 4 and all("B" in i["personal"] for i in sealed if "personal" in i)
    needles = [s for body in submitted for s in secrets_of(body)]
    assert find_plaintext(items, needles) == []
    # the search itself works: a plaintext (or base64-encoded) copy would be found
    probe = [("probe", {"x": {"S": "note " + submitted[0]["name"]}}),
             ("probe", {"y": {"B": b"\x00" + submitted[0]["email"].encode()}}),
             ("probe", {"z": {"S": base64.b64encode(b"ab" + submitted[0]["employer_name"].encode()).decode()}})]
    assert len(find_plaintext(probe, needles)) == 3


def test_the_assigned_attorney_reads_the_details_and_the_read_is_in_the_access_log(stack: Stack) -> None:
    who = resident(f"assigned-{secrets.token_hex(4)}")
    body = unique_body()
    consultation_id = stack.submit(who, body).json["id"]
    path = f"/api/consultations/{consultation_id}"
    assigned, other = attorney(f"att-{secrets.token_hex(3)}"), attorney(f"att-{secrets.token_hex(3)}")
    assert_error(stack.get(assigned, path), 404, "not_found")
    stack.container.consultations.transition(consultation_id, Status.BOOKED, datetime.now(UTC),
                                             attorney_id=assigned.attorney_id)
    assert_error(stack.get(other, path), 404, "not_found")
    assert_error(stack.get(resident(f"stranger-{secrets.token_hex(4)}"), path), 404, "not_found")
    before = datetime.now(UTC) - timedelta(seconds=1)
    seen = stack.get(assigned, path)
    assert seen.status == 200 and seen.json["personal"]["phone"].endswith(re.sub(r"\D", "", body["phone"])[3:])
    listed = stack.get(assigned, "/api/consultations").json["items"]
    assert [c["id"] for c in listed] == [consultation_id] and listed[0]["personal"] is None
    events = stack.container.audit.accesses(before, datetime.now(UTC) + timedelta(seconds=1),
                                            actor=assigned.subject)
    assert [(e.owner, e.record, e.action, e.actor_role) for e in events] == [
        (who.subject, f"consultation:{consultation_id}", "read", "attorney")]


# --- integrity --------------------------------------------------------------------------------

def test_a_sealed_attribute_swapped_between_two_records_is_refused(stack: Stack) -> None:
    who = resident(f"swap-{secrets.token_hex(4)}")
    first = stack.submit(who, unique_body()).json["id"]
    second_response = stack.submit(who, unique_body())
    assert second_response.status == 201, second_response.body
    second = second_response.json["id"]
    ddb = stack.container.boto_session.client("dynamodb")
    table = stack.env["MAEUL_MAIN_TABLE"]

    def key(consultation_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"CONSULTATION#{consultation_id}"}, "sk": {"S": "CONSULTATION"}}

    blob_1 = ddb.get_item(TableName=table, Key=key(first))["Item"]["personal"]
    blob_2 = ddb.get_item(TableName=table, Key=key(second))["Item"]["personal"]
    for target, blob in ((first, blob_2), (second, blob_1)):
        ddb.update_item(TableName=table, Key=key(target), UpdateExpression="SET personal = :p",
                        ExpressionAttributeValues={":p": blob})
    for consultation_id in (first, second):
        for reader in (who, admin()):
            error = assert_error(stack.get(reader, f"/api/consultations/{consultation_id}"), 409,
                                 "record_integrity")
            assert "integrity" in error["message"]
    listed = stack.get(who, "/api/consultations").json["items"]  # lists do not open the details
    assert {c["personal_data"] for c in listed} == {"withheld"}


# --- budgets: KMS calls and DynamoDB write requests -------------------------------------------

def test_a_thousand_intakes_cost_at_most_10_kms_calls(stack: Stack) -> None:
    # KMS traffic depends on the cipher alone, so these 1,000 intakes go through the app with the
    # real KMS cipher but are stored in the repository's in-memory twin: the emulator's
    # TransactWriteItems deep-copies every table it touches on each call, which would make 1,000
    # real transactions take minutes and slow every later test. The write budget per intake is
    # measured on the real table by the next test.
    retention = stack.container.settings.policy.retention_days_after_close
    stack.fresh_container(consultations=MemoryConsultationRepository(retention))  # cold: no data key yet
    body = unique_body("bulk")
    with awscalls.count_calls("kms") as kms:
        for n in range(1000):
            response = stack.submit(resident(f"bulk-{n}"), body, key=f"bulk-{n}")
            assert response.status == 201, response.body
    assert len(stack.container.consultations.items) == 1000
    assert 1 <= kms.total <= 10, kms.by_operation


def test_each_intake_is_one_transaction_plus_its_receipt_number_and_message(stack: Stack) -> None:
    # in the daytime: between 21:00 and 08:00 KST the "request received" message waits for the morning,
    # which writes less (the suite runs at any hour)
    morning = datetime.now(KST).replace(hour=10, minute=30, second=0, microsecond=0)
    stack.fresh_container(clock=PinnedClock(morning, time.monotonic()))
    # each resident verified their own number first (the message goes to verified numbers only)
    bodies = {n: unique_body(f"writes-{n}") for n in ("warm-up", *range(20))}
    read_code = code_from_outbox(os.environ["AWS_ENDPOINT_URL"])
    for n, body in bodies.items():
        verify_phone(stack.api.post, stack.auth.headers_for(resident(f"writes-{n}")), body["phone"], read_code)
    stack.submit(resident("writes-warm-up"), bodies["warm-up"])  # the first use builds the clients
    with awscalls.count_calls("dynamodb") as ddb, awscalls.count_calls("kms") as kms:
        for n in range(20):
            assert stack.submit(resident(f"writes-{n}"), bodies[n], key=f"w-{n}").status == 201
    # per intake: the request itself is one transaction; its receipt number two updates (the month's
    # counter, then the consultation); the "request received" message a claim (put), the resident's
    # daily allowance, the mark and the month's count (three updates), the recipient and whether its
    # owner verified that number (two reads)
    assert ddb.by_operation == {"dynamodb.TransactWriteItems": 20, "dynamodb.UpdateItem": 5 * 20,
                                "dynamodb.PutItem": 20, "dynamodb.GetItem": 2 * 20}, ddb.by_operation
    assert kms.total == 0, kms.by_operation  # the warm-up's data key is reused


def test_a_page_of_50_costs_one_query_and_no_kms_call(stack: Stack) -> None:
    # one person asking 50 times in a month is past the abuse limit on new requests: raised here
    settings = stack.container.settings
    stack.fresh_container(settings=settings.model_copy(update={"policy": settings.policy.model_copy(
        update={"new_requests_per_identity_per_30_days": 60})}))
    who = resident(f"page-{secrets.token_hex(4)}")
    ids = []
    for n in range(50):
        consultation_id = stack.submit(who, unique_body(f"p{n}")).json["id"]
        stack.container.consultations.transition(consultation_id, Status.CANCELLED, datetime.now(UTC))
        ids.append(consultation_id)
    stack.fresh_container()  # reads in a cold container: nothing cached from the writes
    with awscalls.count_calls("kms") as kms, awscalls.count_calls("dynamodb") as ddb:
        page = stack.get(who, "/api/consultations?limit=50")
    assert page.status == 200
    items = page.json["items"]
    assert [c["id"] for c in items] == ids[::-1]
    # a list is for picking one: the details are decrypted only when that one is opened
    assert all(c["personal_data"] == "withheld" and c["personal"] is None for c in items)
    assert kms.total == 0, kms.by_operation  # (the budget is at most 5)
    assert ddb.total == 1, ddb.by_operation  # one Query
    opened = stack.get(who, f"/api/consultations/{ids[0]}")
    assert opened.json["personal_data"] == "included" and opened.json["personal"]["name"].startswith("비밀이름")


# --- concurrency ------------------------------------------------------------------------------

@pytest.fixture
def threaded_app(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Truly parallel requests through the in-process app, against an emulator that can take them.

    - Chalice keeps the current request on the app object; its own local server
      makes that thread-local (``LocalChalice``): do the same for the in-process client.
    - moto (5.2) runs a transaction by snapshotting every table it touches and
      restoring the snapshot when a condition fails; two failing transactions at
      once can therefore resurrect or drop each other's writes. DynamoDB isolates
      transactions; to get that from the emulator, its TransactWriteItems calls run
      one at a time. Everything else (requests, sealing, reads, replays) stays concurrent.
    """
    from chalice.local import LocalChalice
    from pynamodb.connection.base import Connection

    from app import app

    lock = threading.Lock()
    transact = Connection.transact_write_items

    def isolated(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            return transact(self, *args, **kwargs)

    monkeypatch.setattr(Connection, "transact_write_items", isolated)
    original = app.__class__
    app.__class__ = type("ThreadSafeChalice", (LocalChalice, original), {})
    try:
        yield
    finally:
        app.__class__ = original


def _parallel(count: int, call) -> list[ApiResponse]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = call(i)
        except Exception as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not [r for r in results if isinstance(r, Exception)], results
    return results


def test_twenty_parallel_duplicates_create_exactly_one_consultation(stack: Stack, threaded_app: None) -> None:
    who = resident(f"dup-{secrets.token_hex(4)}")
    body = unique_body()
    stack.submit(resident("warm"), unique_body())  # build clients before the race
    responses = _parallel(20, lambda _i: stack.submit(who, body, key="one-key"))
    assert [r.status for r in responses] == [201] * 20, [r.body[:200] for r in responses]
    assert len({r.json["id"] for r in responses}) == 1
    assert sum(1 for r in responses if "idempotent-replayed" not in r.headers) == 1
    assert len(stack.container.consultations.list_by_owner(who.subject, 50).items) == 1
    counts = stack.container.boto_session.client("dynamodb").get_item(
        TableName=stack.env["MAEUL_MAIN_TABLE"],
        Key={"pk": {"S": f"OWNER#{who.subject}"}, "sk": {"S": "OPEN_CONSULTATIONS"}}, ConsistentRead=True)
    assert counts["Item"]["open_count"] == {"N": "1"}


def test_parallel_requests_cannot_exceed_the_open_limit(stack: Stack, threaded_app: None) -> None:
    who = resident(f"limit-{secrets.token_hex(4)}")
    responses = _parallel(10, lambda i: stack.submit(who, unique_body(), key=f"limit-{i}"))
    statuses = sorted(r.status for r in responses)
    limit = stack.container.settings.policy.max_open_consultations
    assert statuses == [201] * limit + [409] * (10 - limit), [r.body[:200] for r in responses]
    assert len(stack.container.consultations.list_by_owner(who.subject, 50).items) == limit


# --- the key service down ---------------------------------------------------------------------

def test_key_service_failure_is_503_and_nothing_is_stored(stack: Stack) -> None:
    broken = KmsFieldCipher(BOGUS_KEY, app="maeul", stage="local")
    stack.fresh_container(cipher=broken)
    who = resident(f"nokms-{secrets.token_hex(4)}")
    body = unique_body()
    with awscalls.count_calls("dynamodb") as ddb:
        error = assert_error(stack.submit(who, body, key="during-outage"), 503, "encryption_unavailable")
    assert "nothing was saved" in error["message"]
    assert ddb.total == 0  # sealed first: not a single write was attempted
    needles = secrets_of(body)
    assert find_plaintext(list(stack.raw_items()), needles) == []
    stack.fresh_container()  # the key service is back
    assert stack.container.consultations.list_by_owner(who.subject, 5).items == []
    retried = stack.submit(who, body, key="during-outage")
    assert retried.status == 201 and "idempotent-replayed" not in retried.headers


class FlakyConnection:
    """A pynamodb connection whose next transactions fail the way DynamoDB can make them fail."""

    def __init__(self, real: Any, failures: list[str]) -> None:
        self._real = real
        self.failures = failures  # "conflict": cancelled, nothing written; "lost_reply": written, then a 500
        self.calls = 0

    def transact_write_items(self, *args: Any, **kwargs: Any) -> Any:
        from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

        self.calls += 1
        failure = self.failures.pop(0) if self.failures else None
        if failure == "conflict":
            reasons = [None, CancellationReason(code="TransactionConflict"), None]
            cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
                                       "TransactWriteItems", cancellation_reasons=reasons)
            raise TransactWriteError("Failed to write transaction items", cause)
        response = self._real.transact_write_items(*args, **kwargs)
        if failure == "lost_reply":
            cause = VerboseClientError({"Error": {"Code": "InternalServerError", "Message": "lost"},
                                        "ResponseMetadata": {"HTTPStatusCode": 500}}, "TransactWriteItems")
            raise TransactWriteError("Failed to write transaction items", cause)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _flaky_repo(stack: Stack, failures: list[str]):  # type: ignore[no-untyped-def]
    from pynamodb.connection import Connection

    from chalicelib.adapters.dynamo.consultations import DynamoConsultationRepository

    real = Container(Settings.from_env(stack.env)).consultations  # binds the models
    flaky = FlakyConnection(Connection(region=stack.env["AWS_DEFAULT_REGION"]), failures)
    return real, DynamoConsultationRepository(stack.container.settings.policy.retention_days_after_close, flaky), flaky


def test_a_conflicting_transaction_is_retried_and_resolves_to_the_winner(stack: Stack) -> None:
    real, flaky_repo, flaky = _flaky_repo(stack, ["conflict"])
    who = owner()
    winner = make(who)
    real.create(winner, claim(who, "k"), max_open=3)
    loser = flaky_repo.create(make(who), claim(who, "k"), max_open=3)
    assert loser.replayed and loser.consultation.id == winner.id
    assert flaky.calls == 2 and len(real.list_by_owner(who, 10).items) == 1


def test_a_write_whose_reply_was_lost_is_not_written_twice(stack: Stack) -> None:
    real, flaky_repo, flaky = _flaky_repo(stack, ["lost_reply"])
    who = owner()
    c = make(who)
    created = flaky_repo.create(c, claim(who, "k"), max_open=3)
    assert created.consultation.id == c.id  # the retry found its own write
    assert flaky.calls == 2 and len(real.list_by_owner(who, 10).items) == 1


# --- the repository contract, on DynamoDB and on the in-memory twin ---------------------------

T0 = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)


@pytest.fixture(params=["dynamodb", "memory"])
def repo(request, stack: Stack):  # type: ignore[no-untyped-def]
    retention = stack.container.settings.policy.retention_days_after_close
    if request.param == "memory":
        return MemoryConsultationRepository(retention)
    return Container(Settings.from_env(stack.env)).consultations


def make(owner: str, created_at: datetime = T0, **changes: Any) -> Consultation:
    c = Consultation(id=str(uuid.uuid4()), owner=owner, status=Status.SUBMITTED, category="dismissal",
                     region="paju", mode=Mode.REALTIME, method=Method.CHAT, language=Language.NE,
                     created_at=created_at, updated_at=created_at, month=created_at.strftime("%Y-%m"),
                     consent_version="2026-11",
                     triage=TriageFacts(date(2027, 1, 1), None, True), sealed=os.urandom(40))
    return c.evolve(**changes)


def claim(owner: str, key: str, text: str = "same", expires: datetime = T0 + timedelta(hours=24)):  # type: ignore[no-untyped-def]
    intake = Intake("dismissal", "paju", Mode.REALTIME, Method.CHAT, Language.NE,
                    PersonalDetails(name="n", phone="+821000000000", description=text))
    return IdempotencyClaim.of(owner, key, intake, expires)


def owner() -> str:
    return f"naver:contract-{secrets.token_hex(6)}"


def test_contract_create_get_round_trip(repo) -> None:  # type: ignore[no-untyped-def]
    who = owner()
    c = make(who)
    created = repo.create(c, claim(who, "k"), max_open=3)
    assert not created.replayed
    stored = repo.get(c.id)
    assert stored == c
    assert repo.get(str(uuid.uuid4())) is None


def test_contract_idempotency_replay_reuse_and_expiry(repo) -> None:  # type: ignore[no-untyped-def]
    who = owner()
    first = make(who)
    repo.create(first, claim(who, "k"), max_open=3)
    again = repo.create(make(who), claim(who, "k"), max_open=3)
    assert again.replayed and again.consultation.id == first.id
    with pytest.raises(IdempotencyKeyReusedError):
        repo.create(make(who), claim(who, "k", text="other"), max_open=3)
    later = make(who, created_at=T0 + timedelta(hours=25))  # the record has expired by then
    assert repo.create(later, claim(who, "k", expires=T0 + timedelta(hours=49)), max_open=3).consultation.id == later.id
    assert len(repo.list_by_owner(who, 10).items) == 2


def test_contract_open_limit_and_release_on_close(repo) -> None:  # type: ignore[no-untyped-def]
    who = owner()
    a, b = make(who), make(who)
    repo.create(a, claim(who, "a"), max_open=2)
    repo.create(b, claim(who, "b"), max_open=2)
    with pytest.raises(TooManyOpenConsultationsError):
        repo.create(make(who), claim(who, "c"), max_open=2)
    closed = repo.transition(a.id, Status.CANCELLED, T0 + timedelta(days=1))
    assert closed.closed_at == T0 + timedelta(days=1)
    assert closed.expires_at == T0 + timedelta(days=1 + 3 * 365)
    assert repo.get(a.id).expires_at == closed.expires_at  # stored: the TTL attribute
    repo.create(make(who), claim(who, "c"), max_open=2)


def test_contract_transitions_are_conditional(repo) -> None:  # type: ignore[no-untyped-def]
    who = owner()
    c = make(who)
    repo.create(c, claim(who, "k"), max_open=3)
    offered = repo.transition(c.id, Status.OFFERED, T0, expected=Status.SUBMITTED)
    assert offered.status is Status.OFFERED and repo.get(c.id).status is Status.OFFERED
    matched = repo.transition(c.id, Status.MATCHED, T0, expected=Status.OFFERED, attorney_id="att-042")
    assert matched.attorney_id == "att-042"
    with pytest.raises(IllegalTransitionError) as late:  # a second accept of the same offer
        repo.transition(c.id, Status.MATCHED, T0, expected=Status.OFFERED, attorney_id="att-043")
    assert late.value.current is Status.MATCHED
    assert repo.get(c.id).attorney_id == "att-042"
    assert [x.id for x in repo.list_by_attorney("att-042", 10).items] == [c.id]
    repo.transition(c.id, Status.IN_PROGRESS, T0)
    repo.transition(c.id, Status.COMPLETED, T0)
    with pytest.raises(IllegalTransitionError) as closed:
        repo.transition(c.id, Status.CANCELLED, T0)
    assert closed.value.current is Status.COMPLETED and closed.value.target is Status.CANCELLED


def test_contract_pages_newest_first(repo) -> None:  # type: ignore[no-untyped-def]
    who = owner()
    # a month no other test writes in (the shared table holds other tests' consultations of T0's month
    # and of the real one): the page of the month is this test's five, newest first
    own_month = datetime(2003, 7, 15, 1, 30, tzinfo=UTC)
    made = [make(who, created_at=own_month + timedelta(seconds=s)) for s in range(5)]
    for n, c in enumerate(made):
        repo.create(c, claim(who, f"k{n}"), max_open=10)
    first = repo.list_by_owner(who, 2)
    assert [c.id for c in first.items] == [made[4].id, made[3].id] and first.after
    second = repo.list_by_owner(who, 2, first.after)
    third = repo.list_by_owner(who, 2, second.after)
    assert [c.id for c in second.items + third.items] == [made[2].id, made[1].id, made[0].id]
    assert third.after is None
    assert [c.id for c in repo.list_by_month("2003-07", 50).items] == [c.id for c in reversed(made)]


def test_contract_erasure(repo) -> None:  # type: ignore[no-untyped-def]
    who, other = owner(), owner()
    mine = [make(who), make(who)]
    for n, c in enumerate(mine):
        repo.create(c, claim(who, f"k{n}"), max_open=3)
    theirs = make(other)
    repo.create(theirs, claim(other, "k"), max_open=3)
    repo.transition(mine[1].id, Status.CANCELLED, T0)
    assert repo.erase_personal_data(who, T0 + timedelta(hours=1)) == 2
    for c in mine:
        gone = repo.get(c.id)
        assert gone.sealed is None and gone.owner == ERASED_OWNER and gone.status is Status.CANCELLED
        assert gone.expires_at is not None
    assert repo.list_by_owner(who, 10).items == []
    assert repo.get(theirs.id).sealed == theirs.sealed
    assert repo.erase_personal_data(who, T0 + timedelta(hours=2)) == 0  # idempotent
    for n in range(3):  # the open count went with the erased consultations
        repo.create(make(who), claim(who, f"new-{n}"), max_open=3)

"""One reservation world over either implementation: the in-memory twins or DynamoDB on the emulator.

The same tests (contract, properties) run against both, the way the design asks: one test
suite, two implementations.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.adapters.identity_key import StaticIdentityKey
from chalicelib.adapters.recipients import ContactDirectory
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.availability import Availability
from chalicelib.domain.calendar import ServiceCalendar, ServiceWindow
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Consultation, IdempotencyClaim, Language, Status
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.services.reservations import ReservationService
from chalicelib.settings import Policy
from tests.twins.memory import (
    MemoryBookingRepository,
    MemoryConsultationRepository,
    MemoryLoadStore,
    MemoryNotifier,
    MemoryRoster,
)


@dataclass
class Backend:
    name: str
    consultations: Any
    bookings: Any
    roster: Any
    loads: Any
    policy: Policy
    clock: list[datetime]
    notifier: MemoryNotifier = field(default_factory=MemoryNotifier)
    cipher: LocalFieldCipher = field(default_factory=lambda: LocalFieldCipher(stage="test"))
    attorneys: list[str] = field(default_factory=list)
    consultation_ids: dict[str, str] = field(default_factory=dict)  # id -> owner subject
    idempotency_ids: list[str] = field(default_factory=list)

    @property
    def calendar(self) -> ServiceCalendar:
        return ServiceCalendar([ServiceWindow(w.start, w.end) for w in self.policy.service_windows],
                               tz=self.policy.timezone)

    @property
    def service(self) -> ReservationService:
        return ReservationService(consultations=self.consultations, bookings=self.bookings, roster=self.roster,
                                  notifier=self.notifier, cipher=self.cipher, calendar=self.calendar,
                                  policy=self.policy, clock=lambda: self.clock[0],
                                  public_base_url="http://127.0.0.1:8000", identity_key=StaticIdentityKey(),
                                  # contacts straight from the sealed fields: these tests are about bookings,
                                  # the verified-phone gate is the container's (tests/functional/test_phone_gate.py)
                                  recipients=ContactDirectory(self.roster, self.consultations, self.cipher))

    def add_attorney(self, attorney_id: str, category: str, regions: tuple[str, ...],
                     availability: Availability | None = None, annual_cap: int | None = None) -> Attorney:
        attorney = Attorney(id=attorney_id, display_name=f"{attorney_id} 노무사", categories=frozenset({category}),
                            regions=frozenset(regions), annual_cap=annual_cap)
        self.roster.save(attorney, None, self.clock[0])
        self.attorneys.append(attorney_id)
        self.bookings.save_availability(attorney_id, availability or Availability.full(self.calendar),
                                        self.clock[0])
        return attorney

    def retire_attorneys(self) -> None:
        """Remove what this world wrote, so that later worlds (and other tests) on the same tables
        never see its attorneys, claims or consultations."""
        if self.name == "dynamo":
            erase(attorneys={a: self.roster.get(a) for a in self.attorneys}, consultations=self.consultation_ids,
                  idempotency_ids=self.idempotency_ids)
        self.attorneys.clear()
        self.consultation_ids.clear()
        self.idempotency_ids.clear()

    def new_consultation(self, category: str, region: str, key: str | None = None) -> tuple[Principal, Consultation]:
        """A submitted consultation of a new resident (``key``: derive both ids from it, reproducibly)."""
        owner = Principal(subject=f"kakao:test-{key or uuid.uuid4().hex[:12]}", role=Role.RESIDENT,
                          provider=Provider.KAKAO, session_id="s")
        now = self.clock[0]
        consultation = Consultation(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, key) if key else uuid.uuid4()), owner=owner.subject,
            status=Status.SUBMITTED, category=category, region=region,
            mode=Mode.RESERVATION, method=Method.PHONE, language=Language.KO, created_at=now, updated_at=now,
            month=now.strftime("%Y-%m"), consent_version="test")
        claim = IdempotencyClaim(owner=owner.subject, key_digest=uuid.uuid4().hex, fingerprint="f",
                                 expires_at=now + timedelta(hours=1))
        self.consultations.create(consultation, claim, 10)
        self.consultation_ids[consultation.id] = owner.subject
        self.idempotency_ids.append(claim.record_id)
        return owner, consultation

    def load(self, attorney_id: str, year: int) -> int:
        return int(self.loads.get_many([attorney_id], year)[attorney_id].assignments_this_year)


def memory_backend(policy: Policy, now: datetime) -> Backend:
    consultations = MemoryConsultationRepository(policy.retention_days_after_close)
    loads, roster = MemoryLoadStore(), MemoryRoster()
    return Backend("memory", consultations, MemoryBookingRepository(consultations, loads, roster), roster, loads,
                   policy, [now])


def dynamo_backend(container: Any, policy: Policy, now: datetime) -> Backend:
    from chalicelib.adapters.dynamo.bookings import DynamoBookingRepository
    from chalicelib.adapters.dynamo.consultations import DynamoConsultationRepository
    from chalicelib.adapters.dynamo.loads import DynamoLoadStore

    container.tables  # noqa: B018 - bind the models
    return Backend("dynamo", DynamoConsultationRepository(policy.retention_days_after_close),
                   DynamoBookingRepository(policy.retention_days_after_close, tz=policy.timezone),
                   container.attorneys, DynamoLoadStore(), policy, [now])


BACKENDS: dict[str, Callable[..., Backend]] = {"memory": memory_backend, "dynamo": dynamo_backend}


def backend_world(request: Any, policy: Policy, now: datetime) -> Iterator[Backend]:
    """For a fixture parametrised ``["memory", "dynamo"]`` (``yield from`` it): the world of that name
    (the dynamo one on the test's ``container``), whatever it wrote removed when the test ends."""
    if request.param == "dynamo":
        backend = dynamo_backend(request.getfixturevalue("container"), policy, now)
    else:
        backend = memory_backend(policy, now)
    yield backend
    backend.retire_attorneys()


def erase(*, attorneys: dict[str, Any], consultations: dict[str, str], idempotency_ids: Iterable[str] = (),
          partitions: Iterable[tuple[str, str]] = ()) -> int:
    """Delete test data from the emulator's tables (tests may; the app never deletes this way):
    attorneys (profile, availability, coverage, claims, load counters), consultations (their item,
    bookings, hold, history, the owner's open count), idempotency records and given (pk, sk) keys.
    Keeps the shared emulator small: ``/moto-api/data.json`` serialises all of it."""
    import boto3

    from chalicelib.adapters.dynamo.bookings import SlotClaimItem
    from chalicelib.adapters.dynamo.consultations import IdempotencyItem

    main, idempotency = SlotClaimItem.Meta.table_name, IdempotencyItem.Meta.table_name
    ddb = boto3.client("dynamodb", region_name=SlotClaimItem.Meta.region)
    keys: set[tuple[str, str]] = set(partitions)

    def partition(pk: str) -> None:
        for page in ddb.get_paginator("query").paginate(
                TableName=main, KeyConditionExpression="pk = :pk", ProjectionExpression="pk, sk",
                ExpressionAttributeValues={":pk": {"S": pk}}):
            keys.update((i["pk"]["S"], i["sk"]["S"]) for i in page["Items"])

    for attorney_id, attorney in attorneys.items():
        for pk in (f"ATTORNEY#{attorney_id}", f"SLOT#{attorney_id}", f"LOAD#{attorney_id}"):
            partition(pk)
        if attorney is not None:
            keys.update((f"COVER#{c}#{r}", f"ATTORNEY#{attorney_id}")
                        for c in attorney.categories for r in attorney.regions)
    for consultation_id, owner in consultations.items():
        partition(f"CONSULTATION#{consultation_id}")
        keys.add((f"OWNER#{owner}", "OPEN_CONSULTATIONS"))
    requests = [(main, {"pk": {"S": pk}, "sk": {"S": sk}}) for pk, sk in sorted(keys)]
    requests += [(idempotency, {"id": {"S": i}}) for i in idempotency_ids]
    for i in range(0, len(requests), 25):
        batch: dict[str, list[dict[str, Any]]] = {}
        for table_name, key in requests[i:i + 25]:
            batch.setdefault(table_name, []).append({"DeleteRequest": {"Key": key}})
        while batch:
            batch = ddb.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
    return len(requests)

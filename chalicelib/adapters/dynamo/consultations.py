"""Consultations in DynamoDB.

Items:
- consultation (main table): ``pk=CONSULTATION#<id>``, ``sk=CONSULTATION``;
  ``gsi1pk=OWNER#<subject>`` / ``gsi1sk=<created>#<id>`` (the resident's list),
  ``gsi2pk=ASSIGNED#<attorney id>`` / ``gsi2sk=<created>#<id>`` (the assigned
  attorney's list, once assigned), ``gsi3pk=CONSULTATIONS#<yyyy-mm>`` /
  ``gsi3sk=<created>#<id>`` (admins, by month of intake in Korea). Personal
  details only as one sealed binary attribute ``personal``; TTL ``expires_at``
  set when the consultation closes.
- open count (main table): ``pk=OWNER#<subject>``, ``sk=OPEN_CONSULTATIONS``,
  ``open_count``: how many open consultations the resident holds.
- idempotency record (idempotency table): ``id=consultation#<subject>#<sha256 of
  the key>``, ``validation`` = fingerprint of the request, ``consultation_id``,
  TTL ``expiration``.

A new consultation, its idempotency record and the open count are written in
ONE ``TransactWriteItems`` (one write request), each item conditioned: the
consultation must not exist, the idempotency record must not exist (or be
expired), the count must be below the limit. The cancellation reasons say which
condition failed: an existing idempotency record is a replay (same
fingerprint) or a reused key (another one); a full count is the limit. Closing
a consultation updates it (conditioned on the status read) and releases the
owner's count in one transaction too.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.base import (
    IDEMPOTENCY,
    MAIN,
    ConnectedStore,
    Gsi1,
    Gsi1Keys,
    Gsi2,
    Gsi2Keys,
    Gsi3,
    Gsi3Keys,
    KeyedItem,
    StoredItem,
)
from chalicelib.adapters.dynamo.limits import add_quota
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import (
    ERASED_OWNER,
    Consultation,
    ConsultationNotFoundError,
    Created,
    IdempotencyClaim,
    IdempotencyKeyReusedError,
    IllegalTransitionError,
    Language,
    Page,
    Status,
    TooManyOpenConsultationsError,
    erased,
    transitioned,
)
from chalicelib.domain.corrections import CorrectionConflictError, NotCorrectableError
from chalicelib.domain.limits import Quota, TooManyNewRequestsError
from chalicelib.domain.triage import TriageFacts

SK = "CONSULTATION"
COUNT_SK = "OPEN_CONSULTATIONS"
_ATTEMPTS = 4
# pynamodb sends a transaction's items grouped by kind (condition checks, deletes,
# puts, updates), so the cancellation reasons of ``create`` come in this order:
_REASON_CONSULTATION, _REASON_IDEMPOTENCY, _REASON_COUNT = 0, 1, 2


class ConsultationItem(KeyedItem, Gsi1Keys, Gsi2Keys, Gsi3Keys, table=MAIN):
    by_owner = Gsi1()
    by_attorney = Gsi2()
    by_month = Gsi3()

    consultation_id = UnicodeAttribute()
    owner = UnicodeAttribute()
    status = UnicodeAttribute()
    category = UnicodeAttribute()
    region = UnicodeAttribute()
    mode = UnicodeAttribute()
    method = UnicodeAttribute()
    language = UnicodeAttribute()
    month = UnicodeAttribute()
    consent_version = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    attorney_id = UnicodeAttribute(null=True)
    closed_at = UTCDateTimeAttribute(null=True)
    erased_at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    satisfaction = NumberAttribute(null=True)
    receipt = UnicodeAttribute(null=True)
    dismissal_remedy_deadline = UnicodeAttribute(null=True)
    wage_settlement_due = UnicodeAttribute(null=True)
    free_representation_eligible = BooleanAttribute(null=True)
    personal = BinaryAttribute(legacy_encoding=False, null=True)


class OpenCountItem(KeyedItem, table=MAIN):
    open_count = NumberAttribute(null=True)


class IdempotencyItem(StoredItem, table=IDEMPOTENCY):
    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute()
    status = UnicodeAttribute()
    validation = UnicodeAttribute()
    consultation_id = UnicodeAttribute()


def _key(consultation_id: str) -> tuple[str, str]:
    return f"CONSULTATION#{consultation_id}", SK


def _count_key(owner: str) -> tuple[str, str]:
    return f"OWNER#{owner}", COUNT_SK


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


class DynamoConsultationRepository(ConnectedStore):
    def __init__(self, retention_days: int, connection: Connection | None = None) -> None:
        super().__init__(connection)
        self._retention = timedelta(days=retention_days)

    # --- create -------------------------------------------------------------------------------

    def create(self, consultation: Consultation, claim: IdempotencyClaim, max_open: int,
               quotas: tuple[Quota, ...] = ()) -> Created:
        item = _to_item(consultation)
        record = IdempotencyItem(claim.record_id, expiration=_epoch(claim.expires_at), status="COMPLETED",
                                 validation=claim.fingerprint, consultation_id=consultation.id)
        count = OpenCountItem(*_count_key(consultation.owner))
        now = _epoch(consultation.created_at)
        last: TransactWriteError | None = None
        for attempt in range(_ATTEMPTS):
            try:
                with TransactWrite(connection=self.connection) as tx:
                    tx.save(item, condition=ConsultationItem.pk.does_not_exist())
                    tx.save(record, condition=IdempotencyItem.id.does_not_exist()
                            | (IdempotencyItem.expiration < now))
                    tx.update(count, actions=[OpenCountItem.open_count.add(1)],
                              condition=OpenCountItem.open_count.does_not_exist()
                              | (OpenCountItem.open_count < max_open))
                    for quota in quotas:  # reasons _REASON_COUNT + 1 ...
                        add_quota(tx, quota)
                return Created(consultation, replayed=False)
            except TransactWriteError as exc:
                last = exc
                codes = [r.code if r is not None else None for r in exc.cancellation_reasons]
                if not codes:
                    if not _transient(exc):
                        raise
                elif codes[_REASON_IDEMPOTENCY] == "ConditionalCheckFailed":
                    replay = self._replay(claim)
                    if replay is not None:
                        return replay
                elif codes[_REASON_COUNT] == "ConditionalCheckFailed":
                    raise TooManyOpenConsultationsError(max_open) from None
                elif any(c == "ConditionalCheckFailed" for c in codes[_REASON_COUNT + 1:]):
                    over = codes[_REASON_COUNT + 1:].index("ConditionalCheckFailed")
                    raise TooManyNewRequestsError(quotas[over]) from None
                elif not {"TransactionConflict", "ThrottlingError"} & set(codes):
                    raise
            # A concurrent transaction on the same items, a transient failure (the
            # write may or may not have happened: the retry's conditions tell), or a
            # record that expired meanwhile: back off a little and try again.
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        # Still failing (throttled, in conflict) after the retries: the API answers 503, and the same
        # Idempotency-Key sent again stores it, or finds it if one of the attempts did land.
        assert last is not None
        raise last

    def _replay(self, claim: IdempotencyClaim) -> Created | None:
        record = IdempotencyItem.find(claim.record_id, consistent_read=True)
        if record is None:
            return None
        if record.validation != claim.fingerprint:
            raise IdempotencyKeyReusedError()
        existing = self.get(record.consultation_id)
        if existing is None:
            return None
        return Created(existing, replayed=True)

    # --- reads --------------------------------------------------------------------------------

    def get(self, consultation_id: str) -> Consultation | None:
        item = ConsultationItem.find(*_key(consultation_id), consistent_read=True)
        if item is None:
            return None
        return _to_domain(item)

    def list_by_owner(self, owner: str, limit: int, after: str | None = None) -> Page:
        return _page(ConsultationItem.by_owner.query, f"OWNER#{owner}", ConsultationItem.gsi1sk, limit, after)

    def list_by_attorney(self, attorney_id: str, limit: int, after: str | None = None) -> Page:
        return _page(ConsultationItem.by_attorney.query, f"ASSIGNED#{attorney_id}", ConsultationItem.gsi2sk,
                     limit, after)

    def list_by_month(self, month: str, limit: int, after: str | None = None) -> Page:
        return _page(ConsultationItem.by_month.query, f"CONSULTATIONS#{month}", ConsultationItem.gsi3sk,
                     limit, after)

    # --- status -------------------------------------------------------------------------------

    def transition(self, consultation_id: str, target: Status, now: datetime, *,
                   expected: Status | Iterable[Status] | None = None,
                   attorney_id: str | None = None) -> Consultation:
        for _ in range(_ATTEMPTS if expected is None else 1):
            current = self.get(consultation_id)
            if current is None:
                raise ConsultationNotFoundError()
            moved = transitioned(current, target, now, retention=self._retention, expected=expected,
                                 attorney_id=attorney_id)
            actions: list[Any] = [ConsultationItem.status.set(moved.status.value),
                                  ConsultationItem.updated_at.set(now)]
            if attorney_id is not None:
                actions += [ConsultationItem.attorney_id.set(attorney_id),
                            ConsultationItem.gsi2pk.set(f"ASSIGNED#{attorney_id}"),
                            ConsultationItem.gsi2sk.set(current.sort_key)]
            if moved.closed_at is not None and current.closed_at is None:
                actions += [ConsultationItem.closed_at.set(moved.closed_at),
                            ConsultationItem.expires_at.set(_epoch(moved.expires_at))]
            condition = ConsultationItem.status == current.status.value
            releases = current.is_open and not moved.is_open and current.owner != ERASED_OWNER
            if self._write_status(current, actions, condition, releases):
                return moved
        latest = self.get(consultation_id)
        if latest is None:
            raise ConsultationNotFoundError()
        raise IllegalTransitionError(latest.status, target)

    def note_result(self, consultation_id: str, *, outcome: str | None = None,
                    satisfaction: int | None = None) -> bool:
        attribute, value = ((ConsultationItem.outcome, outcome) if outcome is not None
                            else (ConsultationItem.satisfaction, satisfaction))
        item = ConsultationItem(*_key(consultation_id))
        try:
            item.update(actions=[attribute.set(value)],
                        condition=(ConsultationItem.status == Status.COMPLETED.value) & attribute.does_not_exist())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def correct_details(self, consultation_id: str, sealed: bytes, now: datetime, *,
                        expected_updated_at: datetime) -> None:
        """The owner's correction: the new sealed details in one write, conditioned on the request
        still waiting (``submitted``) and unchanged since it was read."""
        item = ConsultationItem(*_key(consultation_id))
        try:
            item.update(actions=[ConsultationItem.personal.set(sealed), ConsultationItem.updated_at.set(now)],
                        condition=(ConsultationItem.status == Status.SUBMITTED.value)
                        & (ConsultationItem.updated_at == expected_updated_at))
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            current = self.get(consultation_id)
            if current is None:
                raise ConsultationNotFoundError() from None
            if current.status is not Status.SUBMITTED:
                raise NotCorrectableError(current.status) from None
            raise CorrectionConflictError() from None

    def set_receipt(self, consultation_id: str, receipt: str) -> str | None:
        """Give the consultation its receipt number once; returns the one it has (None: no such one)."""
        item = ConsultationItem(*_key(consultation_id))
        try:
            item.update(actions=[ConsultationItem.receipt.set(receipt)],
                        condition=ConsultationItem.pk.exists() & ConsultationItem.receipt.does_not_exist())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                current = self.get(consultation_id)
                return current.receipt if current is not None else None
            raise
        return receipt

    def _write_status(self, current: Consultation, actions: list[Any], condition: Any,
                      releases_count: bool) -> bool:
        """One conditional write; False when the status changed under us."""
        item = ConsultationItem(*_key(current.id))
        try:
            if releases_count:
                with TransactWrite(connection=self.connection) as tx:
                    tx.update(item, actions=actions, condition=condition)
                    tx.update(OpenCountItem(*_count_key(current.owner)),
                              actions=[OpenCountItem.open_count.add(-1)])
            else:
                item.update(actions=actions, condition=condition)
        except TransactWriteError as exc:
            codes = [r.code if r is not None else None for r in exc.cancellation_reasons]
            if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
                return False
            raise
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- erasure ------------------------------------------------------------------------------

    def erase_personal_data(self, owner: str, now: datetime) -> int:
        mine = [_to_domain(i) for i in ConsultationItem.by_owner.query(f"OWNER#{owner}")]
        for consultation in mine:
            self._erase(consultation, now)
        OpenCountItem(*_count_key(owner)).delete()
        return len(mine)

    def _erase(self, consultation: Consultation, now: datetime) -> None:
        current: Consultation | None = consultation
        for _ in range(_ATTEMPTS):
            if current is None or current.owner == ERASED_OWNER:
                return
            after = erased(current, now, retention=self._retention)
            actions: list[Any] = [
                ConsultationItem.personal.remove(), ConsultationItem.gsi1pk.remove(),
                ConsultationItem.gsi1sk.remove(), ConsultationItem.owner.set(ERASED_OWNER),
                ConsultationItem.erased_at.set(now), ConsultationItem.updated_at.set(now),
                ConsultationItem.status.set(after.status.value)]
            if after.closed_at is not None and current.closed_at is None:
                actions += [ConsultationItem.closed_at.set(after.closed_at),
                            ConsultationItem.expires_at.set(_epoch(after.expires_at))]
            try:
                ConsultationItem(*_key(current.id)).update(
                    actions=actions, condition=ConsultationItem.status == current.status.value)
                return
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
            current = self.get(consultation.id)
        raise RuntimeError(f"could not erase consultation {consultation.id}: its status kept changing")


_TRANSIENT_CODES = frozenset({"InternalServerError", "InternalFailure", "ServiceUnavailable",
                              "ThrottlingException", "ProvisionedThroughputExceededException",
                              "RequestLimitExceeded", "TransactionInProgressException"})


def _transient(exc: TransactWriteError) -> bool:
    """A failure the same request may succeed after (server error, throttling, in progress)."""
    status = getattr(exc.cause, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return exc.cause_response_code in _TRANSIENT_CODES or status >= 500


def _page(query: Callable[..., Any], hash_key: str, range_attr: Any, limit: int, after: str | None) -> Page:
    kwargs: dict[str, Any] = {"scan_index_forward": False, "limit": limit + 1}
    if after is not None:
        kwargs["range_key_condition"] = range_attr < after
    found = [_to_domain(i) for i in query(hash_key, **kwargs)]
    items = found[:limit]
    return Page(items, items[-1].sort_key if len(found) > limit else None)


def _to_item(c: Consultation) -> ConsultationItem:
    key = c.sort_key
    item = ConsultationItem(
        *_key(c.id), gsi1pk=f"OWNER#{c.owner}", gsi1sk=key, gsi3pk=f"CONSULTATIONS#{c.month}", gsi3sk=key,
        consultation_id=c.id, owner=c.owner, status=c.status.value, category=c.category, region=c.region,
        mode=c.mode.value, method=c.method.value, language=c.language.value, month=c.month,
        consent_version=c.consent_version, created_at=c.created_at, updated_at=c.updated_at,
        attorney_id=c.attorney_id, closed_at=c.closed_at, erased_at=c.erased_at,
        expires_at=_epoch(c.expires_at), outcome=c.outcome, satisfaction=c.satisfaction, receipt=c.receipt,
        dismissal_remedy_deadline=_iso_date(c.triage.dismissal_remedy_deadline),
        wage_settlement_due=_iso_date(c.triage.wage_settlement_due),
        free_representation_eligible=c.triage.free_representation_eligible,
        personal=c.sealed)
    if c.attorney_id:
        item.gsi2pk, item.gsi2sk = f"ASSIGNED#{c.attorney_id}", key
    return item


def _to_domain(item: ConsultationItem) -> Consultation:
    return Consultation(
        id=item.consultation_id, owner=item.owner, status=Status(item.status), category=item.category,
        region=item.region, mode=Mode(item.mode), method=Method(item.method), language=Language(item.language),
        created_at=item.created_at, updated_at=item.updated_at, month=item.month,
        consent_version=item.consent_version,
        triage=TriageFacts(dismissal_remedy_deadline=_date(item.dismissal_remedy_deadline),
                           wage_settlement_due=_date(item.wage_settlement_due),
                           free_representation_eligible=item.free_representation_eligible),
        sealed=bytes(item.personal) if item.personal is not None else None,
        attorney_id=item.attorney_id, closed_at=item.closed_at, erased_at=item.erased_at,
        expires_at=(datetime.fromtimestamp(int(item.expires_at), tz=UTC)
                    if item.expires_at is not None else None),
        outcome=item.outcome,
        satisfaction=int(item.satisfaction) if item.satisfaction is not None else None,
        receipt=item.receipt)


def _iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


__all__ = ["ConsultationItem", "DynamoConsultationRepository", "IdempotencyItem", "OpenCountItem"]

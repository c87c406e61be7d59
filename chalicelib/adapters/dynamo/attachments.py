"""Attachment records in DynamoDB.

Items (main table):
- attachment: ``pk=CONSULTATION#<id>``, ``sk=ATTACHMENT#<attachment id>``; status, declared
  type and size, object keys, the real kind and size once checked, the original file name
  sealed (``sealed_name``, entity ``attachment``); listing is one Query
  ``pk = CONSULTATION#<id> AND begins_with(sk, ATTACHMENT#)``. A pending record expires
  (TTL) with its upload form's object a day later; a ready one with the consultation's
  retention.
- counter: ``pk=CONSULTATION#<id>``, ``sk=ATTACHMENTS``, ``count`` of attachments not rejected.

Reserving is one transaction (counter ``count < max`` + record ``attribute_not_exists``);
a confirm claims the record with a conditional update (``pending`` → ``checking``) so two
confirms never check the same upload at once, and writes the outcome conditioned on
``checking``; a rejection gives its place back in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.base import MAIN, ConnectedStore, KeyedItem
from chalicelib.domain.attachments import (
    Attachment,
    AttachmentBusyError,
    AttachmentStatus,
    Kind,
    Rejection,
    TooManyAttachmentsError,
)

COUNTER = "ATTACHMENTS"


def _pk(consultation_id: str) -> str:
    return f"CONSULTATION#{consultation_id}"


def _sk(attachment_id: str) -> str:
    return f"ATTACHMENT#{attachment_id}"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class AttachmentItem(KeyedItem, table=MAIN):
    attachment_id = UnicodeAttribute()
    consultation_id = UnicodeAttribute()
    uploader = UnicodeAttribute()
    side = UnicodeAttribute()
    declared_type = UnicodeAttribute()
    declared_size = NumberAttribute()
    status = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    upload_key = UnicodeAttribute()
    sealed_name = BinaryAttribute(legacy_encoding=False, null=True)
    kind = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    object_key = UnicodeAttribute(null=True)
    thumb_key = UnicodeAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    checked_at = UTCDateTimeAttribute(null=True)
    claimed_at = UTCDateTimeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class AttachmentCounterItem(KeyedItem, table=MAIN):
    count = NumberAttribute(null=True)


def _to_domain(item: AttachmentItem) -> Attachment:
    return Attachment(
        id=item.attachment_id, consultation_id=item.consultation_id, uploader=item.uploader, side=item.side,
        declared_type=item.declared_type, declared_size=int(item.declared_size),
        status=AttachmentStatus(item.status), created_at=item.created_at, upload_key=item.upload_key,
        sealed_name=bytes(item.sealed_name) if item.sealed_name is not None else None,
        kind=Kind(item.kind) if item.kind else None, size=int(item.size) if item.size is not None else None,
        key=item.object_key, thumb_key=item.thumb_key,
        width=int(item.width) if item.width is not None else None,
        height=int(item.height) if item.height is not None else None,
        reason=Rejection(item.reason) if item.reason else None, checked_at=item.checked_at,
        claimed_at=item.claimed_at)


class DynamoAttachmentStore(ConnectedStore):
    def reserve(self, attachment: Attachment, max_files: int, expires_at: datetime) -> None:
        pk = _pk(attachment.consultation_id)
        counter = AttachmentCounterItem(pk, COUNTER)
        item = AttachmentItem(
            pk, _sk(attachment.id), attachment_id=attachment.id, consultation_id=attachment.consultation_id,
            uploader=attachment.uploader, side=attachment.side, declared_type=attachment.declared_type,
            declared_size=attachment.declared_size, status=attachment.status.value,
            created_at=attachment.created_at, upload_key=attachment.upload_key, sealed_name=attachment.sealed_name,
            expires_at=_epoch(expires_at))
        try:
            with TransactWrite(connection=self.connection) as tx:
                tx.update(counter, actions=[AttachmentCounterItem.count.add(1)],
                          condition=AttachmentCounterItem.count.does_not_exist()
                          | (AttachmentCounterItem.count < max_files))
                tx.save(item, condition=AttachmentItem.pk.does_not_exist())
        except TransactWriteError as exc:
            reasons = [r for r in (exc.cancellation_reasons or []) if r is not None]
            if any(r.code == "ConditionalCheckFailed" for r in reasons):
                raise TooManyAttachmentsError(max_files) from None
            raise

    def get(self, consultation_id: str, attachment_id: str) -> Attachment | None:
        item = AttachmentItem.find(_pk(consultation_id), _sk(attachment_id), consistent_read=True)
        return _to_domain(item) if item is not None else None

    def list(self, consultation_id: str) -> list[Attachment]:
        items = AttachmentItem.query(_pk(consultation_id), AttachmentItem.sk.startswith("ATTACHMENT#"),
                                     consistent_read=True)
        return sorted((_to_domain(i) for i in items), key=lambda a: (a.created_at, a.id))

    def claim(self, consultation_id: str, attachment_id: str, now: datetime, stale_before: datetime) -> bool:
        item = AttachmentItem(_pk(consultation_id), _sk(attachment_id))
        try:
            item.update(actions=[AttachmentItem.status.set(AttachmentStatus.CHECKING.value),
                                 AttachmentItem.claimed_at.set(now)],
                        condition=AttachmentItem.pk.exists() & (
                            (AttachmentItem.status == AttachmentStatus.PENDING.value)
                            | ((AttachmentItem.status == AttachmentStatus.CHECKING.value)
                               & (AttachmentItem.claimed_at < stale_before))))
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def finish(self, attachment: Attachment, retention_expires_at: datetime | None) -> None:
        pk = _pk(attachment.consultation_id)
        actions: list[Any] = [
            AttachmentItem.status.set(attachment.status.value),
            AttachmentItem.checked_at.set(attachment.checked_at),
            AttachmentItem.claimed_at.remove(),
        ]
        for attr, value in ((AttachmentItem.kind, attachment.kind.value if attachment.kind else None),
                            (AttachmentItem.size, attachment.size), (AttachmentItem.object_key, attachment.key),
                            (AttachmentItem.thumb_key, attachment.thumb_key), (AttachmentItem.width, attachment.width),
                            (AttachmentItem.height, attachment.height),
                            (AttachmentItem.reason, attachment.reason.value if attachment.reason else None)):
            if value is not None:
                actions.append(attr.set(value))
        if retention_expires_at is not None:
            actions.append(AttachmentItem.expires_at.set(_epoch(retention_expires_at)))
        condition = AttachmentItem.status == AttachmentStatus.CHECKING.value
        try:
            with TransactWrite(connection=self.connection) as tx:
                tx.update(AttachmentItem(pk, _sk(attachment.id)), actions=actions, condition=condition)
                if attachment.status is AttachmentStatus.REJECTED:
                    tx.update(AttachmentCounterItem(pk, COUNTER), actions=[AttachmentCounterItem.count.add(-1)],
                              condition=AttachmentCounterItem.count > 0)
        except TransactWriteError as exc:
            reasons = [r for r in (exc.cancellation_reasons or []) if r is not None]
            if any(r.code == "ConditionalCheckFailed" for r in reasons):
                raise AttachmentBusyError() from None
            raise

    def erase(self, consultation_id: str) -> int:
        pk = _pk(consultation_id)
        doomed = [i.sk for i in AttachmentItem.query(pk, AttachmentItem.sk.startswith("ATTACHMENT#"))]
        with AttachmentItem.batch_write() as batch:
            for sk in [*doomed, COUNTER]:
                batch.delete(AttachmentItem(pk, sk))
        return len(doomed)


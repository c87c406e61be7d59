"""Attorneys whose e-mail is failing, in DynamoDB.

Item (main table): ``pk=ATTORNEY#<id>``, ``sk=EMAIL_FAILURE``; ``gsi1pk=EMAIL_FAILING``,
``gsi1sk=<id>`` (the console's list and count, one query; an item exists only while the
attorney's e-mail is failing, so the partition holds a handful at most). ``address_hash`` is
an HMAC of the address, never the address.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.adapters.dynamo.base import MAIN, Gsi1, Gsi1Keys, KeyedItem
from chalicelib.domain.email_health import EmailFailure, FailureReason

FAILING = "EMAIL_FAILING"


class EmailFailureItem(KeyedItem, Gsi1Keys, table=MAIN):
    failing_index = Gsi1()

    attorney_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    address_hash = UnicodeAttribute()
    since = UTCDateTimeAttribute()


def _key(attorney_id: str) -> tuple[str, str]:
    return f"ATTORNEY#{attorney_id}", "EMAIL_FAILURE"


class DynamoEmailHealthStore:
    def failure(self, attorney_id: str) -> EmailFailure | None:
        item = EmailFailureItem.find(*_key(attorney_id), consistent_read=True)
        return _to_domain(item) if item is not None else None

    def mark(self, failure: EmailFailure) -> None:
        """Record the failure; a later event for an attorney already marked keeps the first one."""
        from pynamodb.exceptions import PutError

        pk, sk = _key(failure.attorney_id)
        item = EmailFailureItem(pk, sk, gsi1pk=FAILING, gsi1sk=failure.attorney_id,
                                attorney_id=failure.attorney_id, reason=failure.reason.value,
                                address_hash=failure.address_hash, since=failure.since)
        try:
            item.save(condition=EmailFailureItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    def clear(self, attorney_id: str) -> bool:
        from pynamodb.exceptions import DeleteError

        try:
            EmailFailureItem(*_key(attorney_id)).delete(condition=EmailFailureItem.pk.exists())
        except DeleteError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def failing(self) -> list[EmailFailure]:
        return [_to_domain(i) for i in EmailFailureItem.failing_index.query(FAILING)]


def _to_domain(item: EmailFailureItem) -> EmailFailure:
    return EmailFailure(attorney_id=item.attorney_id, reason=FailureReason(item.reason),
                        address_hash=item.address_hash, since=item.since)

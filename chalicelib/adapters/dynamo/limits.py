"""Abuse-limit counters in DynamoDB (chalicelib/domain/limits.py).

Item (main table): ``pk=QUOTA#<key>``, ``sk=WINDOW#<window>``, ``used``, TTL ``expires_at``.
Keys hold consultation ids or keyed hashes, never personal data. A counter is taken inside the
transaction of the write it limits (``add_quota``), or alone (``take``), always on the condition
``used < limit``.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.base import MAIN, KeyedItem
from chalicelib.domain.limits import Quota


class QuotaItem(KeyedItem, table=MAIN):
    used = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


def quota_key(quota: Quota) -> tuple[str, str]:
    return f"QUOTA#{quota.key}", f"WINDOW#{quota.window}"


def _actions(quota: Quota) -> list:  # type: ignore[type-arg]
    return [QuotaItem.used.add(1), QuotaItem.expires_at.set(int(quota.expires_at.timestamp()))]


def _condition(quota: Quota):  # type: ignore[no-untyped-def]
    return QuotaItem.used.does_not_exist() | (QuotaItem.used < quota.limit)


def add_quota(tx: TransactWrite, quota: Quota) -> None:
    """Put 'one more, if still under the limit' into a transaction."""
    tx.update(QuotaItem(*quota_key(quota)), actions=_actions(quota), condition=_condition(quota))


def take(quota: Quota) -> int | None:
    """Count one more on its own: the new count, or None when the limit is reached."""
    item = QuotaItem(*quota_key(quota))
    try:
        item.update(actions=_actions(quota), condition=_condition(quota))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return int(item.used or 0)

"""Staff second factors (TOTP), one item per person.

Item (main table): ``pk=FACTOR#<subject>``, ``sk=TOTP``; ``secret`` sealed
with the field cipher (entity ``second_factor``, bound to the subject);
``enrolled_at`` once the first code confirmed it; ``last_step`` the time step
of the last accepted code, advanced only by a conditional update, so a code
is accepted once even by two requests at the same moment.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError, UpdateError

from chalicelib.adapters.dynamo.base import MAIN, KeyedItem
from chalicelib.domain.sealing import FieldCipher
from chalicelib.domain.second_factor import Factor

ENTITY = "second_factor"


class FactorItem(KeyedItem, table=MAIN):
    secret = BinaryAttribute(legacy_encoding=False)
    created_at = UTCDateTimeAttribute()
    enrolled_at = UTCDateTimeAttribute(null=True)
    last_step = NumberAttribute(default=-1)


def _key(subject: str) -> tuple[str, str]:
    return f"FACTOR#{subject}", "TOTP"


class DynamoFactorStore:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher

    def _factor(self, subject: str, item: FactorItem) -> Factor:
        secret = self._cipher.open(ENTITY, subject, item.secret)["secret"]
        return Factor(subject=subject, secret=secret, created_at=item.created_at,
                      enrolled_at=item.enrolled_at,
                      last_step=int(item.last_step if item.last_step is not None else -1))

    def get(self, subject: str) -> Factor | None:
        item = FactorItem.find(*_key(subject), consistent_read=True)
        if item is None:
            return None
        return self._factor(subject, item)

    def begin(self, factor: Factor) -> Factor:
        sealed = self._cipher.seal(ENTITY, factor.subject, {"secret": factor.secret})
        item = FactorItem(*_key(factor.subject), secret=sealed, created_at=factor.created_at,
                          enrolled_at=factor.enrolled_at, last_step=factor.last_step)
        try:
            item.save(condition=FactorItem.pk.does_not_exist())
        except PutError:
            return self.get(factor.subject) or factor  # someone (this person, elsewhere) began first
        return factor

    def accept(self, subject: str, step: int, now: datetime) -> bool:
        item = FactorItem(*_key(subject))
        actions = [FactorItem.last_step.set(step)]
        try:
            item.update(actions=actions, condition=FactorItem.pk.exists() & (FactorItem.last_step < step))
        except UpdateError:
            return False
        try:
            item.update(actions=[FactorItem.enrolled_at.set(now)],
                        condition=FactorItem.enrolled_at.does_not_exist())
        except UpdateError:
            pass  # enrolled before
        return True

    def remove(self, subject: str) -> bool:
        try:
            FactorItem(*_key(subject)).delete(condition=FactorItem.pk.exists())
        except DeleteError:
            return False
        return True

"""Attorney load counters: assignments per attorney and calendar year.

Item (main table): ``pk=LOAD#<attorney_id>``, ``sk=YEAR#<yyyy>`` with
``assignments``, ``last_assigned_at`` and ``calibration_credit`` (stored when
an attorney joins mid-year). Matching reads the candidates' counters with one
BatchGetItem (by key, however large the roster); every assignment increments
the counter inside the same transaction that records it, on the condition
that it is still under the attorney's cap, so the cap holds under races.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pynamodb.attributes import NumberAttribute, UTCDateTimeAttribute
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.base import MAIN, KeyedItem
from chalicelib.domain.matching import AttorneyLoad


class LoadItem(KeyedItem, table=MAIN):
    assignments = NumberAttribute(default=0)
    last_assigned_at = UTCDateTimeAttribute(null=True)
    calibration_credit = NumberAttribute(null=True)


def load_key(attorney_id: str, year: int) -> tuple[str, str]:
    return f"LOAD#{attorney_id}", f"YEAR#{year:04d}"


def add_increment(tx: TransactWrite, attorney_id: str, year: int, at: datetime, cap: int) -> None:
    """Put 'one more assignment, if still under ``cap``' into a transaction."""
    item = LoadItem(*load_key(attorney_id, year))
    tx.update(item, actions=[LoadItem.assignments.add(1), LoadItem.last_assigned_at.set(at)],
              condition=LoadItem.assignments.does_not_exist() | (LoadItem.assignments < cap))


def add_decrement(tx: TransactWrite, attorney_id: str, year: int) -> None:
    """Undo one assignment (a cancelled booking does not count against the cap)."""
    item = LoadItem(*load_key(attorney_id, year))
    tx.update(item, actions=[LoadItem.assignments.add(-1)], condition=LoadItem.assignments > 0)


class DynamoLoadStore:
    def get_many(self, attorney_ids: Iterable[str], year: int) -> dict[str, AttorneyLoad]:
        ids = sorted(set(attorney_ids))
        found = {i.pk.removeprefix("LOAD#"): i for i in LoadItem.batch_get([load_key(a, year) for a in ids])}
        return {a: _to_domain(a, year, found.get(a)) for a in ids}

    def set_calibration(self, attorney_id: str, year: int, credit: float) -> None:
        LoadItem(*load_key(attorney_id, year)).update(actions=[LoadItem.calibration_credit.set(credit)])


def _to_domain(attorney_id: str, year: int, item: LoadItem | None) -> AttorneyLoad:
    if item is None:
        return AttorneyLoad.empty(attorney_id, year)
    return AttorneyLoad(attorney_id=attorney_id, year=year, assignments_this_year=int(item.assignments or 0),
                        last_assigned_at=item.last_assigned_at,
                        calibration_credit=float(item.calibration_credit)
                        if item.calibration_credit is not None else None)

"""Attorney load counters: assignments per attorney and calendar year.

Item (main table): ``pk=LOAD#<attorney_id>``, ``sk=YEAR#<yyyy>`` with
``assignments``, ``last_assigned_at``, ``calibration_credit`` (stored when
an attorney joins mid-year), ``leave_credit`` and ``leave_credited_through``
(the credit for days away, added the night after each day). Matching reads
the candidates' counters with one BatchGetItem (by key, however large the
roster); every assignment increments the counter inside the same transaction
that records it, on the condition that it is still under the attorney's cap,
so the cap holds under races.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.base import MAIN, KeyedItem
from chalicelib.domain.matching import AttorneyLoad


class LoadItem(KeyedItem, table=MAIN):
    assignments = NumberAttribute(default=0)
    last_assigned_at = UTCDateTimeAttribute(null=True)
    calibration_credit = NumberAttribute(null=True)
    leave_credit = NumberAttribute(null=True)
    leave_credited_through = UnicodeAttribute(null=True)  # ISO date: the last day credited


def load_key(attorney_id: str, year: int) -> tuple[str, str]:
    return f"LOAD#{attorney_id}", f"YEAR#{year:04d}"


def unchanged(expected: AttorneyLoad) -> Any:
    """The counter is still ``expected`` (what a ranking index move was computed from)."""
    n = expected.assignments_this_year
    condition = LoadItem.assignments == n
    if n == 0:
        condition = LoadItem.assignments.does_not_exist() | condition
    last = expected.last_assigned_at
    condition &= (LoadItem.last_assigned_at.does_not_exist() if last is None
                  else LoadItem.last_assigned_at == last)
    credit = expected.calibration_credit
    condition &= (LoadItem.calibration_credit.does_not_exist() if credit is None
                  else LoadItem.calibration_credit == credit)
    leave = expected.leave_credit  # 0: never credited, or credited 0 (level with the pool that night)
    condition &= ((LoadItem.leave_credit.does_not_exist() | (LoadItem.leave_credit == 0)) if not leave
                  else LoadItem.leave_credit == leave)
    return condition


def add_increment(tx: TransactWrite, attorney_id: str, year: int, at: datetime, cap: int,
                  expected: AttorneyLoad | None = None) -> None:
    """Put 'one more assignment, if still under ``cap``' (and, given ``expected``, if the counter is
    still that one) into a transaction."""
    item = LoadItem(*load_key(attorney_id, year))
    condition = LoadItem.assignments.does_not_exist() | (LoadItem.assignments < cap)
    if expected is not None:
        condition &= unchanged(expected)
    tx.update(item, actions=[LoadItem.assignments.add(1), LoadItem.last_assigned_at.set(at)],
              condition=condition)


def add_decrement(tx: TransactWrite, attorney_id: str, year: int,
                  expected: AttorneyLoad | None = None) -> None:
    """Undo one assignment (a cancelled booking does not count against the cap); given ``expected``,
    only if the counter is still that one."""
    item = LoadItem(*load_key(attorney_id, year))
    condition = LoadItem.assignments > 0
    if expected is not None:
        condition &= unchanged(expected)
    tx.update(item, actions=[LoadItem.assignments.add(-1)], condition=condition)


class DynamoLoadStore:
    def get_many(self, attorney_ids: Iterable[str], year: int) -> dict[str, AttorneyLoad]:
        ids = sorted(set(attorney_ids))
        found = {i.pk.removeprefix("LOAD#"): i for i in LoadItem.batch_get([load_key(a, year) for a in ids])}
        return {a: load_of(a, year, found.get(a)) for a in ids}

    def set_calibration(self, attorney_id: str, year: int, credit: float) -> None:
        """Store the join credit, and move the attorney's ranking index entries with it (one transaction,
        on the counter they were computed from; read again when it changed meanwhile)."""
        self._store_credit(attorney_id, year, lambda before: (
            replace(before, calibration_credit=credit), [LoadItem.calibration_credit.set(credit)]))

    def credit_leave(self, attorney_id: str, year: int, credit: float, through: date) -> bool:
        """Add ``credit`` to the stored leave credit, credited ``through`` that day, with the entries
        moved (as :meth:`set_calibration`); False when that day was credited already (a second run of
        the night's job, or a concurrent one: the counter condition makes it read again)."""
        def change(before: AttorneyLoad) -> tuple[AttorneyLoad, list[Any]] | None:
            if before.leave_credited_through is not None and before.leave_credited_through >= through:
                return None
            total = before.leave_credit + credit
            return (replace(before, leave_credit=total, leave_credited_through=through),
                    [LoadItem.leave_credit.set(total), LoadItem.leave_credited_through.set(through.isoformat())])

        return self._store_credit(attorney_id, year, change)

    def _store_credit(self, attorney_id: str, year: int,
                      change: Callable[[AttorneyLoad], tuple[AttorneyLoad, list[Any]] | None]) -> bool:
        from pynamodb.exceptions import TransactWriteError

        from chalicelib.adapters.dynamo import ranking

        for attempt in range(3):
            state = ranking.current(attorney_id, year)
            changed = change(state[1])
            if changed is None:
                return False
            after, actions = changed
            try:
                with TransactWrite(connection=LoadItem._get_connection().connection) as tx:
                    tx.update(LoadItem(*load_key(attorney_id, year)), actions=actions,
                              condition=unchanged(state[1]))
                    ranking.add_moves_between(tx, state, after)
                return True
            except TransactWriteError:
                if attempt == 2:
                    raise
        return False


def load_of(attorney_id: str, year: int, item: LoadItem | None) -> AttorneyLoad:
    """The domain's load of a stored counter (None: nothing counted this year)."""
    if item is None:
        return AttorneyLoad.empty(attorney_id, year)
    return AttorneyLoad(attorney_id=attorney_id, year=year, assignments_this_year=int(item.assignments or 0),
                        last_assigned_at=item.last_assigned_at,
                        calibration_credit=float(item.calibration_credit)
                        if item.calibration_credit is not None else None,
                        leave_credit=float(item.leave_credit or 0.0),
                        leave_credited_through=date.fromisoformat(item.leave_credited_through)
                        if item.leave_credited_through else None)

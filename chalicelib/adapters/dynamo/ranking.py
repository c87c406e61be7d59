"""The ranking index in DynamoDB (``chalicelib/domain/ranking_index.py``; docs/DATA.md, "Ranking index").

Items (main table): ``pk=RANK#<yyyy>#<category>#<region>#<layout>``, ``sk=<ranking_index.entry_key>``,
``attorney_id``; one per attorney and covered pair, no personal data. The partition's opening
marker ``sk=!OPEN`` (before every key, so the first page of a read brings it along) says the
year's entries were written for the whole roster: a first page without it raises
``IndexNotDecisive`` (rank the pool as without the index). ``<layout>`` (:data:`LAYOUT`) names
the way keys are made and read; a version that changes it writes other partitions, so a stack
upgraded during a year finds its year not open there and ranks the pool until the ``ranking_year``
job opens it (its next night, or at once), instead of reading entries made another way.

Reads: ``keys`` is one consistent ``Query`` (``Limit``, only the sort keys); ``attorneys`` is one
``BatchGetItem`` of profile and load counter per attorney (the reader asks for 25 at a time: 50
keys); ``realtime(now)`` is a reader whose batch also brings the busy states (75 keys). The
booking path reads its attorneys through the booking store's own batch instead (profile,
availability, counter and slot claim: ``services/reservations._IndexedRead``).

Writes: ``moves`` / ``add_moves`` move an attorney's entries from one key to another in every
covered pair (delete and put, unconditioned); ``add_counted_increment`` / ``add_counted_decrement``
put a load counter change conditioned on the counter the old key was computed from together with
its moves (the booking and offer stores build the same from ``counted_moves``); ``current`` reads
that counter; ``open_year`` writes the year's entries for a roster with BatchWriteItem, then the
opening markers, and ``is_open`` checks the last of them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.attorneys import AttorneyItem
from chalicelib.adapters.dynamo.attorneys import _to_domain as _attorney_from_item
from chalicelib.adapters.dynamo.base import MAIN, KeyedItem
from chalicelib.adapters.dynamo.loads import LoadItem, add_decrement, add_increment, load_key, load_of
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.categories import CATEGORIES
from chalicelib.domain.matching import AttorneyLoad
from chalicelib.domain.ranking_index import IndexNotDecisive, Partition, entry_key
from chalicelib.domain.regions import REGION_CODES

BUSY_SK = "BUSY"  # the real-time busy state (``offers.BusyItem``: ``until`` as a UTC stamp)
OPEN_SK = "!OPEN"  # sorts before every entry key (they start with digits)
BATCH_KEYS = 100
LAYOUT = "blocks"  # keys of ``ranking_index.entry_key`` with the year's tie order, read in blocks (``matching``)


class RankItem(KeyedItem, table=MAIN):
    attorney_id = UnicodeAttribute(null=True)


def rank_pk(partition: Partition) -> str:
    return f"RANK#{partition.year:04d}#{partition.category}#{partition.region}#{LAYOUT}"


def partitions_of(attorney: Attorney, year: int) -> list[Partition]:
    return [Partition(year, c, r) for c in sorted(attorney.categories) for r in sorted(attorney.regions)]


def moves(attorney: Attorney, old_key: str | None, new_key: str, year: int,
          old_attorney: Attorney | None = None) -> list[tuple[str, RankItem]]:
    """The index items to delete and to put (``("delete" | "put", item)``) to move the attorney's
    entries from ``old_key`` (None: they have none yet) to ``new_key`` in every partition of ``year``
    they cover (``old_attorney``: the profile the old entries were written for, when the coverage
    changes)."""
    old_partitions = partitions_of(old_attorney or attorney, year) if old_key is not None else []
    new_partitions = partitions_of(attorney, year)
    found: list[tuple[str, RankItem]] = []
    for partition in old_partitions:
        if old_key == new_key and partition in new_partitions:
            continue
        found.append(("delete", RankItem(rank_pk(partition), old_key)))
    for partition in new_partitions:
        if old_key == new_key and partition in old_partitions:
            continue
        found.append(("put", RankItem(rank_pk(partition), new_key, attorney_id=attorney.id)))
    return found


def add_moves(tx: TransactWrite, attorney: Attorney, old_key: str | None, new_key: str, year: int,
              old_attorney: Attorney | None = None) -> None:
    """Put :func:`moves` into a transaction. Unconditioned, so that a year not opened yet (no old
    entry) never stops a booking: the transaction's load counter update is the one conditioned on the
    counter the old key was computed from (``loads.add_increment`` / ``add_decrement`` with
    ``expected``), which cancels a transaction built on a stale counter instead of leaving two entries."""
    apply_moves(tx, moves(attorney, old_key, new_key, year, old_attorney))


def apply_moves(tx: TransactWrite, items: list[tuple[str, RankItem]]) -> None:
    for kind, item in items:
        if kind == "delete":
            tx.delete(item)
        else:
            tx.save(item)


def counted_moves(state: tuple[Attorney | None, AttorneyLoad],
                  after: AttorneyLoad) -> list[tuple[str, RankItem]]:
    """The index side of a load counter change from ``state``'s counter to ``after``."""
    attorney, before = state
    if attorney is None:
        return []
    return moves(attorney, entry_key(attorney, before, before.year), entry_key(attorney, after, after.year),
                 before.year)


def after_increment(before: AttorneyLoad, at: datetime) -> AttorneyLoad:
    return before.after_assignment(at)


def after_decrement(before: AttorneyLoad) -> AttorneyLoad:
    return replace(before, assignments_this_year=before.assignments_this_year - 1)


def add_counted_increment(tx: TransactWrite, state: tuple[Attorney | None, AttorneyLoad], at: datetime,
                          cap: int) -> None:
    """One more assignment (under ``cap``, on the counter ``state`` holds) and the entries moved with it."""
    before = state[1]
    add_increment(tx, before.attorney_id, before.year, at, cap, expected=before)
    apply_moves(tx, counted_moves(state, after_increment(before, at)))


def add_counted_decrement(tx: TransactWrite, state: tuple[Attorney | None, AttorneyLoad]) -> None:
    """One assignment less (on the counter ``state`` holds) and the entries moved with it."""
    before = state[1]
    add_decrement(tx, before.attorney_id, before.year, expected=before)
    apply_moves(tx, counted_moves(state, after_decrement(before)))


def add_moves_between(tx: TransactWrite, state: tuple[Attorney | None, AttorneyLoad],
                      after: AttorneyLoad) -> None:
    apply_moves(tx, counted_moves(state, after))


def current(attorney_id: str, year: int) -> tuple[Attorney | None, AttorneyLoad]:
    """The attorney's profile and load counter of ``year``, read consistently (one BatchGetItem): what a
    counted write moves the entries from."""
    profiles, loads = DynamoRankingIndex().read([attorney_id], year)
    load = loads.get(attorney_id) or AttorneyLoad.empty(attorney_id, year)
    return profiles.get(attorney_id), load.for_year(year)


class DynamoRankingIndex:
    """The reader port of ``ranking_index`` on DynamoDB, and the year's opening."""

    def keys(self, partition: Partition, start: str, stop: str, limit: int) -> Sequence[str]:
        first = not start  # the first page: the opening marker comes first, one more item
        want = limit + 1 if first else limit
        condition = RankItem.sk <= stop if first else RankItem.sk.between(start, stop)
        found = [item.sk for item in RankItem.query(rank_pk(partition), condition, consistent_read=True,
                                                    limit=want, page_size=want, attributes_to_get=["sk"])]
        if first:
            if not found or found[0] != OPEN_SK:
                raise IndexNotDecisive(f"the ranking index of {partition.year} is not open for "
                                       f"{partition.category} in {partition.region}")
            found = found[1:]
        return [k for k in found if k < stop]

    def realtime(self, now: datetime) -> RealtimeRead:
        """A reader for one real-time choice: the same batch read also brings each attorney's busy
        state (3 keys an attorney: still one request per 25), collected in ``busy``."""
        return RealtimeRead(self, now)

    def attorneys(self, ids: Collection[str], year: int, *, busy: tuple[datetime, set[str]] | None = None
                  ) -> dict[str, tuple[Attorney, AttorneyLoad | None]]:
        profiles, loads = self.read(ids, year, busy=busy)
        return {a: (profile, loads.get(a)) for a, profile in profiles.items()}

    def read(self, ids: Collection[str], year: int, *, busy: tuple[datetime, set[str]] | None = None
             ) -> tuple[dict[str, Attorney], dict[str, AttorneyLoad]]:
        """Profiles and load counters of ``ids`` (busy states into ``busy``): a BatchGetItem per 100 keys."""
        keys: list[tuple[str, str]] = []
        for a in ids:
            keys += [(f"ATTORNEY#{a}", "PROFILE"), load_key(a, year)]
            if busy is not None:
                keys.append((f"ATTORNEY#{a}", BUSY_SK))
        profiles: dict[str, Attorney] = {}
        loads: dict[str, AttorneyLoad] = {}
        for raw in _batch_get(keys):
            pk = raw["pk"]["S"]
            if raw["sk"]["S"] == BUSY_SK:
                if busy is not None and raw.get("until", {}).get("S", "") > _stamp(busy[0]):
                    busy[1].add(pk.removeprefix("ATTORNEY#"))
            elif raw["sk"]["S"] == "PROFILE":
                attorney = _attorney_from_item(AttorneyItem.from_raw_data(raw))
                profiles[attorney.id] = attorney
            elif pk.startswith("LOAD#"):
                attorney_id = pk.removeprefix("LOAD#")
                loads[attorney_id] = load_of(attorney_id, year, LoadItem.from_raw_data(raw))
        return profiles, loads

    def is_open(self, year: int) -> bool:
        """The year's opening finished: its last marker (written after every entry) is there."""
        last = Partition(year, max(c.code for c in CATEGORIES), max(REGION_CODES))
        return RankItem.find(rank_pk(last), OPEN_SK, consistent_read=True) is not None

    def open_year(self, attorneys: Iterable[Attorney], loads: Mapping[str, AttorneyLoad], year: int) -> int:
        """Write every attorney's entries of ``year`` and mark every category × region partition of
        the year open (those nobody covers too); the entries written. A rerun writes the same items."""
        written = 0
        with RankItem.batch_write() as batch:
            for a in attorneys:
                key = entry_key(a, loads.get(a.id), year)
                for partition in partitions_of(a, year):
                    batch.save(RankItem(rank_pk(partition), key, attorney_id=a.id))
                    written += 1
            for category in sorted(c.code for c in CATEGORIES):
                for region in sorted(REGION_CODES):
                    batch.save(RankItem(rank_pk(Partition(year, category, region)), OPEN_SK))
        return written


class RealtimeRead:
    """``ranking_index.IndexReader`` for a real-time choice (see ``DynamoRankingIndex.realtime``)."""

    def __init__(self, index: DynamoRankingIndex, now: datetime) -> None:
        self._index, self._now = index, now
        self.busy: set[str] = set()

    def keys(self, partition: Partition, start: str, stop: str, limit: int) -> Sequence[str]:
        return self._index.keys(partition, start, stop, limit)

    def attorneys(self, ids: Collection[str], year: int) -> dict[str, tuple[Attorney, AttorneyLoad | None]]:
        return self._index.attorneys(ids, year, busy=(self._now, self.busy))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # as offers._stamp


def _batch_get(keys: list[tuple[str, str]]) -> Iterable[dict[str, Any]]:
    table_conn = RankItem._get_connection()
    pending = [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys]
    while pending:
        page, pending = pending[:BATCH_KEYS], pending[BATCH_KEYS:]
        attempt = 0
        while page:
            data = table_conn.batch_get_item(page, consistent_read=True)
            yield from data.get("Responses", {}).get(RankItem.Meta.table_name, [])
            page = data.get("UnprocessedKeys", {}).get(RankItem.Meta.table_name, {}).get("Keys", [])
            if page:
                attempt += 1
                time.sleep(min(0.05 * 2 ** attempt, 1.0) * random.random())

"""In-memory twin of the ranking index (``chalicelib/domain/ranking_index.py``), with a call counter.

Each sorted partition is a list kept in order with ``bisect``; ``keys`` is
what one DynamoDB ``Query`` (``Limit``) returns and ``attorneys`` what one
``BatchGetItem`` of the profile and the load counter per attorney returns
(100 keys a request, so ⌈2n/100⌉ requests). ``calls`` counts them, so tests
and ``bench/ranking_scale.py`` can compare the cost at different roster sizes.
``assign`` moves an attorney's entries the way the booking and offer
transactions would (one delete and one put per covered category × region).
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.matching import AttorneyLoad
from chalicelib.domain.ranking_index import Partition, entry_key, opening_entries

BATCH_KEYS = 100  # BatchGetItem's limit
KEYS_PER_ATTORNEY = 2  # profile and load counter


class MemoryRankingIndex:
    def __init__(self, attorneys: Iterable[Attorney] = (), loads: Mapping[str, AttorneyLoad] | None = None,
                 *, year: int) -> None:
        self.year = year
        self.profiles: dict[str, Attorney] = {}
        self.loads: dict[str, AttorneyLoad] = dict(loads or {})
        self._partitions: dict[Partition, list[str]] = {}
        self._keys: dict[str, str] = {}  # attorney id -> their current key
        self.calls: Counter[str] = Counter()
        self.writes = 0  # index items written (puts and deletes)
        pending: dict[Partition, list[str]] = {}
        for a in attorneys:
            self.profiles[a.id] = a
            self._keys[a.id] = entry_key(a, self.loads.get(a.id), year)
            for partition, key in opening_entries(a, self.loads.get(a.id), year):
                pending.setdefault(partition, []).append(key)
        for partition, keys in pending.items():
            self._partitions[partition] = sorted(keys)

    # --- the reader port (counted) ---------------------------------------------------------

    def keys(self, partition: Partition, start: str, stop: str, limit: int) -> Sequence[str]:
        self.calls["Query"] += 1
        keys = self._partitions.get(partition, [])
        i = bisect.bisect_left(keys, start)
        j = bisect.bisect_left(keys, stop)
        return keys[i:min(j, i + limit)]

    def attorneys(self, ids: Collection[str], year: int) -> dict[str, tuple[Attorney, AttorneyLoad | None]]:
        self.calls["BatchGetItem"] += math.ceil(len(ids) * KEYS_PER_ATTORNEY / BATCH_KEYS)
        return {i: (self.profiles[i], self.loads.get(i)) for i in ids if i in self.profiles}

    # --- writes (what the transactions do) ------------------------------------------------

    def assign(self, attorney_id: str, at: datetime) -> None:
        """One more assignment for the attorney: the load counter and every entry move together."""
        load = (self.loads.get(attorney_id) or AttorneyLoad.empty(attorney_id, self.year)).for_year(self.year)
        self.set_load(load.after_assignment(at))

    def set_load(self, load: AttorneyLoad) -> None:
        attorney = self.profiles[load.attorney_id]
        self.loads[load.attorney_id] = load
        self._move(attorney, entry_key(attorney, load, self.year))

    def set_counter_only(self, load: AttorneyLoad) -> None:
        """The counter changes but the entries do not (a stale index, for tests of the safeguards)."""
        self.loads[load.attorney_id] = load

    def _move(self, attorney: Attorney, new: str) -> None:
        old = self._keys[attorney.id]
        for partition, _ in opening_entries(attorney, None, self.year):
            keys = self._partitions[partition]
            del keys[bisect.bisect_left(keys, old)]
            bisect.insort(keys, new)
            self.writes += 2
        self._keys[attorney.id] = new

    def reset_calls(self) -> None:
        self.calls.clear()

"""The ranking index: the fair choice of :mod:`matching` read in ranking order, at a bounded cost.

Layout
    One sorted partition per year × category × region; one entry per
    attorney covering that pair, whose sort key is :func:`entry_key`::

        <credited load / weight, 24 digits, 9 decimals>#<0 | 1 + last assigned, UTC>#<tie order>#<id>

    i.e. the first two ranking criteria (``matching.level_of``), then the
    attorney's place in a tie (``matching.tie_order``: a hash of the id
    salted with the year), then the id. The key is
    a function of the attorney's profile (weight) and their load counter of
    the year, so the writes that change either (an assignment, a cancelled
    one, a stored join credit, a weight change) move the entry in the same
    transaction. The year is part of the partition, so the counters still
    restart on 1 January: an attorney without an entry in this year's
    partition is written at level zero when the partition is opened
    (:func:`opening_entries`) and at every roster change.

Reading (:func:`choose_indexed`)
    For each ring, one stream per region of the ring yields entries in key
    order, a page of ``limit`` keys (one query) at a time; the streams are
    merged, the attorneys behind the keys already read are loaded up to
    ``limit`` at a time (one batch read), and each is placed as ``matching``
    places them: the ring's attorneys who could take the category (active,
    covering it; speakers when only speakers count), eligible or not, counted
    in blocks of ``TIE_BLOCK``; eligibility is decided as
    ``matching.ineligibility`` does. The first block holding an eligible
    attorney settles the choice: the lowest level among its eligible
    attorneys, and within that level the tie-break hash's minimum. The read
    stops as soon as that block is full or the next key belongs to a higher
    level than the winner's. That is, by construction, the ranking of
    ``matching.choose`` (a unit test compares the two over random rosters).
    With ``limit`` = ``TIE_BLOCK`` a block is one page: when the first 25
    attorneys in ranking order hold an eligible one (the usual case at any
    roster size), the choice costs one query and one batch read.

Why a stopped read is exact
    Every entry's key is a lower bound of its attorney's true position:
    the calibration credit of an attorney who joined this year without a
    stored credit is ≥ 0 and grows with time, so the index holds the part
    that is known at write time (assignments + stored join and leave
    credits) and such an attorney can only rank *later* than their key. When
    one of them is reached before the choice is settled, their true position
    needs the pool's rate (``matching._credits``): the read gives up with
    :class:`IndexNotDecisive` and the caller ranks the whole pool, as without
    the index. An attorney whose counter shows them *later* than their key
    (an entry not yet moved) is put back at their true place and the read
    goes on. The one thing the read relies on is the converse: no entry may
    sit *later* than its counter (a cancelled assignment lowers the counter:
    the entry must move down in that same transaction), because an entry
    the read never reaches cannot be corrected; one that it does reach is
    refused with :class:`IndexNotDecisive`.

Cost
    Per ring: one query per region and page, plus one batch read per
    ``limit`` attorneys examined. None of it depends on the number of
    attorneys in the partitions, only on how many of the first ones are
    ineligible (off duty, busy, at cap, not free at the slot): with a
    constant share eligible, the first block nearly always holds one (with a
    quarter on duty, 25 off-duty attorneys in a row happen once in 1,300
    choices). A ring without any eligible attorney is read to its end before
    the next ring is tried, and a consultation in a language nobody nearby
    speaks reads the three rings for a speaker first (``matching`` rules):
    both grow with the ring's size.
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.calendar import DEFAULT_TZ
from chalicelib.domain.matching import (
    TIE_BLOCK,
    Assignment,
    AssignmentReason,
    AttorneyLoad,
    ConsultationFacts,
    Ineligibility,
    NoCandidateError,
    ineligibility,
    level_of,
    ring_of,
    tie_break,
    tie_order,
)
from chalicelib.domain.regions import rings

__all__ = [
    "DEFAULT_LIMIT",
    "BusyAwareReader",
    "IndexKeys",
    "IndexNotDecisive",
    "IndexReader",
    "Partition",
    "RealtimeIndex",
    "choose_indexed",
    "entry_key",
    "first_in_line",
    "has_time_dependent_credit",
    "opening_entries",
    "static_relative_load",
]

DEFAULT_LIMIT = 25  # keys per query and attorneys per batch read
_PARTITION_END = "\U0010ffff"

Available = Callable[[Attorney], bool]


@dataclass(frozen=True, slots=True, order=True)
class Partition:
    year: int
    category: str
    region: str


class IndexReader(Protocol):
    """Reads of the ranking index and of the attorneys behind it (the adapter's side)."""

    def keys(self, partition: Partition, start: str, stop: str, limit: int) -> Sequence[str]:
        """Up to ``limit`` sort keys ``start <= key < stop`` of the partition, ascending (one query).

        May raise :class:`IndexNotDecisive` (e.g. the partition's year was never opened)."""
        ...

    def attorneys(self, ids: Collection[str], year: int) -> Mapping[str, tuple[Attorney, AttorneyLoad | None]]:
        """Profile and load counter of the year of each id (one batch read; unknown ids left out)."""
        ...


class IndexKeys(Protocol):
    """The index's sorted keys alone (a booking reads the attorneys behind them itself)."""

    def keys(self, partition: Partition, start: str, stop: str, limit: int) -> Sequence[str]: ...


class BusyAwareReader(IndexReader, Protocol):
    """A reader for one real-time choice: its batch reads also collect who is in another consultation."""

    busy: set[str]


class RealtimeIndex(Protocol):
    """The ranking index as real-time matching reads it."""

    def realtime(self, now: datetime) -> BusyAwareReader: ...


class IndexNotDecisive(LookupError):
    """The index cannot settle the choice alone; rank the whole pool (``matching.choose``)."""


# -- keys ---------------------------------------------------------------------------------


def static_relative_load(attorney: Attorney, load: AttorneyLoad | None, year: int) -> float:
    """(Assignments this year + stored join credit + stored leave credit) / weight: the part of the
    credited load known at write time, a lower bound of the one ``matching`` computes."""
    current = (load or AttorneyLoad.empty(attorney.id, year)).for_year(year)
    stored = current.assignments_this_year + (current.calibration_credit or 0.0) + current.leave_credit
    return stored / attorney.weight


def entry_key(attorney: Attorney, load: AttorneyLoad | None, year: int) -> str:
    """The attorney's sort key in every partition of ``year`` they cover."""
    current = (load or AttorneyLoad.empty(attorney.id, year)).for_year(year)
    return (level_of(static_relative_load(attorney, current, year), current.last_assigned_at)
            + f"{tie_order(attorney.id, year)}#{attorney.id}")


def opening_entries(attorney: Attorney, load: AttorneyLoad | None, year: int) -> list[tuple[Partition, str]]:
    """Every (partition, key) the attorney has in ``year``: one per category × region they cover."""
    key = entry_key(attorney, load, year)
    return [(Partition(year, c, r), key) for c in sorted(attorney.categories) for r in sorted(attorney.regions)]


def has_time_dependent_credit(attorney: Attorney, load: AttorneyLoad | None, now: datetime,
                              tz: str = DEFAULT_TZ) -> bool:
    """True when ``matching`` credits the attorney with a share that grows with time (a pro-rata join
    credit: joined this year without a stored one), which the index cannot hold. The leave credit
    is stored night by night (``matching.leave_credit_to_level``) and is part of the key."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    year_start = datetime(local.year, 1, 1, tzinfo=zone)
    current = (load or AttorneyLoad.empty(attorney.id, local.year)).for_year(local.year)
    joined = attorney.created_at
    return current.calibration_credit is None and joined is not None and year_start < joined and local > year_start


def _split(key: str) -> tuple[str, str, str]:
    """(level, tie order, attorney id) of a sort key."""
    load, last, hashed, attorney_id = key.split("#", 3)
    return f"{load}#{last}#", hashed, attorney_id


# -- who is next in line (slot listing) --------------------------------------------------


def first_in_line(reader: IndexKeys, year: int, category: str, regions: Collection[str],
                  limit: int = DEFAULT_LIMIT) -> tuple[list[str], bool]:
    """The ``limit`` attorneys first in ranking order over the partitions of ``regions``, and whether
    that is everybody there: the first page of each partition (one query per region, the opening
    marker checked), merged by key, each attorney once: the order in which a choice reads them
    (without eligibility: who is next in line, not whom a booking would choose). May raise
    :class:`IndexNotDecisive` (the year not opened)."""
    pages = [reader.keys(Partition(year, category, r), "", _PARTITION_END, limit) for r in sorted(regions)]
    found: list[str] = []
    for key in heapq.merge(*pages):
        attorney_id = _split(key)[2]
        if attorney_id not in found:
            found.append(attorney_id)
            if len(found) == limit:
                break
    return found, all(len(page) < limit for page in pages) and len(found) < limit


# -- reading in ranking order ------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class _Entry:
    level: str
    order: str  # matching.tie_order
    attorney_id: str
    page_end: bool = False  # sorts right after the last entry of a page: what comes next costs a query

    @property
    def is_marker(self) -> bool:
        return self.page_end


def _stream(reader: IndexReader, partition: Partition, limit: int) -> Iterator[_Entry]:
    """The partition's entries in key order (level, then tie order), read lazily page by page; a full
    page is followed by its end marker, so a look ahead can stop at what the queries so far hold."""
    start = ""
    while True:
        keys = reader.keys(partition, start, _PARTITION_END, limit)
        entries = [_Entry(*_split(k)) for k in keys]
        yield from entries
        if len(keys) < limit:
            return
        last = entries[-1]
        yield _Entry(last.level, last.order, last.attorney_id, page_end=True)
        start = keys[-1] + "\x00"  # just after the last key read


class _Buffered:
    """An iterator of entries that can be looked ahead of (the lookahead costs the reads it needs)."""

    def __init__(self, items: Iterator[_Entry]) -> None:
        self._items = items
        self._ahead: deque[_Entry] = deque()

    def ahead(self, count: int) -> list[_Entry]:
        while len(self._ahead) < count:
            nxt = next(self._items, None)
            if nxt is None:
                break
            self._ahead.append(nxt)
        return list(self._ahead)[:count]

    def ahead_read(self, count: int) -> list[_Entry]:
        """Up to ``count`` entries ahead, stopping at a page's end marker: those the queries made so
        far hold (looking past the marker would cost the next page's query)."""
        while len(self._ahead) < count and not (self._ahead and self._ahead[-1].is_marker):
            nxt = next(self._items, None)
            if nxt is None:
                break
            self._ahead.append(nxt)
        found: list[_Entry] = []
        for e in self._ahead:
            if e.is_marker or len(found) >= count:
                break
            found.append(e)
        return found

    def peek(self) -> _Entry | None:
        head = self.ahead(1)
        return head[0] if head else None

    def pop(self) -> _Entry | None:
        return self._ahead.popleft() if self.ahead(1) else None


@dataclass
class _Read:
    """What a read examined: for the reason and for :class:`NoCandidateError`."""

    excluded: Counter[Ineligibility]
    attorneys_read: int = 0


def choose_indexed(facts: ConsultationFacts, reader: IndexReader, now: datetime, *, programme_cap: int,
                   available: Available, exclude: Collection[str] = (), tz: str = DEFAULT_TZ,
                   limit: int = DEFAULT_LIMIT, max_ring: int | None = None) -> Assignment:
    """``matching.choose`` over every attorney of the index, reading only the head of each ring.

    Raises :class:`NoCandidateError` when no ring holds an eligible attorney and
    :class:`IndexNotDecisive` when an attorney with a time-dependent credit (or an entry behind its
    counter) is reached before the choice is settled. With ``max_ring`` only the rings ``0..max_ring``
    are read, and finding nobody there raises :class:`IndexNotDecisive` (the caller's pool decides
    whether to widen: booking's ``Policy.reservation_ring``).
    """
    zone = ZoneInfo(tz)
    year = now.astimezone(zone).year
    read = _Read(Counter())
    if facts.language != "ko":
        found = _first_ring(facts, reader, now, year, programme_cap, available, exclude, tz, limit, read,
                            speakers_only=True, max_ring=max_ring)
        if found is not None:
            return _assignment(facts, now, found, read, interpreter_needed=False)
        read = _Read(Counter())
    found = _first_ring(facts, reader, now, year, programme_cap, available, exclude, tz, limit, read,
                        speakers_only=False, max_ring=max_ring)
    if found is None:
        if max_ring is not None:
            raise IndexNotDecisive(f"nobody eligible in rings 0..{max_ring}")
        raise NoCandidateError(facts, read.excluded)
    return _assignment(facts, now, found, read, interpreter_needed=facts.language != "ko")


@dataclass(frozen=True)
class _Found:
    attorney: Attorney
    load: AttorneyLoad
    ring: int
    window: int  # eligible attorneys of the winning level (in its block) compared by the tie-break
    eligible_read: int
    tied: bool  # another attorney of the block shares the winner's level (eligible or not)
    next_level: str | None = None  # the level of the entry that stopped the read (None: not read)
    ring_ended: bool = False  # the read reached the ring's end (nobody after the winner)


def _first_ring(facts: ConsultationFacts, reader: IndexReader, now: datetime, year: int, programme_cap: int,
                available: Available, exclude: Collection[str], tz: str, limit: int, read: _Read, *,
                speakers_only: bool, max_ring: int | None = None) -> _Found | None:
    for ring, regions in enumerate(rings(facts.region)):
        if max_ring is not None and ring > max_ring:
            break
        streams = [_stream(reader, Partition(year, facts.category, r), limit) for r in sorted(regions)]
        found = _settle(facts, reader, heapq.merge(*streams), ring, now, year, programme_cap, available,
                        exclude, tz, limit, read, speakers_only)
        if found is not None:
            return found
    return None


def _settle(facts: ConsultationFacts, reader: IndexReader, merged: Iterator[_Entry], ring: int, now: datetime,
            year: int, programme_cap: int, available: Available, exclude: Collection[str], tz: str, limit: int,
            read: _Read, speakers_only: bool) -> _Found | None:
    """The ring's attorneys who could take the category, in ranking order, counted in blocks of
    ``TIE_BLOCK`` (``matching``'s tie rule): the first block holding an eligible attorney settles the
    choice, and the read stops as soon as its block is full or the level after the winner's begins."""
    stream = _Buffered(merged)
    later: list[_Entry] = []  # attorneys whose counter shows them after their key: at their true place
    deferred: dict[str, tuple[Attorney, AttorneyLoad]] = {}
    loaded: dict[str, tuple[Attorney, AttorneyLoad | None]] = {}
    done: set[str] = set()
    window: list[tuple[Attorney, AttorneyLoad]] = []
    window_level: str | None = None
    in_block = 0  # members of the current block counted so far
    at_window_level = 0  # members of the block at the window's level, eligible or not
    eligible_read = 0
    next_level: str | None = None
    ring_ended = False

    def upcoming() -> _Entry | None:
        head = stream.peek()
        if later and (head is None or later[0] < head):
            return later[0]
        return head

    while not (window and in_block >= TIE_BLOCK):
        nxt = upcoming()
        if nxt is None:
            ring_ended = True
            break
        if window_level is not None and not nxt.is_marker and nxt.level != window_level:
            next_level = nxt.level
            break
        if later and nxt is later[0]:
            heapq.heappop(later)
            attorney, current = deferred.pop(nxt.attorney_id)
        else:
            stream.pop()
            if nxt.is_marker or nxt.attorney_id in done:
                continue  # a page's end; the same attorney through another region, or already placed
            if nxt.attorney_id not in loaded:
                wanted = [e.attorney_id for e in stream.ahead_read(limit) if e.attorney_id not in done]
                ids = list(dict.fromkeys([nxt.attorney_id, *wanted]))[:limit]
                loaded.update(reader.attorneys(ids, year))
                read.attorneys_read += len(ids)
                done.update(i for i in ids if i not in loaded)  # no profile: nothing to rank
            done.add(nxt.attorney_id)
            pair = loaded.pop(nxt.attorney_id, None)
            if pair is None:
                continue
            attorney, load = pair
            if ring_of(attorney, facts.region) != ring:
                continue  # nearer ring (examined there) or an entry of a region no longer covered
            if not (attorney.active and facts.category in attorney.categories):
                read.excluded[Ineligibility.INACTIVE if facts.category in attorney.categories
                              else Ineligibility.NOT_COVERED] += 1
                continue  # not one of the ring's attorneys for the category: no place in a block
            if speakers_only and not attorney.speaks(facts.language):
                continue
            current = (load or AttorneyLoad.empty(attorney.id, year)).for_year(year)
            if has_time_dependent_credit(attorney, current, now, tz):
                raise IndexNotDecisive(f"attorney {attorney.id} has a time-dependent calibration credit")
            true_level = level_of(static_relative_load(attorney, current, year), current.last_assigned_at)
            if true_level < nxt.level:
                raise IndexNotDecisive(f"the index entry of attorney {attorney.id} is behind its counter")
            if true_level > nxt.level:
                deferred[attorney.id] = (attorney, current)
                heapq.heappush(later, _Entry(true_level, nxt.order, attorney.id))
                continue
        in_block += 1
        if window_level is not None:
            at_window_level += 1
        why = ineligibility(attorney, facts, current, now, programme_cap=programme_cap, available=available,
                            exclude=exclude, tz=tz)
        if why is not None:
            read.excluded[why] += 1
        else:
            eligible_read += 1
            if window_level is None:
                window_level, at_window_level = nxt.level, 1
            window.append((attorney, current))
        if in_block >= TIE_BLOCK and not window:
            in_block = 0  # a block with nobody eligible: the next block
    if not window:
        return None
    attorney, current = min(window, key=lambda pair: tie_break(pair[0].id, facts.consultation_id))
    return _Found(attorney, current, ring, len(window), eligible_read, at_window_level > 1, next_level, ring_ended)


def _decided_by(found: _Found) -> str:
    """``matching``'s vocabulary: what set the winner apart from the next attorney in ranking order
    (an ineligible one included: the read does not look further)."""
    if found.window > 1 or found.tied:
        return "tie_break"
    if found.next_level is None:  # the ring's end, or a full block (what follows it was not read)
        return "only_candidate" if found.ring_ended and found.eligible_read == 1 else "load"
    load = found.load
    winner = level_of(static_relative_load(found.attorney, load, load.year), load.last_assigned_at)
    return "load" if winner.split("#")[0] != found.next_level.split("#")[0] else "least_recently_assigned"


def _assignment(facts: ConsultationFacts, now: datetime, found: _Found, read: _Read, *,
                interpreter_needed: bool) -> Assignment:
    attorney, load = found.attorney, found.load
    credit = (load.calibration_credit or 0.0) + load.leave_credit
    decided_by = _decided_by(found)
    return Assignment(
        consultation_id=facts.consultation_id, attorney_id=attorney.id, assigned_at=now,
        reason=AssignmentReason(
            mode=facts.mode, ring=found.ring, rank=1, pool_size=found.eligible_read,
            assignments_this_year=load.assignments_this_year, credit=credit,
            weight=attorney.weight, credited_load=load.assignments_this_year + credit, target=0.0,
            decided_by=decided_by, already_tried=read.excluded[Ineligibility.ALREADY_TRIED],
            language=facts.language, interpreter_needed=interpreter_needed,
            note="ranking index: pool_size counts the eligible attorneys read, target not computed",
        ),
    )

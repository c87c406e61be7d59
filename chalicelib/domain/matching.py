"""Matching: who may take a consultation, in which order, and the fair choice.

Eligibility
    An attorney fits a consultation when they cover its category and a region
    of the current ring, are active, are under their annual cap (their own
    ``annual_cap`` or the programme's, counted over assignments in the
    calendar year of ``now``), and are available — the caller says what that
    means through a predicate: for real time, on duty and not in another
    consultation (:func:`realtime_available`); for a reservation, free at
    the slot (:func:`reservation_available`, fed by ``slots.free_attorneys``).

Rings
    Regions widen in rings around the resident's city or county
    (``regions.rings``): ring 0 is that region, ring 1 its neighbours, ring 2
    the rest of the province. Candidates come from the first ring holding any
    eligible attorney; an attorney's ring is the nearest ring of a region they
    cover.

Ranking (deterministic; Cal.com's weighted round robin, with caps)
    Each attorney's *credited load* is their assignments this year plus a
    calibration credit for the part of the year they were not there:

    * joined this year: the credit the roster stored when they joined (the
      average load of their pool at that moment, :func:`join_credit`; the
      roster console stores it for every attorney it adds), or, when none was stored,
      pro rata: the rate below × their weight × the days of the year before
      they joined;
    * time away this year (leave and extra closed days): the credit stored
      the night after each day away, which brings them level with their
      pool again (:func:`leave_credit_to_level`; the ``ranking_year`` job), so
      that it is a number the ranking index can hold rather than one that
      grows while they are away.

    The pro-rata rate is the other attorneys' assignments per unit of weight
    per day present, over the active attorneys of the ring who cover the
    category (they carried the absent attorney's share). The target share
    of attorney *i* is (pool load + pool credits) × wᵢ / Σw; candidates are
    ordered by credited load / target — equivalently credited load / weight —
    so the one furthest below their target comes first; then least recently
    assigned (never assigned first); then a tie-break that does not always
    favour the same attorney, settled in *blocks*: the ring's attorneys who
    could take the category (active, covering it; among speakers when only
    speakers count), eligible or not, are put in ranking order (the two
    criteria above, then :func:`tie_order`, a hash of the attorney's id salted
    with the year) and cut into consecutive blocks of ``TIE_BLOCK`` (25); a
    tie of eligible attorneys is settled by a stable hash of attorney id and
    consultation id (:func:`tie_break`) among those of the tie in the first
    block that holds an eligible attorney. A tie inside one block (the usual
    case) is therefore settled by that hash alone; a larger one (every
    attorney of a big roster on 1 January) among the block at its head, which
    moves on as its members are assigned and leave the tie. Strict ranking is
    kept: the winner always has the lowest load and then the oldest last
    assignment of every eligible attorney of the ring; only who of a tie goes
    first depends on the block. This is what one page of the ranking index,
    read in key order, settles (``chalicelib/domain/ranking_index.py``, which
    chooses the same winner as :func:`choose` without reading the whole pool).

Language
    A consultation in a language other than Korean goes first to an attorney
    who speaks it: the rings are searched for eligible attorneys who speak
    it, and the ranking above is applied among them. Only when no ring holds
    one are all eligible attorneys ranked as usual, and the assignment says
    ``interpreter_needed`` (a three-way call with an interpretation line).

Every :class:`Assignment` records its :class:`AssignmentReason`: mode, ring,
rank, pool size, the numbers used and which criterion decided.

Pure domain: ``now`` is a parameter, the programme cap comes from
``settings.Policy.annual_cap``. Load statistics come in as one
:class:`AttorneyLoad` per attorney (a counter item per attorney and year, read
by key), so matching never needs the assignment history.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.calendar import DEFAULT_TZ
from chalicelib.domain.categories import category_by_code
from chalicelib.domain.regions import region_by_code, rings

__all__ = [
    "TIE_BLOCK",
    "Assignment",
    "AssignmentMode",
    "AssignmentReason",
    "AttorneyLoad",
    "ConsultationFacts",
    "Ineligibility",
    "LoadStore",
    "NoCandidateError",
    "NotAssignableError",
    "PoolLevels",
    "RankedCandidate",
    "annual_cap_of",
    "at_cap",
    "choose",
    "id_hash",
    "ineligibility",
    "join_credit",
    "leave_credit_to_level",
    "level_of",
    "manual_assignment",
    "ranked",
    "realtime_available",
    "reservation_available",
    "ring_of",
    "tie_break",
    "tie_order",
]

Available = Callable[[Attorney], bool]

_DAY = timedelta(days=1)
_PRECISION = 9  # decimal places kept when comparing credited loads (float noise is not a difference)
_LOAD_WIDTH = 24  # digits of a relative load in ``level_of`` (zero-padded: strings sort like numbers)
_INSTANT = "%Y%m%dT%H%M%S%f"
TIE_BLOCK = 25  # a tie is settled by the tie-break hash within blocks of this many attorneys in ranking order


class AssignmentMode(StrEnum):
    REALTIME = "realtime"
    RESERVATION = "reservation"
    MANUAL = "manual"


class Ineligibility(StrEnum):
    """Why an attorney cannot take a consultation right now."""

    NOT_COVERED = "not_covered"
    INACTIVE = "inactive"
    AT_CAP = "at_cap"
    UNAVAILABLE = "unavailable"
    ALREADY_TRIED = "already_tried"


class NoCandidateError(LookupError):
    """No attorney in any ring can take the consultation; ``excluded`` counts why."""

    def __init__(self, facts: ConsultationFacts, excluded: Mapping[Ineligibility, int]) -> None:
        self.facts = facts
        self.excluded = dict(excluded)
        super().__init__(facts.category, facts.region, facts.mode.value,
                         {why.value: n for why, n in sorted(self.excluded.items())})


class NotAssignableError(ValueError):
    """A manual assignment the rules forbid (``why``: inactive, at cap, category not covered), with
    the ``attorney_id``, the ``category`` and the attorney's annual ``cap``."""

    def __init__(self, why: Ineligibility, attorney_id: str, category: str = "", cap: int = 0) -> None:
        super().__init__(why.value, attorney_id)
        self.why, self.attorney_id, self.category, self.cap = why, attorney_id, category, cap


@dataclass(frozen=True, slots=True)
class ConsultationFacts:
    """What matching needs to know about a consultation (no personal data)."""

    consultation_id: str
    category: str
    region: str
    mode: AssignmentMode
    language: str = "ko"

    def __post_init__(self) -> None:
        category_by_code(self.category)
        region_by_code(self.region)
        object.__setattr__(self, "mode", AssignmentMode(self.mode))
        object.__setattr__(self, "language", str(getattr(self.language, "value", self.language)))


@dataclass(frozen=True, slots=True)
class AttorneyLoad:
    """One attorney's assignment statistics for one calendar year.

    ``calibration_credit`` is the credit stored when the attorney joined
    during ``year`` (None: compute it pro rata); ``leave_credit`` the credit
    stored for their days away so far this year, credited up to and including
    ``leave_credited_through`` (:func:`leave_credit_to_level`).
    A load of another year than ``now``'s counts as empty: the counters
    restart on 1 January without any job.
    """

    attorney_id: str
    year: int
    assignments_this_year: int = 0
    last_assigned_at: datetime | None = None
    calibration_credit: float | None = None
    leave_credit: float = 0.0
    leave_credited_through: date | None = None

    def __post_init__(self) -> None:
        if self.assignments_this_year < 0:
            raise ValueError("assignments_this_year must not be negative")
        if self.leave_credit < 0:
            raise ValueError("leave_credit must not be negative")
        if self.calibration_credit is not None and self.calibration_credit < 0:
            raise ValueError("calibration_credit must not be negative")
        if self.last_assigned_at is not None and self.last_assigned_at.utcoffset() is None:
            raise ValueError("last_assigned_at must be an aware datetime")

    @classmethod
    def empty(cls, attorney_id: str, year: int) -> AttorneyLoad:
        return cls(attorney_id=attorney_id, year=year)

    def for_year(self, year: int) -> AttorneyLoad:
        """This load if it is ``year``'s, else an empty one."""
        return self if self.year == year else AttorneyLoad.empty(self.attorney_id, year)

    def after_assignment(self, at: datetime) -> AttorneyLoad:
        """The load once one more consultation was assigned at ``at``."""
        return replace(self, assignments_this_year=self.assignments_this_year + 1, last_assigned_at=at)


class LoadStore(Protocol):
    """The attorneys' yearly loads (assignment counts, calibration credits)."""

    def get_many(self, attorney_ids: Iterable[str], year: int) -> dict[str, AttorneyLoad]: ...

    def set_calibration(self, attorney_id: str, year: int, credit: float) -> None: ...

    def credit_leave(self, attorney_id: str, year: int, credit: float, through: date) -> bool:
        """Add ``credit`` to the attorney's stored leave credit and mark it credited ``through`` that
        day, unless it was credited that far already (False). Moves their ranking index entries
        with it."""
        ...


@dataclass(frozen=True, slots=True)
class AssignmentReason:
    """Why this attorney: stored with every assignment."""

    mode: AssignmentMode
    ring: int
    rank: int  # 1-based position in the ranking of the ring
    pool_size: int  # eligible attorneys in the ring
    assignments_this_year: int
    credit: float  # join + leave calibration
    weight: float
    credited_load: float  # (assignments + credit)
    target: float  # the attorney's target share of the pool's credited load
    decided_by: str  # "only_candidate" | "load" | "least_recently_assigned" | "tie_break" | "manual"
    already_tried: int = 0  # attorneys skipped because they were offered it before
    note: str | None = None
    language: str = "ko"  # the consultation's language
    interpreter_needed: bool = False  # the attorney does not speak it


    def as_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode.value, "ring": self.ring, "rank": self.rank, "pool_size": self.pool_size,
            "assignments_this_year": self.assignments_this_year, "credit": round(self.credit, 3),
            "weight": self.weight, "credited_load": round(self.credited_load, 3),
            "target": round(self.target, 3), "decided_by": self.decided_by,
            "already_tried": self.already_tried, "note": self.note,
            "language": self.language, "interpreter_needed": self.interpreter_needed,
        }


@dataclass(frozen=True, slots=True)
class Assignment:
    consultation_id: str
    attorney_id: str
    assigned_at: datetime
    reason: AssignmentReason


@dataclass(frozen=True, slots=True)
class RankedCandidate:
    """One eligible attorney in ranking order, with the numbers that placed them."""

    attorney: Attorney
    ring: int
    rank: int
    assignments_this_year: int
    credit: float
    credited_load: float
    relative_load: float  # credited_load / weight
    target: float
    last_assigned_at: datetime | None
    tie_break: str
    interpreter_needed: bool = False  # nobody eligible speaks the consultation's language

    @property
    def attorney_id(self) -> str:
        return self.attorney.id


# -- eligibility ----------------------------------------------------------------


def join_credit(attorney: Attorney, roster: Iterable[Attorney], loads: Mapping[str, AttorneyLoad],
                year: int) -> float:
    """The calibration credit to store for ``attorney`` joining during ``year``: the average
    assignments per unit of weight of the active attorneys who share a category and a region with
    them (their pool), times their weight, so that they start level with it (0 without peers).
    Stored at once, it stands in for the pro-rata credit, which grows with time (see the module doc)."""
    peers = _pool_of(attorney, roster)
    if not peers:
        return 0.0
    per_weight = [(loads.get(a.id) or AttorneyLoad.empty(a.id, year)).for_year(year).assignments_this_year / a.weight
                  for a in peers]
    return sum(per_weight) / len(per_weight) * attorney.weight


def annual_cap_of(attorney: Attorney, programme_cap: int) -> int:
    """The attorney's own cap if set, else the programme's."""
    return attorney.annual_cap if attorney.annual_cap is not None else programme_cap


def at_cap(attorney: Attorney, load: AttorneyLoad | None, programme_cap: int, now: datetime,
           tz: str = DEFAULT_TZ) -> bool:
    """True when the attorney has no assignment left this calendar year."""
    count = 0 if load is None else load.for_year(_year(now, tz)).assignments_this_year
    return count >= annual_cap_of(attorney, programme_cap)


def realtime_available(busy: Collection[str]) -> Available:
    """Real time: on duty and not in another consultation (``busy`` attorney ids)."""
    return lambda attorney: attorney.on_duty and attorney.id not in busy


def reservation_available(free: Collection[str]) -> Available:
    """Reservation: free at the slot (``slots.free_attorneys``)."""
    return lambda attorney: attorney.id in free


def ring_of(attorney: Attorney, region: str) -> int | None:
    """The nearest ring (0, 1, 2) around ``region`` that the attorney covers."""
    for i, ring in enumerate(rings(region)):
        if attorney.regions & ring:
            return i
    return None


def ineligibility(attorney: Attorney, facts: ConsultationFacts, load: AttorneyLoad | None, now: datetime,
                  *, programme_cap: int, available: Available, exclude: Collection[str] = (),
                  tz: str = DEFAULT_TZ) -> Ineligibility | None:
    """Why ``attorney`` cannot take the consultation (in any ring), or None if they can."""
    if facts.category not in attorney.categories:
        return Ineligibility.NOT_COVERED
    if not attorney.active:
        return Ineligibility.INACTIVE
    if attorney.id in exclude:
        return Ineligibility.ALREADY_TRIED
    if at_cap(attorney, load, programme_cap, now, tz):
        return Ineligibility.AT_CAP
    if not available(attorney):
        return Ineligibility.UNAVAILABLE
    return None


# -- ranking ----------------------------------------------------------------------


def ranked(facts: ConsultationFacts, candidates: Iterable[Attorney], stats: Mapping[str, AttorneyLoad],
           now: datetime, *, programme_cap: int, available: Available, exclude: Collection[str] = (),
           tz: str = DEFAULT_TZ) -> list[RankedCandidate]:
    """Eligible attorneys of the first ring that has any, best first.

    ``candidates`` may repeat an attorney (one query per region returns them
    once per region they cover) and may hold attorneys of any ring or
    category: eligibility is decided here. ``stats`` maps attorney id to
    load; a missing entry is an attorney with no assignment this year.
    ``exclude`` holds attorneys already tried for this consultation (the
    offer loop): they are skipped, and when a ring runs out the next one is
    used. Empty when nobody is eligible (see :func:`choose` for why).
    """
    ranked_list, _ = _rank(facts, candidates, stats, now, programme_cap=programme_cap,
                           available=available, exclude=exclude, tz=tz)
    return ranked_list


def choose(facts: ConsultationFacts, candidates: Iterable[Attorney], stats: Mapping[str, AttorneyLoad],
           now: datetime, *, programme_cap: int, available: Available, exclude: Collection[str] = (),
           tz: str = DEFAULT_TZ) -> Assignment:
    """The fair choice: the top of :func:`ranked`, with its reason.

    Raises :class:`NoCandidateError` (counting why attorneys were excluded)
    when no ring holds an eligible attorney.
    """
    ranked_list, excluded = _rank(facts, candidates, stats, now, programme_cap=programme_cap,
                                  available=available, exclude=exclude, tz=tz)
    if not ranked_list:
        raise NoCandidateError(facts, excluded)
    top = ranked_list[0]
    return Assignment(
        consultation_id=facts.consultation_id,
        attorney_id=top.attorney_id,
        assigned_at=now,
        reason=AssignmentReason(
            mode=facts.mode, ring=top.ring, rank=1, pool_size=len(ranked_list),
            assignments_this_year=top.assignments_this_year, credit=top.credit,
            weight=top.attorney.weight, credited_load=top.credited_load, target=top.target,
            decided_by=_decided_by(ranked_list), already_tried=excluded[Ineligibility.ALREADY_TRIED],
            language=facts.language, interpreter_needed=top.interpreter_needed,
        ),
    )


def manual_assignment(facts: ConsultationFacts, attorney: Attorney, load: AttorneyLoad | None,
                      now: datetime, *, programme_cap: int, note: str,
                      tz: str = DEFAULT_TZ) -> Assignment:
    """An admin's reassignment to a named attorney, with their reason.

    The admin may pick an attorney outside the usual rings or off duty, but
    never an inactive one, one at their cap, or one who does not take the
    category. ``note`` is the admin's reason (keep personal data out of it).
    """
    if not note or not note.strip():
        raise ValueError("a manual reassignment needs a reason")
    why = ineligibility(attorney, facts, load, now, programme_cap=programme_cap,
                        available=lambda _a: True, tz=tz)
    if why is not None:
        raise NotAssignableError(why, attorney.id, facts.category, annual_cap_of(attorney, programme_cap))
    year = _year(now, tz)
    current = (load or AttorneyLoad.empty(attorney.id, year)).for_year(year)
    ring = ring_of(attorney, facts.region)
    return Assignment(
        consultation_id=facts.consultation_id,
        attorney_id=attorney.id,
        assigned_at=now,
        reason=AssignmentReason(
            mode=AssignmentMode.MANUAL, ring=2 if ring is None else ring, rank=1, pool_size=1,
            assignments_this_year=current.assignments_this_year, credit=0.0, weight=attorney.weight,
            credited_load=float(current.assignments_this_year), target=0.0,
            decided_by="manual", note=note.strip(), language=facts.language,
            interpreter_needed=not attorney.speaks(facts.language),
        ),
    )


# -- internals ----------------------------------------------------------------------


def _year(now: datetime, tz: str) -> int:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("aware datetime required (got a naive datetime)")
    return now.astimezone(ZoneInfo(tz)).year


def _rank(facts: ConsultationFacts, candidates: Iterable[Attorney], stats: Mapping[str, AttorneyLoad],
          now: datetime, *, programme_cap: int, available: Available, exclude: Collection[str],
          tz: str) -> tuple[list[RankedCandidate], Counter[Ineligibility]]:
    zone = ZoneInfo(tz)
    year = _year(now, tz)
    local_now = now.astimezone(zone)
    year_start = datetime(year, 1, 1, tzinfo=zone)

    unique: dict[str, Attorney] = {}
    for a in candidates:
        unique.setdefault(a.id, a)

    excluded: Counter[Ineligibility] = Counter()
    by_ring: dict[int, list[Attorney]] = {0: [], 1: [], 2: []}  # the ring's coverage pool
    eligible: dict[int, list[Attorney]] = {0: [], 1: [], 2: []}
    for a in unique.values():
        ring = ring_of(a, facts.region)
        if ring is None:
            excluded[Ineligibility.NOT_COVERED] += 1
            continue
        if facts.category in a.categories and a.active:
            by_ring[ring].append(a)
        why = ineligibility(a, facts, stats.get(a.id), now, programme_cap=programme_cap,
                            available=available, exclude=exclude, tz=tz)
        if why is None:
            eligible[ring].append(a)
        else:
            excluded[why] += 1

    speakers = {ring: [a for a in pool if a.speaks(facts.language)] for ring, pool in eligible.items()}
    interpreter_needed = not any(speakers.values())
    if not interpreter_needed:
        eligible = speakers  # the fairness rules below, among those who speak the language
    for ring in (0, 1, 2):
        if not eligible[ring]:
            continue
        loads = {a.id: (stats.get(a.id) or AttorneyLoad.empty(a.id, year)).for_year(year)
                 for a in by_ring[ring]}
        credits = _credits(by_ring[ring], loads, local_now, year_start)
        pool = eligible[ring]
        total_weight = sum(a.weight for a in pool)
        total_credited = sum(loads[a.id].assignments_this_year + credits[a.id] for a in pool)
        rows = []
        for a in pool:
            load = loads[a.id]
            credited = load.assignments_this_year + credits[a.id]
            rows.append((a, load, credits[a.id], credited, credited / a.weight,
                         total_credited * a.weight / total_weight))
        members = by_ring[ring] if interpreter_needed else [a for a in by_ring[ring] if a.speaks(facts.language)]
        block = _blocks(members, {a.id: level_of((loads[a.id].assignments_this_year + credits[a.id]) / a.weight,
                                                 loads[a.id].last_assigned_at) for a in members}, year)
        rows.sort(key=lambda r: (level_of(r[4], r[1].last_assigned_at), block[r[0].id],
                                 tie_break(r[0].id, facts.consultation_id)))
        return [
            RankedCandidate(attorney=a, ring=ring, rank=i, assignments_this_year=load.assignments_this_year,
                            credit=credit, credited_load=credited, relative_load=relative, target=target,
                            last_assigned_at=load.last_assigned_at,
                            tie_break=tie_break(a.id, facts.consultation_id),
                            interpreter_needed=interpreter_needed)
            for i, (a, load, credit, credited, relative, target) in enumerate(rows, start=1)
        ], excluded
    return [], excluded


def _credits(pool: Sequence[Attorney], loads: Mapping[str, AttorneyLoad], now: datetime,
             year_start: datetime) -> dict[str, float]:
    """Calibration credit per attorney of the pool (join + stored leave credit), in assignments.

    Without a stored join credit, the rate used for attorney *i* is the
    others' assignments per unit of weight per day present (the others
    carried *i*'s share before *i* joined); an attorney alone in their pool
    gets no credit.
    """
    elapsed = max((now - year_start) / _DAY, 0.0)
    before: dict[str, float] = {}  # days of the year before they joined
    for a in pool:
        joined = a.created_at
        before[a.id] = min((joined - year_start) / _DAY, elapsed) if joined is not None and joined > year_start else 0.0
    exposure = {a.id: a.weight * (elapsed - before[a.id]) for a in pool}
    total_exposure = sum(exposure.values())
    total_assigned = sum(loads[a.id].assignments_this_year for a in pool)
    credits: dict[str, float] = {}
    for a in pool:
        stored = loads[a.id].calibration_credit
        if stored is None:
            others_exposure = total_exposure - exposure[a.id]
            others_assigned = total_assigned - loads[a.id].assignments_this_year
            rate = others_assigned / others_exposure if others_exposure > 1e-9 else 0.0
            stored = rate * a.weight * before[a.id]
        credits[a.id] = stored + loads[a.id].leave_credit
    return credits


def leave_credit_to_level(attorney: Attorney, roster: Iterable[Attorney], loads: Mapping[str, AttorneyLoad],
                          year: int) -> float:
    """The leave credit to add, the night after a day the attorney was away, so that they are level
    with their pool again: their pool's average credited load per unit of weight (the pool as for
    :func:`join_credit`: active attorneys sharing a category and a region with them) times their
    weight, less their own credited load; 0 when they are level or ahead already, or have no peers.
    Away, they carried none of the pool's consultations; kept level, they neither fall behind nor
    come back to a backlog of consultations owed to them. For many attorneys of one roster, use
    :class:`PoolLevels` (the same figure, without a pass over the roster each)."""
    return PoolLevels(roster, loads, year).leave_credit(attorney)


class PoolLevels:
    """:func:`leave_credit_to_level` for many attorneys of one roster: the roster indexed by region
    once, so that each attorney's pool is found among those covering one of their regions (about a
    fifteenth of a province-wide roster) rather than by a pass over all of it."""

    def __init__(self, roster: Iterable[Attorney], loads: Mapping[str, AttorneyLoad], year: int) -> None:
        self._roster = list(roster)
        self._loads, self._year = loads, year
        self._by_region: dict[str, list[int]] = {}
        for position, a in enumerate(self._roster):
            if a.active:
                for region in a.regions:
                    self._by_region.setdefault(region, []).append(position)

    def leave_credit(self, attorney: Attorney) -> float:
        near = sorted({p for r in attorney.regions for p in self._by_region.get(r, ())})  # roster order
        peers = [a for a in (self._roster[p] for p in near)
                 if a.id != attorney.id and a.categories & attorney.categories]
        if not peers:
            return 0.0
        per_weight = [_stored_credited(self._loads.get(a.id), a.id, self._year) / a.weight for a in peers]
        level = sum(per_weight) / len(per_weight) * attorney.weight
        return max(level - _stored_credited(self._loads.get(attorney.id), attorney.id, self._year), 0.0)


def _pool_of(attorney: Attorney, roster: Iterable[Attorney]) -> list[Attorney]:
    return [a for a in roster if a.id != attorney.id and a.active
            and a.categories & attorney.categories and a.regions & attorney.regions]


def _stored_credited(load: AttorneyLoad | None, attorney_id: str, year: int) -> float:
    """Assignments + stored join credit + stored leave credit of ``year``."""
    current = (load or AttorneyLoad.empty(attorney_id, year)).for_year(year)
    return current.assignments_this_year + (current.calibration_credit or 0.0) + current.leave_credit


def tie_break(attorney_id: str, consultation_id: str) -> str:
    """The hash that settles a tie within its block: of attorney and consultation id, so it varies per consultation."""
    return hashlib.sha256(f"{consultation_id}\x1f{attorney_id}".encode()).hexdigest()[:16]


def id_hash(identifier: str) -> str:
    """A fixed 64-bit hash of an attorney or consultation id, as 16 hex digits (sorts like the number)."""
    return hashlib.sha256(identifier.encode()).hexdigest()[:16]


def tie_order(attorney_id: str, year: int) -> str:
    """The attorney's place among attorneys of the same level in ``year``: a hash of their id salted
    with the year (16 hex digits), so that who comes first in a tie changes from year to year."""
    return id_hash(f"{year}/{attorney_id}")


def level_of(relative_load: float, last_assigned_at: datetime | None) -> str:
    """The first two ranking criteria as one sortable string: credited load / weight, then never
    assigned before assigned, then least recently assigned (UTC instant)."""
    if relative_load < 0:
        raise ValueError("relative load must not be negative")
    last = "0" if last_assigned_at is None else "1" + last_assigned_at.astimezone(UTC).strftime(_INSTANT)
    return f"{relative_load:0{_LOAD_WIDTH}.{_PRECISION}f}#{last}#"


def _blocks(members: Sequence[Attorney], levels: Mapping[str, str], year: int) -> dict[str, int]:
    """Each member's block: their place in ranking order (level, then :func:`tie_order`) // ``TIE_BLOCK``."""
    order = sorted(members, key=lambda a: (levels[a.id], tie_order(a.id, year)))
    return {a.id: place // TIE_BLOCK for place, a in enumerate(order)}


def _decided_by(rows: Sequence[RankedCandidate]) -> str:
    if len(rows) == 1:
        return "only_candidate"
    first, second = rows[0], rows[1]
    if round(first.relative_load, _PRECISION) != round(second.relative_load, _PRECISION):
        return "load"
    if first.last_assigned_at != second.last_assigned_at:
        return "least_recently_assigned"
    return "tie_break"

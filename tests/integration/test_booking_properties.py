"""Random sequences of book / reschedule / cancel / decline / hold / time passing, against the in-memory
repository and against DynamoDB on the emulator, checking the same invariants after every step:

* no attorney is booked twice at one time, and the slot claims are exactly the active bookings;
* a consultation has at most one active booking, and is ``booked`` (with that attorney) exactly
  when it has one;
* each attorney's load counter equals their number of active bookings, never above the cap;

and that every refusal was right: a booking or hold is refused as taken only when no attorney
could take it (by an independent model of who is free), and succeeds only with one who could.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from chalicelib.domain.availability import Availability
from chalicelib.domain.bookings import NoBookingError, NotHoldableError, SlotTakenError
from chalicelib.domain.consultations import ConsultationNotFoundError, Status
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.settings import Policy
from tests.integration.reservations_harness import BACKENDS, Backend
from tests.support import scaled

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=KST)
CATEGORY, REGION = "severance_insurance", "guri"  # this module's own coverage partitions
CAP = 2
# the machine changes bookings far more often than a person may in a day: the abuse limits are raised
POLICY = Policy(availability_default="none", annual_cap=CAP, booking_changes_per_consultation_per_day=100,
                booking_changes_per_account_per_day=200, alerts_per_recipient_per_hour=100)
STARTS = [datetime(2026, 12, 2, 10, 0, tzinfo=KST), datetime(2026, 12, 2, 10, 30, tzinfo=KST),
          datetime(2026, 12, 2, 14, 0, tzinfo=KST)]
DAY_FIRST, DAY_LAST = datetime(2026, 12, 2, 0, 0, tzinfo=KST), datetime(2026, 12, 2, 23, 59, tzinfo=KST)
MORNINGS = Availability.of({d: [(time(10), time(11, 30))] for d in ("mon", "tue", "wed", "thu", "fri")})
CONSULTATIONS = 4

_factory: dict[str, Any] = {}


class ReservationMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world: Backend = _factory["make"]()
        # The fair choice breaks ties by a hash of the ids: fixed ids make an example replay the same
        # choices (the in-memory world is new each time); DynamoDB's tables outlive an example.
        suffix = uuid.uuid4().hex[:6] if self.world.name == "dynamo" else "fixed"
        full = Availability.full(self.world.calendar)
        self.availability = {f"att-p{suffix}-a": full, f"att-p{suffix}-b": full, f"att-p{suffix}-c": MORNINGS}
        for attorney_id, availability in self.availability.items():
            self.world.add_attorney(attorney_id, CATEGORY, (REGION,), availability)
        self.people: list[tuple[Principal, str]] = []
        for i in range(CONSULTATIONS):
            owner, consultation = self.world.new_consultation(CATEGORY, REGION, key=f"{suffix}-{i}")
            self.people.append((owner, consultation.id))
        # the model: what should be true, kept independently of the implementation
        self.active: dict[str, tuple[str, datetime]] = {}         # consultation -> (attorney, start)
        self.holds: dict[str, tuple[str, datetime, datetime]] = {}  # consultation -> (attorney, start, until)
        self.declined: dict[str, set[str]] = {cid: set() for _, cid in self.people}

    @property
    def now(self) -> datetime:
        return self.world.clock[0]

    def free_for(self, cid: str, start: datetime) -> set[str]:
        """Who could take ``cid`` at ``start``, by the model."""
        own = self.active.get(cid)
        counts = Counter(a for c, (a, _) in self.active.items() if c != cid)
        free = set()
        for attorney_id, availability in self.availability.items():
            if attorney_id in self.declined[cid] or counts[attorney_id] >= CAP:
                continue
            if not availability.is_available(start, start + timedelta(minutes=30)):
                continue
            if any(a == attorney_id and s == start for c, (a, s) in self.active.items() if c != cid):
                continue
            if own is not None and own == (attorney_id, start):
                continue
            if any(a == attorney_id and s == start and until > self.now
                   for c, (a, s, until) in self.holds.items() if c != cid):
                continue
            free.add(attorney_id)
        return free

    # --- steps ----------------------------------------------------------------------------------

    @rule(who=st.integers(0, CONSULTATIONS - 1), slot=st.integers(0, len(STARTS) - 1))
    def book(self, who: int, slot: int) -> None:
        owner, cid = self.people[who]
        start = STARTS[slot]
        if self.active.get(cid, (None, None))[1] == start:
            view = self.world.service.book(owner, cid, start)
            assert view.replayed and view.booking.attorney_id == self.active[cid][0]
            return
        free = self.free_for(cid, start)
        hold = self.holds.get(cid)
        try:
            view = self.world.service.book(owner, cid, start)
        except SlotTakenError:
            assert not free, f"refused although {free} could take it"
            return
        chosen = view.booking.attorney_id
        assert chosen in free, (chosen, free)
        if hold is not None and hold[1] == start and hold[2] > self.now and hold[0] in free:
            assert chosen == hold[0], "a live hold of one's own is converted"
        self.active[cid] = (chosen, start)
        self.holds.pop(cid, None)

    @rule(who=st.integers(0, CONSULTATIONS - 1), slot=st.integers(0, len(STARTS) - 2))
    def reschedule(self, who: int, slot: int) -> None:
        # draws never depend on the state (which depends on the implementation's fair choices)
        owner, cid = self.people[who]
        current = self.active.get(cid)
        if current is None:
            return
        start = [s for s in STARTS if s != current[1]][slot]
        free = self.free_for(cid, start)
        try:
            view = self.world.service.book(owner, cid, start)
        except SlotTakenError:
            assert not free, f"refused although {free} could take it"
            assert self.world.bookings.state_of(cid).active.start == current[1]  # untouched
            return
        assert view.booking.attorney_id in free
        hold = self.holds.get(cid)
        if hold is not None and hold[1] == start and hold[2] > self.now and hold[0] in free:
            assert view.booking.attorney_id == hold[0], "a live hold of one's own is converted"
        elif current[0] in free:
            assert view.booking.attorney_id == current[0], "the same attorney is kept when free"
        self.active[cid] = (view.booking.attorney_id, start)
        self.holds.pop(cid, None)

    @rule(who=st.integers(0, CONSULTATIONS - 1))
    def cancel(self, who: int) -> None:
        owner, cid = self.people[who]
        if cid not in self.active:
            with pytest.raises(NoBookingError):
                self.world.service.cancel(owner, cid)
            return
        self.world.service.cancel(owner, cid)
        del self.active[cid]

    @rule(who=st.integers(0, CONSULTATIONS - 1), other=st.integers(0, 2))
    def decline(self, who: int, other: int) -> None:
        _, cid = self.people[who]
        booked = self.active.get(cid)
        attorney_id = booked[0] if booked else sorted(self.availability)[other]
        principal = Principal(subject=f"kakao:{attorney_id}", role=Role.ATTORNEY, provider=Provider.KAKAO,
                              session_id="s", attorney_id=attorney_id)
        if booked is None:
            with pytest.raises(ConsultationNotFoundError):
                self.world.service.decline(principal, cid, "사정이 생겼습니다")
            return
        self.world.service.decline(principal, cid, "사정이 생겼습니다")
        del self.active[cid]
        self.declined[cid].add(attorney_id)

    @rule(who=st.integers(0, CONSULTATIONS - 1), slot=st.integers(0, len(STARTS) - 1))
    def hold(self, who: int, slot: int) -> None:
        owner, cid = self.people[who]
        start = STARTS[slot]
        if cid in self.active:  # holds are for unbooked reservation requests only
            with pytest.raises(NotHoldableError):
                self.world.service.hold(owner, cid, start)
            return
        free = self.free_for(cid, start)
        try:
            held = self.world.service.hold(owner, cid, start)
        except SlotTakenError:
            assert not free, f"hold refused although {free} could take it"
            return
        assert held.attorney_id in free
        self.holds[cid] = (held.attorney_id, start, held.until)

    @rule(minutes=st.sampled_from([1, 3, 6]))
    def time_passes(self, minutes: int) -> None:
        self.world.clock[0] = self.now + timedelta(minutes=minutes)

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def bookings_claims_statuses_and_loads_agree(self) -> None:
        mine = set(self.availability)
        states = {cid: self.world.bookings.state_of(cid) for _, cid in self.people}
        active = {cid: s.active for cid, s in states.items() if s.active is not None}
        # the model and the store agree on who is booked where
        assert {cid: (b.attorney_id, b.start) for cid, b in active.items()} == self.active
        # no attorney twice at one time
        pairs = [(b.attorney_id, b.start) for b in active.values()]
        assert len(pairs) == len(set(pairs))
        # the booked claims are exactly the active bookings
        claims = [c for c in self.world.bookings.claims_between(DAY_FIRST, DAY_LAST) if c.attorney_id in mine]
        booked = sorted((c.attorney_id, c.start, c.consultation_id) for c in claims if c.kind.value == "booked")
        assert booked == sorted((b.attorney_id, b.start, b.consultation_id) for b in active.values())
        # one active booking per consultation, and the consultation says so
        for _, cid in self.people:
            consultation = self.world.consultations.get(cid)
            if cid in active:
                assert consultation.status is Status.BOOKED and consultation.attorney_id == active[cid].attorney_id
                assert active[cid].attorney_id not in states[cid].declined_by
            else:
                assert consultation.status is Status.SUBMITTED and consultation.attorney_id is None
        # loads equal active bookings, never above the cap
        per_attorney = Counter(b.attorney_id for b in active.values())
        loads = self.world.loads.get_many(sorted(mine), 2026)
        for attorney_id in mine:
            assert loads[attorney_id].assignments_this_year == per_attorney[attorney_id], attorney_id
            assert loads[attorney_id].assignments_this_year <= CAP

    def teardown(self) -> None:
        self.world.retire_attorneys()


def _run(make: Any, examples: int, steps: int) -> None:
    _factory["make"] = make
    run_state_machine_as_test(ReservationMachine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


def test_invariants_hold_on_the_in_memory_repository() -> None:
    _run(lambda: BACKENDS["memory"](POLICY, NOW), examples=60, steps=30)


@pytest.mark.emulator
def test_invariants_hold_on_dynamodb(container) -> None:
    _run(lambda: BACKENDS["dynamo"](container, POLICY, NOW), examples=scaled(4, 8), steps=15)

"""Reservation rules without any server: claims, holds, the candidate pool, notice, plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.availability import Availability, Leave
from chalicelib.domain.bookings import (
    Booking,
    BookingPlan,
    BookingState,
    BookingStatus,
    ClaimKind,
    Hold,
    HoldPlan,
    SlotClaim,
    Snapshot,
    TooLateToCancelError,
    TooLateToRescheduleError,
    candidate_regions,
    change_deadline,
    check_resident_may_change,
    how_it_happens,
    leave_credits,
    reservation_pool,
    usable,
)
from chalicelib.domain.calendar import DEFAULT_WINDOWS, ServiceCalendar
from chalicelib.domain.categories import Method
from chalicelib.domain.consultations import Consultation, Language, Status
from chalicelib.domain.matching import AssignmentMode, AttorneyLoad, ConsultationFacts
from chalicelib.domain.regions import rings
from chalicelib.domain.slots import SlotRules, free_attorneys, open_slots

KST = ZoneInfo("Asia/Seoul")
CAL = ServiceCalendar(DEFAULT_WINDOWS)
RULES = SlotRules()
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=KST)
START = datetime(2026, 12, 2, 10, 0, tzinfo=KST)
FACTS = ConsultationFacts("c-1", "dismissal", "suwon", AssignmentMode.RESERVATION)
FULL = Availability.full(CAL)


def attorney(aid: str, region: str = "suwon", category: str = "dismissal", **kw: object) -> Attorney:
    return Attorney(id=aid, display_name=aid, categories=frozenset({category}), regions=frozenset({region}),
                    **kw)  # type: ignore[arg-type]


def booking(start: datetime = START, attorney_id: str = "a") -> Booking:
    return Booking(id="b-1", consultation_id="c-1", attorney_id=attorney_id, start=start,
                   end=start + timedelta(minutes=30), method=Method.PHONE, booked_at=NOW, load_year=2026)


def snapshot(*attorneys: Attorney, availability: dict[str, Availability | None] | None = None,
             loads: dict[str, int] | None = None) -> Snapshot:
    availability = availability or {}
    return Snapshot(attorneys={a.id: a for a in attorneys},
                    availabilities={a.id: availability.get(a.id, FULL) for a in attorneys},
                    loads={a.id: AttorneyLoad(a.id, 2026, (loads or {}).get(a.id, 0)) for a in attorneys})


# --- claims and holds --------------------------------------------------------------------------

def test_a_booking_blocks_everyone_and_a_hold_blocks_others_until_it_runs_out() -> None:
    booked = SlotClaim("a", START, "c-1", ClaimKind.BOOKED)
    assert booked.blocks("c-1", NOW) and booked.blocks("c-2", NOW)
    held = SlotClaim("a", START, "c-1", ClaimKind.HOLD, hold_until=NOW + timedelta(minutes=5))
    assert not held.blocks("c-1", NOW)  # its own consultation may convert it
    assert held.blocks("c-2", NOW)
    assert held.blocks("c-2", NOW + timedelta(minutes=4, seconds=59))
    assert not held.blocks("c-2", NOW + timedelta(minutes=5))  # ran out, deleted or not
    with pytest.raises(ValueError):
        SlotClaim("a", START, "c-1", ClaimKind.HOLD)
    with pytest.raises(ValueError):
        SlotClaim("a", START.replace(tzinfo=None), "c-1", ClaimKind.BOOKED)


def test_claims_and_bookings_keep_instants_in_utc() -> None:
    claim = SlotClaim("a", START, "c-1", "booked")  # type: ignore[arg-type]
    assert claim.start == datetime(2026, 12, 2, 1, 0, tzinfo=UTC) and claim.kind is ClaimKind.BOOKED
    assert booking().claim() == claim


def test_the_state_knows_who_declined_and_whether_the_hold_is_live() -> None:
    declined = booking(attorney_id="x").ended(BookingStatus.DECLINED, NOW, "attorney", b"sealed")
    moved = booking(attorney_id="y").ended(BookingStatus.RESCHEDULED, NOW, "resident")
    hold = Hold("c-1", "a", START, START + timedelta(minutes=30), NOW + timedelta(minutes=5))
    state = BookingState(active=None, hold=hold, history=(declined, moved))
    assert state.declined_by == frozenset({"x"})
    assert state.live_hold(NOW) == hold and state.live_hold(NOW + timedelta(minutes=5)) is None
    with pytest.raises(ValueError):
        booking().ended(BookingStatus.ACTIVE, NOW, "resident")


# --- the pool --------------------------------------------------------------------------------------

def test_the_pool_leaves_out_who_cannot_take_it_and_marks_who_is_at_cap() -> None:
    snap = snapshot(attorney("ok"), attorney("inactive", active=False), attorney("other", category="wage_arrears"),
                    attorney("declined"), attorney("none"), attorney("capped"),
                    availability={"none": None}, loads={"capped": 40})
    attorneys, schedules = reservation_pool(FACTS, snap, [], NOW, programme_cap=40, excluded={"declined"},
                                            tz="Asia/Seoul")
    assert [a.id for a in attorneys] == ["capped", "ok"]
    assert {s.attorney_id: s.at_cap for s in schedules} == {"capped": True, "ok": False}
    assert free_attorneys(CAL, RULES, schedules, NOW, START) == frozenset({"ok"})


def test_the_pool_counts_claims_that_block_this_consultation_only() -> None:
    snap = snapshot(attorney("a"), attorney("b"), attorney("c"))
    claims = [SlotClaim("a", START, "c-2", ClaimKind.BOOKED),
              SlotClaim("b", START, "c-1", ClaimKind.HOLD, NOW + timedelta(minutes=5)),   # own hold
              SlotClaim("c", START, "c-2", ClaimKind.HOLD, NOW - timedelta(seconds=1))]   # ran out
    _, schedules = reservation_pool(FACTS, snap, claims, NOW, programme_cap=40, tz="Asia/Seoul")
    assert free_attorneys(CAL, RULES, schedules, NOW, START) == frozenset({"b", "c"})
    slots = open_slots(CAL, RULES, schedules, NOW, START.date(), START.date())
    assert slots[0].start == START and slots[0].attorney_ids == frozenset({"b", "c"})


def test_usable_decides_the_widening_without_looking_at_dates() -> None:
    a = attorney("a")
    assert usable(a, FACTS, FULL, None, NOW, programme_cap=40, tz="Asia/Seoul")
    assert not usable(a, FACTS, FULL, AttorneyLoad("a", 2026, 40), NOW, programme_cap=40, tz="Asia/Seoul")
    assert not usable(a, FACTS, None, None, NOW, programme_cap=40, tz="Asia/Seoul")
    assert not usable(a, FACTS, Availability(), None, NOW, programme_cap=40, tz="Asia/Seoul")  # empty week
    assert not usable(a, FACTS, FULL, None, NOW, programme_cap=40, excluded={"a"}, tz="Asia/Seoul")
    assert not usable(attorney("a", active=False), FACTS, FULL, None, NOW, programme_cap=40, tz="Asia/Seoul")
    # a load of last year does not count against this year's cap
    assert usable(a, FACTS, FULL, AttorneyLoad("a", 2025, 40), NOW, programme_cap=40, tz="Asia/Seoul")


def test_candidate_regions_search_the_first_rings_together() -> None:
    r0, r1, r2 = rings("suwon")
    assert candidate_regions("suwon", 0) == [r0, r1, r2]
    assert candidate_regions("suwon", 1) == [r0 | r1, r2]
    assert candidate_regions("suwon", 2) == [r0 | r1 | r2]


def test_the_night_after_a_day_away_credits_who_was_away_and_only_once() -> None:
    away = FULL.replace_exceptions(leaves=[Leave(date(2025, 12, 30), date(2026, 1, 3))],
                                   closed_days=[date(2026, 11, 30)])
    roster = [attorney("a"), attorney("b"), attorney("c"), attorney("gone", active=False)]
    loads = {"a": AttorneyLoad("a", 2026, 3), "b": AttorneyLoad("b", 2026, 9), "c": AttorneyLoad("c", 2026, 9),
             "gone": AttorneyLoad("gone", 2026, 0)}
    availabilities = {"a": away, "b": FULL, "c": None, "gone": away}
    # a was away on 30 November: brought level with b (c has no availability, still a peer; gone is not)
    assert leave_credits(roster, loads, availabilities, date(2026, 11, 30)) == {"a": pytest.approx(6.0)}
    assert leave_credits(roster, loads, availabilities, date(2026, 12, 1)) == {"a": pytest.approx(6.0)}  # caught up
    credited = {**loads, "a": AttorneyLoad("a", 2026, 3, leave_credit=6.0,
                                           leave_credited_through=date(2026, 11, 30))}
    assert leave_credits(roster, credited, availabilities, date(2026, 11, 30)) == {}  # that night again
    assert leave_credits(roster, credited, availabilities, date(2026, 12, 1)) == {}  # present on 1 December
    # the first days of January of a leave that began in December count for the new year
    assert set(leave_credits(roster, {}, availabilities, date(2026, 1, 2))) == {"a"}
    assert leave_credits(roster, {}, {"a": FULL}, date(2026, 1, 2)) == {}


# --- notice, plans, wording ---------------------------------------------------------------------

def test_the_resident_may_change_a_booking_until_the_notice() -> None:
    b = booking(start=datetime(2026, 12, 2, 14, 0, tzinfo=KST))
    assert change_deadline(b, 120) == datetime(2026, 12, 2, 12, 0, tzinfo=KST)
    check_resident_may_change(b, datetime(2026, 12, 2, 12, 0, tzinfo=KST), 120, rescheduling=False)
    with pytest.raises(TooLateToCancelError) as late:
        check_resident_may_change(b, datetime(2026, 12, 2, 12, 0, 1, tzinfo=KST), 120, rescheduling=False)
    assert late.value.deadline == datetime(2026, 12, 2, 12, 0, tzinfo=KST) and late.value.notice_minutes == 120
    with pytest.raises(TooLateToRescheduleError) as moved:
        check_resident_may_change(b, datetime(2026, 12, 2, 13, 0, tzinfo=KST), 120, rescheduling=True)
    assert moved.value.notice_minutes == 120


def test_plans_know_what_to_count_and_what_to_release() -> None:
    consultation = Consultation(id="c-1", owner="kakao:1", status=Status.SUBMITTED, category="dismissal",
                                region="suwon", mode="reservation", method=Method.PHONE,  # type: ignore[arg-type]
                                language=Language.KO, created_at=NOW, updated_at=NOW, month="2026-12",
                                consent_version="x")
    new = booking(attorney_id="a")
    hold_here = Hold("c-1", "a", START, START + timedelta(minutes=30), NOW + timedelta(minutes=5))
    hold_elsewhere = Hold("c-1", "b", START, START + timedelta(minutes=30), NOW + timedelta(minutes=5))
    plan = BookingPlan(new, consultation, Status.SUBMITTED, 40, NOW, hold=hold_here)
    assert plan.counts_load and not plan.releases_hold_claim  # the hold becomes the booking
    assert BookingPlan(new, consultation, Status.SUBMITTED, 40, NOW, hold=hold_elsewhere).releases_hold_claim
    expired = Hold("c-1", "b", START, START + timedelta(minutes=30), NOW)
    assert not BookingPlan(new, consultation, Status.SUBMITTED, 40, NOW, hold=expired).releases_hold_claim
    same = BookingPlan(new, consultation, Status.BOOKED, 40, NOW, previous=booking(START - timedelta(days=1)))
    assert not same.counts_load
    other = BookingPlan(new, consultation, Status.BOOKED, 40, NOW,
                        previous=booking(START - timedelta(days=1), attorney_id="z"))
    assert other.counts_load
    assert HoldPlan(hold_elsewhere, NOW, previous=hold_here).releases_previous
    assert not HoldPlan(hold_here, NOW, previous=hold_here).releases_previous


PHONE = "02-2222-3333"  # not the default policy's number


@pytest.mark.parametrize("method", list(Method))
def test_how_it_happens_is_said_per_method_and_language(method: Method) -> None:
    ko, en = how_it_happens(method, "ko", PHONE), how_it_happens(method, "en", PHONE)
    assert ko != en
    assert how_it_happens(method, "fr", PHONE) == en  # a language Maeul does not speak: English
    assert how_it_happens(method, "vi", PHONE) not in (ko, en) and PHONE in how_it_happens(method, "vi", PHONE)
    assert PHONE in ko and PHONE in en  # the number given, whatever the policy says
    assert len({how_it_happens(m, "en", PHONE) for m in Method}) == len(Method)


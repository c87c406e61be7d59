"""Reservations through the app, with the in-memory twins: availability, slot listing and its
exclusions, booking, fairness, rebooking, cancelling, declining, holds and who may do what."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.composition import Container, use_container
from chalicelib.domain.attorneys import Attorney, AttorneyContact
from chalicelib.domain.availability import Availability, Leave
from chalicelib.domain.bookings import BookingStatus
from chalicelib.domain.consultations import Status
from chalicelib.domain.identity import Principal
from chalicelib.settings import Settings
from tests.fakes import FakeAuthenticator, admin, attorney, resident
from tests.phones import code_from_notifier, e164, verify_phone
from tests.support import ApiClient, ApiResponse, assert_error
from tests.twins.memory import (
    MemoryAuditLog,
    MemoryBookingRepository,
    MemoryConsultationRepository,
    MemoryLoadStore,
    MemoryNotifier,
    MemoryRoster,
)

KST = ZoneInfo("Asia/Seoul")
TUESDAY_MORNING = datetime(2026, 12, 1, 10, 30, tzinfo=KST)
CATEGORY, REGION = "dismissal", "suwon"
DAY = ["10:00", "10:30", "11:00", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"]


def kst(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=KST)


def iso(moment: datetime) -> str:
    return moment.astimezone(KST).isoformat()


@dataclass
class World:
    api: ApiClient
    auth: FakeAuthenticator
    container: Container
    consultations: MemoryConsultationRepository
    loads: MemoryLoadStore
    roster: MemoryRoster
    bookings: MemoryBookingRepository
    notifier: MemoryNotifier
    cipher: LocalFieldCipher
    clock: list[datetime] = field(default_factory=lambda: [TUESDAY_MORNING])

    def at(self, moment: datetime) -> None:
        self.clock[0] = moment

    def h(self, who: Principal) -> dict[str, str]:
        return self.auth.headers_for(who)

    def add_attorney(self, attorney_id: str, *, regions: tuple[str, ...] = (REGION,),
                     categories: tuple[str, ...] = (CATEGORY,), availability: Availability | None = None,
                     assignments: int = 0, annual_cap: int | None = None) -> Attorney:
        a = Attorney(id=attorney_id, display_name=f"{attorney_id} 노무사", categories=frozenset(categories),
                     regions=frozenset(regions), annual_cap=annual_cap)
        self.roster.save(a, AttorneyContact(phone=f"+8210000{len(self.roster.attorneys):04d}",
                                            email=f"{attorney_id}@example.invalid"))
        if availability is not None:
            self.bookings.save_availability(attorney_id, availability, self.clock[0])
        for _ in range(assignments):
            self.loads.increment(attorney_id, self.clock[0].year, self.clock[0], cap=10_000)
        return a

    def consultation(self, who: Principal, *, category: str = CATEGORY, region: str = REGION,
                     method: str = "phone", verify: bool = True) -> str:
        body = {"category": category, "region": region, "mode": "reservation", "method": method,
                "name": "홍길동", "phone": "010-2345-6789", "consent_privacy": True,
                "description": "I was dismissed by text message without any written notice."}
        if verify and not self.container.phone_verification.is_verified(who.subject, e164(body["phone"])):
            verify_phone(self.api.post, self.h(who), body["phone"], code_from_notifier(self.notifier))
        response = self.api.post("/api/consultations", body=body,
                                 headers={**self.h(who), "Idempotency-Key": str(uuid.uuid4())})
        assert response.status == 201, response.body
        return str(response.json["id"])

    def slots(self, who: Principal, cid: str, first: str | None = None, last: str | None = None) -> ApiResponse:
        query = f"consultation_id={cid}" + (f"&from={first}" if first else "") + (f"&to={last}" if last else "")
        return self.api.get(f"/api/slots?{query}", headers=self.h(who))

    def starts(self, who: Principal, cid: str, first: str, last: str) -> dict[str, list[str]]:
        response = self.slots(who, cid, first, last)
        assert response.status == 200, response.body
        days: dict[str, list[str]] = {}
        for slot in response.json:
            start = datetime.fromisoformat(slot["start"])
            assert datetime.fromisoformat(slot["end"]) - start == timedelta(minutes=30)
            days.setdefault(start.date().isoformat(), []).append(f"{start:%H:%M}")
        return days

    def book(self, who: Principal, cid: str, start: datetime | str) -> ApiResponse:
        value = start if isinstance(start, str) else iso(start)
        return self.api.post(f"/api/consultations/{cid}/booking", body={"start": value}, headers=self.h(who))

    def cancel(self, who: Principal, cid: str) -> ApiResponse:
        return self.api.request("DELETE", f"/api/consultations/{cid}/booking", headers=self.h(who))

    def status(self, cid: str) -> str:
        c = self.consultations.get(cid)
        assert c is not None
        return c.status.value

    def load(self, attorney_id: str) -> int:
        return self.loads.get_many([attorney_id], 2026)[attorney_id].assignments_this_year


@pytest.fixture
def world() -> Iterator[World]:
    clock = [TUESDAY_MORNING]
    container = Container(Settings.from_env({"MAEUL_STAGE": "local"}), clock=lambda: clock[0])
    auth = FakeAuthenticator()
    consultations = MemoryConsultationRepository(container.settings.policy.retention_days_after_close)
    loads, roster, notifier = MemoryLoadStore(), MemoryRoster(), MemoryNotifier()
    bookings = MemoryBookingRepository(consultations, loads, roster)
    cipher = LocalFieldCipher(stage="local")
    container.__dict__.update(authenticator=auth, audit=MemoryAuditLog(), consultations=consultations,
                              cipher=cipher, attorneys=roster, loads=loads, bookings=bookings, notifier=notifier)
    use_container(container)
    yield World(ApiClient(), auth, container, consultations, loads, roster, bookings, notifier, cipher, clock)
    use_container(None)


ALICE, BOB, CAROL = resident("alice"), resident("bob"), resident("carol")
ADMIN = admin()


def mornings_mon_tue() -> Availability:
    return Availability.of({"mon": [(time(10), time(11, 30))], "tue": [(time(10), time(11, 30))]})


def full(world: World, leaves: tuple[tuple[date, date], ...] = ()) -> Availability:
    return Availability.full(world.container.calendar).replace_exceptions(
        leaves=[Leave(a, b) for a, b in leaves])


# --- availability ------------------------------------------------------------------------------

def test_an_attorney_without_a_saved_availability_sees_the_service_hours(world: World) -> None:
    world.add_attorney("att-a")
    response = world.api.get("/api/attorney/availability", headers=world.h(attorney("att-a")))
    assert response.status == 200, response.body
    assert response.headers["x-availability-default"] == "true"
    assert response.headers["cache-control"] == "no-store"
    body = response.json
    assert body["timezone"] == "Asia/Seoul"
    assert body["weekly"]["mon"] == [{"start": "10:00", "end": "11:30"}, {"start": "14:00", "end": "17:00"}]
    assert body["weekly"]["sat"] == [] and body["leaves"] == [] and body["closed_days"] == []


def test_an_attorney_replaces_their_availability_and_reads_it_back(world: World) -> None:
    world.add_attorney("att-a")
    body = {"weekly": {"mon": [{"start": "10:00", "end": "10:30"}, {"start": "10:30", "end": "11:30"}],
                       "thu": [{"start": "14:00", "end": "16:00"}]},
            "leaves": [{"from": "2026-12-21", "to": "2026-12-24"}], "closed_days": ["2026-12-31"]}
    response = world.api.request("PUT", "/api/attorney/availability", body=body,
                                 headers=world.h(attorney("att-a")))
    assert response.status == 200, response.body
    saved = response.json
    assert saved["weekly"]["mon"] == [{"start": "10:00", "end": "11:30"}]  # touching ranges merged
    assert saved["weekly"]["thu"] == [{"start": "14:00", "end": "16:00"}]
    assert saved["leaves"] == [{"from": "2026-12-21", "to": "2026-12-24"}]
    assert saved["closed_days"] == ["2026-12-31"]
    again = world.api.get("/api/attorney/availability", headers=world.h(attorney("att-a")))
    assert again.json == saved and again.headers["x-availability-default"] == "false"
    # the stored record is what slot generation uses
    stored = world.bookings.availability("att-a")
    assert stored is not None and stored.is_away(date(2026, 12, 22)) and not stored.is_away(date(2026, 12, 25))


@pytest.mark.parametrize("weekly, where", [
    ({"mon": [{"start": "09:00", "end": "10:30"}]}, "weekly.mon[0]"),
    ({"tue": [{"start": "11:00", "end": "12:00"}]}, "weekly.tue[0]"),
    ({"wed": [{"start": "11:00", "end": "14:30"}]}, "weekly.wed[0]"),  # spans the lunch break
    ({"sat": [{"start": "10:00", "end": "11:00"}]}, "weekly.sat[0]"),
])
def test_availability_outside_the_service_windows_is_refused_naming_them(world: World, weekly: dict[str, Any],
                                                                           where: str) -> None:
    world.add_attorney("att-a")
    response = world.api.request("PUT", "/api/attorney/availability", body={"weekly": weekly},
                                 headers=world.h(attorney("att-a")))
    error = assert_error(response, 422, "outside_service_windows")
    assert "10:00–11:30, 14:00–17:00" in error["message"]
    assert error["details"] == {"field": where, "allowed_windows": "10:00–11:30, 14:00–17:00"}
    assert world.bookings.availability("att-a") is None  # nothing saved


@pytest.mark.parametrize("body, status, code", [
    ({"weekly": {"mon": [{"start": "10:00", "end": "11:00"}, {"start": "10:30", "end": "11:30"}]}}, 400,
     "invalid_availability"),  # overlap
    ({"weekly": {"mon": [{"start": "11:00", "end": "10:00"}]}}, 400, "invalid_availability"),
    ({"weekly": {"mon": [{"start": "25:00", "end": "26:00"}]}}, 400, "invalid_availability"),
    ({"leaves": [{"from": "2026-12-24", "to": "2026-12-21"}]}, 400, "invalid_availability"),
    ({"closed_days": ["2026-02-30"]}, 400, "invalid_availability"),
    ({"weekly": {"mon": [{"start": "10", "end": "11"}]}}, 400, "invalid_input"),
    ({"weekly": {"monday": []}}, 400, "invalid_input"),
    ({"timezone": "UTC"}, 400, "invalid_input"),
    ({"holidays": []}, 400, "invalid_input"),
])
def test_malformed_availability_is_a_clear_400(world: World, body: dict[str, Any], status: int, code: str) -> None:
    world.add_attorney("att-a")
    response = world.api.request("PUT", "/api/attorney/availability", body=body,
                                 headers=world.h(attorney("att-a")))
    assert_error(response, status, code)


def test_availability_is_for_attorneys_and_admins_only(world: World) -> None:
    world.add_attorney("att-a")
    body = {"weekly": {"fri": [{"start": "14:00", "end": "15:00"}]}}
    assert_error(world.api.request("PUT", "/api/attorney/availability", body=body, headers=world.h(ALICE)),
                 403, "wrong_role")
    assert_error(world.api.request("PUT", "/api/admin/attorneys/att-a/availability", body=body,
                                   headers=world.h(attorney("att-a"))), 403, "wrong_role")
    assert_error(world.api.request("PUT", "/api/attorney/availability", body=body), 401)
    by_admin = world.api.request("PUT", "/api/admin/attorneys/att-a/availability", body=body,
                                 headers=world.h(ADMIN))
    assert by_admin.status == 200, by_admin.body
    assert world.api.get("/api/admin/attorneys/att-a/availability", headers=world.h(ADMIN)).json == by_admin.json
    assert world.api.get("/api/attorney/availability", headers=world.h(attorney("att-a"))).json == by_admin.json
    assert_error(world.api.request("PUT", "/api/admin/attorneys/att-nobody/availability", body=body,
                                   headers=world.h(ADMIN)), 404, "not_found")


# --- listing and its exclusions -----------------------------------------------------------------

def test_listing_excludes_holidays_weekends_past_notice_horizon_leave_and_cap(world: World) -> None:
    """Friday 2026-12-18, 10:20 in Seoul. A takes Monday and Tuesday mornings only; B takes every
    service hour but is on leave Mon 21 – Wed 23; C takes every hour but is at the annual cap."""
    world.at(kst(2026, 12, 18, 10, 20))
    world.add_attorney("att-a", availability=mornings_mon_tue())
    world.add_attorney("att-b", regions=("yongin",),  # a neighbour of Suwon: ring 1
                       availability=full(world, ((date(2026, 12, 21), date(2026, 12, 23)),)))
    world.add_attorney("att-c", availability=full(world), assignments=40)  # the programme cap is 40
    cid = world.consultation(ALICE)
    days = world.starts(ALICE, cid, "2026-12-18", "2027-01-01")
    assert days == {
        # today: 10:00 has begun, 10:30 and 11:00 are inside the hour of notice
        "2026-12-18": DAY[3:],
        # 19-20: weekend. 21-22: only A's mornings (B on leave, C at cap). 23: nobody (A not on
        # Wednesdays, B on leave, C at cap). 25: Christmas. 1 January: New Year's Day.
        "2026-12-21": DAY[:3], "2026-12-22": DAY[:3],
        "2026-12-24": DAY, "2026-12-28": DAY, "2026-12-29": DAY, "2026-12-30": DAY, "2026-12-31": DAY,
    }
    # beyond the horizon (14 days: through 1 January) the range itself is refused
    error = assert_error(world.slots(ALICE, cid, "2026-12-18", "2027-01-02"), 400, "invalid_range")
    assert "2027-01-01" in error["message"]
    # and booking refuses exactly what listing left out, for the reason listing knew
    for start, status, code in [
        (kst(2026, 12, 18, 10, 0), 422, "invalid_slot"),   # past
        (kst(2026, 12, 18, 11, 0), 422, "invalid_slot"),   # inside the minimum notice
        (kst(2026, 12, 19, 10, 0), 422, "invalid_slot"),   # weekend
        (kst(2026, 12, 25, 14, 0), 422, "invalid_slot"),   # Christmas
        (kst(2027, 1, 4, 10, 0), 422, "invalid_slot"),     # beyond the horizon
        (kst(2026, 12, 21, 14, 0), 409, "slot_taken"),     # B on leave, C at cap, A mornings only
        (kst(2026, 12, 23, 10, 0), 409, "slot_taken"),
    ]:
        assert_error(world.book(ALICE, cid, start), status, code)
    assert world.status(cid) == "submitted" and world.load("att-c") == 40


def test_listing_defaults_to_today_through_the_horizon_and_never_lists_a_booked_attorney_twice(
        world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    first, second = world.consultation(ALICE), world.consultation(BOB)
    days = world.starts(ALICE, first, None, None)  # type: ignore[arg-type]
    assert min(days) == "2026-12-01" and max(days) == "2026-12-15"
    assert days["2026-12-01"] == DAY[3:]  # 10:30 now: 10:30 has begun, 11:00 is inside the notice
    assert world.book(ALICE, first, kst(2026, 12, 2, 10)).status == 201
    assert "10:00" not in world.starts(BOB, second, "2026-12-02", "2026-12-02")["2026-12-02"]
    assert_error(world.book(BOB, second, kst(2026, 12, 2, 10)), 409, "slot_taken")


@pytest.mark.parametrize("query, code", [
    ("from=2026-12-05&to=2026-12-02", "invalid_range"),
    ("from=2026-12-01&to=2026-12-31", "invalid_range"),
    ("from=2026-13-01&to=2026-12-02", "invalid_input"),
    ("from=01-12-2026", "invalid_input"),
    ("from=2026-12-01T00:00:00", "invalid_input"),
    ("to=1700000000", "invalid_input"),
    ("color=blue", "invalid_input"),
])
def test_bad_listing_ranges_are_a_clear_400(world: World, query: str, code: str) -> None:
    cid = world.consultation(ALICE)
    response = world.api.get(f"/api/slots?consultation_id={cid}&{query}", headers=world.h(ALICE))
    error = assert_error(response, 400, code)
    assert len(error["message"]) > 15


def test_only_the_owner_lists_slots_for_a_consultation(world: World) -> None:
    world.add_attorney("att-a")
    cid = world.consultation(ALICE)
    assert_error(world.slots(BOB, cid), 404, "not_found")
    assert_error(world.slots(ADMIN, cid), 404, "not_found")
    assert_error(world.slots(attorney("att-a"), cid), 404, "not_found")
    assert_error(world.slots(ALICE, str(uuid.uuid4())), 404, "not_found")
    assert_error(world.slots(ALICE, "not-an-id"), 404, "not_found")
    assert_error(world.api.get(f"/api/slots?consultation_id={cid}"), 401)


# --- booking -------------------------------------------------------------------------------------

def test_booking_takes_the_slot_moves_the_consultation_and_alerts_the_attorney(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE, method="video")
    response = world.book(ALICE, cid, "2026-12-02T10:00:00+09:00")
    assert response.status == 201, response.body
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["location"] == f"/api/consultations/{cid}/booking"
    body = response.json
    assert body["start"] == "2026-12-02T10:00:00+09:00" and body["end"] == "2026-12-02T10:30:00+09:00"
    assert body["method"] == "video" and body["status"] == "booked"
    assert body["attorney"] == {"id": "att-a", "display_name": "att-a 노무사"}
    assert "화상" in body["how"]  # the consultation's language is Korean
    assert body["cancel_until"] == "2026-12-02T08:00:00+09:00"
    assert "phone" not in str(body["attorney"]) and "+8210" not in response.body.decode()
    consultation = world.api.get(f"/api/consultations/{cid}", headers=world.h(ALICE)).json
    assert consultation["status"] == "booked" and consultation["attorney_id"] == "att-a"
    assert world.load("att-a") == 1
    # the attorney: one 알림톡 (their roster channel) and one e-mail, a time and a link, no personal
    # data; the resident: the receipt, then the booking (see test_resident_messages_api.py)
    attorney_sms = [(phone, m.text) for phone, m in world.notifier.messages
                    if m.code.startswith("MAEUL_ATT_")]
    assert len(attorney_sms) == 1 and len(world.notifier.emails) == 1
    assert [m.code for _, m in world.notifier.messages] == ["MAEUL_RECEIVED_KO", "MAEUL_ATT_BOOKING_KO",
                                                            "MAEUL_BOOKED_KO"]
    phone, text = attorney_sms[0]
    assert phone.startswith("+8210") and "12월 2일(수) 10:00" in text and text.endswith("/attorney")
    assert "홍길동" not in text and "dismiss" not in text
    assert world.notifier.emails[0][0] == "att-a"
    # the booked attorney and admins read the booking; nobody else
    for who in (ALICE, attorney("att-a"), ADMIN):
        seen = world.api.get(f"/api/consultations/{cid}/booking", headers=world.h(who))
        assert seen.status == 200 and seen.json["booking_id"] == body["booking_id"]
    for who in (BOB, attorney("att-b")):
        assert_error(world.api.get(f"/api/consultations/{cid}/booking", headers=world.h(who)), 404)


def test_the_same_start_again_returns_the_booking_instead_of_a_second_one(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    world.add_attorney("att-b", availability=full(world))
    cid = world.consultation(ALICE)
    first = world.book(ALICE, cid, kst(2026, 12, 2, 14))
    again = world.book(ALICE, cid, kst(2026, 12, 2, 14))
    assert (first.status, again.status) == (201, 200)
    assert again.json == first.json
    assert world.load("att-a") + world.load("att-b") == 1 and len(world.notifier.emails) == 1


def test_each_slot_goes_to_as_many_residents_as_attorneys_are_free_fairly(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    world.add_attorney("att-b", availability=full(world), assignments=3)  # busier this year
    start = kst(2026, 12, 3, 15)
    first, second, third = (world.consultation(p) for p in (ALICE, BOB, CAROL))
    one = world.book(ALICE, first, start)
    assert one.json["attorney"]["id"] == "att-a"  # the one furthest below their share comes first
    two = world.book(BOB, second, start)
    assert two.json["attorney"]["id"] == "att-b"  # the only one still free at 15:00
    assert_error(world.book(CAROL, third, start), 409, "slot_taken")
    assert world.status(third) == "submitted"
    assert "15:00" not in world.starts(CAROL, third, "2026-12-03", "2026-12-03")["2026-12-03"]
    reason = world.bookings.state_of(first).active.reason  # type: ignore[union-attr]
    assert reason["decided_by"] == "load" and reason["pool_size"] == 2


def test_the_neighbouring_ring_serves_only_when_the_region_has_nobody_free(world: World) -> None:
    world.add_attorney("att-near", availability=mornings_mon_tue())
    world.add_attorney("att-ring1", regions=("yongin",), availability=full(world))
    world.add_attorney("att-far", regions=("yeoncheon",), availability=full(world))  # ring 2: not searched
    cid = world.consultation(ALICE)
    assert world.book(ALICE, cid, kst(2026, 12, 7, 10)).json["attorney"]["id"] == "att-near"  # Monday
    other = world.consultation(BOB)
    assert world.book(BOB, other, kst(2026, 12, 7, 10)).json["attorney"]["id"] == "att-ring1"
    third = world.consultation(CAROL)
    assert_error(world.book(CAROL, third, kst(2026, 12, 7, 10)), 409, "slot_taken")


def test_the_farthest_ring_is_searched_when_the_nearer_ones_hold_nobody_who_could_take_it(world: World) -> None:
    world.add_attorney("att-capped", availability=full(world), assignments=40)
    world.add_attorney("att-far", regions=("yeoncheon",), availability=full(world))
    cid = world.consultation(ALICE)
    assert world.starts(ALICE, cid, "2026-12-02", "2026-12-02")["2026-12-02"] == DAY
    assert world.book(ALICE, cid, kst(2026, 12, 2, 10)).json["attorney"]["id"] == "att-far"


@pytest.mark.parametrize("start, code", [
    ("2026-12-02T10:00:00", "invalid_input"),        # no offset
    ("tomorrow at ten", "invalid_input"),
    ("2026-12-02T10:10:00+09:00", "invalid_slot"),   # not on the grid
    ("2026-12-02T11:30:00+09:00", "invalid_slot"),   # the morning window has closed
    ("2026-12-05T10:00:00+09:00", "invalid_slot"),   # Saturday
])
def test_a_start_that_is_not_a_slot_is_refused_with_the_reason(world: World, start: str, code: str) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    response = world.book(ALICE, cid, start)
    assert_error(response, 400 if code == "invalid_input" else 422, code)
    assert world.status(cid) == "submitted" and world.load("att-a") == 0


def test_the_same_instant_in_another_offset_is_the_same_slot(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    response = world.book(ALICE, cid, "2026-12-02T01:00:00Z")
    assert response.status == 201 and response.json["start"] == "2026-12-02T10:00:00+09:00"


def test_only_the_owner_books_and_only_open_consultations_can_be(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    for who in (BOB, ADMIN, attorney("att-a")):
        assert_error(world.book(who, cid, kst(2026, 12, 2, 10)), 404, "not_found")
    world.consultations.transition(cid, Status.CANCELLED, world.clock[0])
    assert_error(world.book(ALICE, cid, kst(2026, 12, 2, 10)), 409, "not_bookable")
    assert_error(world.slots(ALICE, cid), 409, "not_bookable")


def test_a_failing_notifier_never_undoes_a_booking(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    world.notifier.fail = True
    response = world.book(ALICE, cid, kst(2026, 12, 2, 10))
    assert response.status == 201, response.body
    assert world.status(cid) == "booked" and world.load("att-a") == 1


# --- rebooking, cancelling, declining -----------------------------------------------------------

def test_rebooking_moves_the_booking_in_one_step(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    world.add_attorney("att-b", availability=mornings_mon_tue())
    cid, other = world.consultation(ALICE), world.consultation(BOB)
    first = world.book(ALICE, cid, kst(2026, 12, 3, 14)).json  # Thursday: only A
    moved = world.book(ALICE, cid, kst(2026, 12, 4, 16, 30))
    assert moved.status == 201, moved.body
    assert moved.json["attorney"]["id"] == "att-a"  # kept: the same attorney is free at the new time
    assert moved.json["booking_id"] != first["booking_id"]
    assert world.load("att-a") == 1 and world.status(cid) == "booked"
    state = world.bookings.state_of(cid)
    assert [b.status for b in state.history] == [BookingStatus.RESCHEDULED]
    # the old slot is free again
    assert world.book(BOB, other, kst(2026, 12, 3, 14)).status == 201


def test_rebooking_with_another_attorney_moves_the_load_too(world: World) -> None:
    world.add_attorney("att-a", availability=mornings_mon_tue())
    world.add_attorney("att-b", availability=full(world), assignments=1)
    cid = world.consultation(ALICE)
    assert world.book(ALICE, cid, kst(2026, 12, 7, 10)).json["attorney"]["id"] == "att-a"  # the lower load
    assert (world.load("att-a"), world.load("att-b")) == (1, 1)
    moved = world.book(ALICE, cid, kst(2026, 12, 10, 14)).json  # Thursday afternoon: only B
    assert moved["attorney"]["id"] == "att-b"
    assert (world.load("att-a"), world.load("att-b")) == (0, 2)
    phone_a, phone_b = (world.roster.contact(a).phone for a in ("att-a", "att-b"))  # type: ignore[union-attr]
    sent = [(phone, m.code) for phone, m in world.notifier.messages if m.code.startswith("MAEUL_ATT_")]
    assert sent == [(phone_a, "MAEUL_ATT_BOOKING_KO"), (phone_b, "MAEUL_ATT_BOOKING_KO"),
                    (phone_a, "MAEUL_ATT_CANCELLED_KO")]  # booked A, booked B, A cancelled


def test_the_owner_cancels_and_can_book_again(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    booking = world.book(ALICE, cid, kst(2026, 12, 2, 10)).json
    response = world.cancel(ALICE, cid)
    assert response.status == 200, response.body
    assert response.json == {"consultation_id": cid, "consultation_status": "submitted",
                              "booking_id": booking["booking_id"], "booking_status": "cancelled",
                              "start": "2026-12-02T10:00:00+09:00", "end": "2026-12-02T10:30:00+09:00"}
    assert world.status(cid) == "submitted" and world.load("att-a") == 0
    assert world.consultations.get(cid).attorney_id is None  # type: ignore[union-attr]
    assert "취소" in world.notifier.sms[-1][1]
    assert_error(world.cancel(ALICE, cid), 404, "no_booking")
    assert world.book(ALICE, cid, kst(2026, 12, 2, 10)).status == 201


def test_inside_the_cancellation_notice_the_resident_is_told_to_call_and_an_admin_still_can(
        world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    world.book(ALICE, cid, kst(2026, 12, 2, 14))
    world.at(kst(2026, 12, 2, 12, 1))  # 1 h 59 min before
    error = assert_error(world.cancel(ALICE, cid), 409, "too_late_to_cancel")
    assert "031-8030-4541" in error["message"]
    assert_error(world.book(ALICE, cid, kst(2026, 12, 3, 14)), 409, "too_late_to_reschedule")
    assert world.status(cid) == "booked"
    assert_error(world.cancel(BOB, cid), 404)
    assert_error(world.cancel(attorney("att-a"), cid), 404)
    sms_before = len(world.notifier.sms)
    assert world.cancel(ADMIN, cid).status == 200
    assert world.status(cid) == "submitted" and world.load("att-a") == 0
    texts = [text for _, text in world.notifier.sms[sms_before:]]
    assert any(f"/consultations/{cid}" in t for t in texts)  # the resident is told too
    assert all("홍길동" not in t for t in texts)


def test_an_attorney_declines_with_a_reason_and_is_not_offered_it_again(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    world.add_attorney("att-b", availability=mornings_mon_tue())
    cid = world.consultation(ALICE)
    assert world.book(ALICE, cid, kst(2026, 12, 3, 14)).json["attorney"]["id"] == "att-a"
    path = f"/api/attorney/bookings/{cid}/decline"
    reason = {"reason": "이해충돌: 같은 사업장 사건을 맡고 있습니다"}
    assert_error(world.api.post(path, body=reason, headers=world.h(attorney("att-b"))), 404)
    assert_error(world.api.post(path, body=reason, headers=world.h(ALICE)), 403)
    assert_error(world.api.post(path, body={"reason": ""}, headers=world.h(attorney("att-a"))), 400)
    response = world.api.post(path, body=reason, headers=world.h(attorney("att-a")))
    assert response.status == 200, response.body
    assert response.json["booking_status"] == "declined" and response.json["consultation_status"] == "submitted"
    assert world.status(cid) == "submitted" and world.load("att-a") == 0
    declined = world.bookings.state_of(cid).history[-1]
    assert declined.status is BookingStatus.DECLINED and declined.sealed_note is not None
    assert "이해충돌".encode() not in declined.sealed_note  # stored sealed
    assert world.cipher.open("booking_note", f"{cid}#{declined.id}", declined.sealed_note) == reason
    assert any(f"/consultations/{cid}" in text for _, text in world.notifier.sms)  # the resident is told
    # att-a is never offered this consultation again: Thursday afternoons are gone for it
    assert "2026-12-03" not in world.starts(ALICE, cid, "2026-12-03", "2026-12-03")
    assert_error(world.book(ALICE, cid, kst(2026, 12, 3, 14)), 409, "slot_taken")
    assert world.book(ALICE, cid, kst(2026, 12, 7, 10)).json["attorney"]["id"] == "att-b"


# --- holds ----------------------------------------------------------------------------------------

def test_a_hold_keeps_the_slot_for_its_consultation_until_it_runs_out(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid, other = world.consultation(ALICE), world.consultation(BOB)
    start = kst(2026, 12, 2, 10)
    held = world.api.post("/api/slots/hold", body={"consultation_id": cid, "start": iso(start)},
                          headers=world.h(ALICE))
    assert held.status == 201, held.body
    assert held.json["held_until"] == "2026-12-01T10:35:00+09:00"  # 5 minutes
    assert "10:00" not in world.starts(BOB, other, "2026-12-02", "2026-12-02")["2026-12-02"]
    assert "10:00" in world.starts(ALICE, cid, "2026-12-02", "2026-12-02")["2026-12-02"]
    assert_error(world.book(BOB, other, start), 409, "slot_taken")
    assert_error(world.api.post("/api/slots/hold", body={"consultation_id": other, "start": iso(start)},
                                headers=world.h(BOB)), 409, "slot_taken")
    assert_error(world.api.post("/api/slots/hold", body={"consultation_id": cid, "start": iso(start)},
                                headers=world.h(BOB)), 404)
    world.at(TUESDAY_MORNING + timedelta(minutes=5))  # ran out: free for everyone, whatever the database holds
    assert "10:00" in world.starts(BOB, other, "2026-12-02", "2026-12-02")["2026-12-02"]
    assert world.book(BOB, other, start).status == 201


def test_booking_converts_the_consultations_own_hold_and_a_new_hold_releases_the_old_one(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid, other = world.consultation(ALICE), world.consultation(BOB)
    first, second = kst(2026, 12, 2, 10), kst(2026, 12, 2, 10, 30)
    for start in (first, second):
        response = world.api.post("/api/slots/hold", body={"consultation_id": cid, "start": iso(start)},
                                  headers=world.h(ALICE))
        assert response.status == 201, response.body
    assert "10:00" in world.starts(BOB, other, "2026-12-02", "2026-12-02")["2026-12-02"]  # released
    booked = world.book(ALICE, cid, second)
    assert booked.status == 201 and booked.json["attorney"]["id"] == "att-a"
    assert world.bookings.state_of(cid).active.reason["decided_by"] == "held_slot"  # type: ignore[union-attr]
    assert world.bookings.state_of(cid).hold is None
    assert world.book(BOB, other, first).status == 201


def test_an_attorney_at_the_cap_keeps_a_booking_that_moves(world: World) -> None:
    world.add_attorney("att-a", availability=full(world), assignments=39)  # one left of 40
    cid = world.consultation(ALICE)
    assert world.book(ALICE, cid, kst(2026, 12, 2, 10)).json["attorney"]["id"] == "att-a"
    assert world.load("att-a") == 40
    # at the cap now, but moving the booking does not add a case: listing and booking agree
    assert "14:00" in world.starts(ALICE, cid, "2026-12-02", "2026-12-02")["2026-12-02"]
    moved = world.book(ALICE, cid, kst(2026, 12, 2, 14))
    assert moved.status == 201 and moved.json["attorney"]["id"] == "att-a"
    assert world.load("att-a") == 40
    assert_error(world.book(BOB, world.consultation(BOB), kst(2026, 12, 2, 15)), 409, "slot_taken")


def test_a_booking_is_released_before_another_path_closes_the_consultation(world: World) -> None:
    world.add_attorney("att-a", availability=full(world))
    cid = world.consultation(ALICE)
    world.book(ALICE, cid, kst(2026, 12, 2, 10))
    world.at(kst(2026, 12, 2, 9, 30))  # inside the notice: a withdrawal or a deleted account still frees it
    released = world.container.reservations.release(cid)
    assert released is not None and released.ended_by == "system"
    assert world.status(cid) == "submitted" and world.load("att-a") == 0
    assert world.container.reservations.release(cid) is None
    world.consultations.transition(cid, Status.CANCELLED, world.clock[0])  # the caller closes it
    assert world.bookings.claims_between(kst(2026, 12, 2), kst(2026, 12, 3)) == []

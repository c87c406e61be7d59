"""The real-time services over the twins (no emulator): ``RealtimeQueue`` offers a request to one on-duty
attorney after another, ``DutyService`` puts attorneys on duty, releases them and deactivates them, and a
deactivation hands the attorney's open offer to the next one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.calendar import ServiceCalendar, ServiceWindow
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Consultation, IdempotencyClaim, Language, Status
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.domain.offers import MoveOnReason, NotOnRosterError, Offer, OfferStatus, OfferUnavailableError
from chalicelib.services.duty import DutyService
from chalicelib.services.realtime_queue import RealtimeQueue
from chalicelib.settings import Policy
from tests.twins.memory import MemoryConsultationRepository, MemoryLoadStore, MemoryNotifier, MemoryRoster
from tests.twins.memory_realtime import MemoryRealtimeStore

KST = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 12, 1, 10, 0, 30, tzinfo=KST)  # Tuesday, inside the morning window
CATEGORY, REGION = "wage_arrears", "suwon"
RESIDENT_PHONE = "+821023456789"
POLICY = Policy()


class Residents:
    def resident(self, consultation_id: str) -> tuple[str, str] | None:
        return RESIDENT_PHONE, "ko"


@dataclass
class World:
    clock: list[datetime]
    consultations: MemoryConsultationRepository
    store: MemoryRealtimeStore
    roster: MemoryRoster
    loads: MemoryLoadStore
    notifier: MemoryNotifier
    queue: RealtimeQueue
    duty: DutyService

    def on_duty(self, *attorney_ids: str) -> None:
        for attorney_id in attorney_ids:
            self.roster.save(Attorney(id=attorney_id, display_name=f"{attorney_id} 노무사",
                                      categories=frozenset({CATEGORY}), regions=frozenset({REGION})))
            self.duty.set_duty(attorney(attorney_id), True)

    def request(self) -> Consultation:
        owner = f"kakao:{uuid.uuid4().hex[:8]}"
        consultation = Consultation(id=str(uuid.uuid4()), owner=owner, status=Status.SUBMITTED, category=CATEGORY,
                                    region=REGION, mode=Mode.REALTIME, method=Method.CHAT, language=Language.KO,
                                    created_at=self.clock[0], updated_at=self.clock[0], month="2026-12",
                                    consent_version="test")
        self.consultations.create(consultation, IdempotencyClaim(owner, uuid.uuid4().hex, "f",
                                                                 self.clock[0] + timedelta(hours=1)), 3)
        assert self.queue.enqueue(consultation, self.clock[0])
        return consultation

    def current_offer(self, consultation_id: str) -> Offer:
        request = self.store.request(consultation_id)
        assert request is not None and request.current_offer is not None
        offer = self.store.offer(request.current_offer)
        assert offer is not None
        return offer


def attorney(attorney_id: str) -> Principal:
    return Principal(subject=f"kakao:{attorney_id}", role=Role.ATTORNEY, provider=Provider.KAKAO, session_id="s",
                     attorney_id=attorney_id)


def owner_of(consultation: Consultation) -> Principal:
    return Principal(subject=consultation.owner, role=Role.RESIDENT, provider=Provider.KAKAO, session_id="s")


@pytest.fixture
def world() -> World:
    clock = [T0]
    consultations, loads, roster = MemoryConsultationRepository(365), MemoryLoadStore(), MemoryRoster()
    store, notifier = MemoryRealtimeStore(consultations, loads, roster), MemoryNotifier()
    calendar = ServiceCalendar([ServiceWindow(w.start, w.end) for w in POLICY.service_windows], tz=POLICY.timezone)
    queue = RealtimeQueue(store=store, consultations=consultations, loads=loads, attorneys=roster,
                          notifier=notifier, recipients=Residents(), calendar=calendar, policy=POLICY,
                          clock=lambda: clock[0], public_base_url="https://maeul.test/")
    duty = DutyService(store=store, attorneys=roster, queue=queue, clock=lambda: clock[0])
    return World(clock, consultations, store, roster, loads, notifier, queue, duty)


def test_a_request_goes_from_attorney_to_attorney_until_one_accepts(world: World) -> None:
    world.on_duty("att-a", "att-b", "att-c")
    consultation = world.request()
    first = world.current_offer(consultation.id)
    assert [v.offer.id for v in world.queue.pending_offers(attorney(first.attorney_id))] == [first.id]
    assert [to for to, _, _ in world.notifier.emails] == [first.attorney_id]  # alerted, nothing personal

    world.queue.decline(attorney(first.attorney_id), first.id)
    second = world.current_offer(consultation.id)
    assert second.attorney_id != first.attorney_id and second.attempt == 2

    world.clock[0] = second.deadline  # no answer: the offers job hands it on
    assert world.queue.run_offers(world.clock[0]) == {"expired": 1, "offered": 0, "moved_on": 0}
    third = world.current_offer(consultation.id)
    assert third.attorney_id not in (first.attorney_id, second.attorney_id)
    with pytest.raises(OfferUnavailableError):
        world.queue.accept(attorney(second.attorney_id), second.id)

    world.queue.accept(attorney(third.attorney_id), third.id)
    matched = world.consultations.get(consultation.id)
    assert matched is not None and matched.status is Status.MATCHED and matched.attorney_id == third.attorney_id
    assert world.loads.get_many([third.attorney_id], 2026)[third.attorney_id].assignments_this_year == 1
    assert not world.queue.queue_status(owner_of(consultation), consultation.id).queued
    assert world.store.busy([third.attorney_id], world.clock[0]) == {third.attorney_id}
    world.duty.release(third.attorney_id, consultation.id)
    assert world.store.busy([third.attorney_id], world.clock[0]) == set()


def test_when_everyone_on_duty_said_no_the_request_moves_on_and_the_resident_is_told(world: World) -> None:
    world.on_duty("att-a")
    consultation = world.request()
    offer = world.current_offer(consultation.id)
    world.queue.decline(attorney("att-a"), offer.id)

    request = world.store.request(consultation.id)
    assert request is not None and request.failed and request.move_on_reason is MoveOnReason.NO_CANDIDATE
    status = world.queue.queue_status(owner_of(consultation), consultation.id)
    assert status.realtime_failed and not status.queued
    assert [to for to, _ in world.notifier.sms] == [RESIDENT_PHONE]
    assert f"https://maeul.test/consultations/{consultation.id}" in world.notifier.sms[0][1]
    assert world.consultations.get(consultation.id).status is Status.SUBMITTED  # still bookable


def test_deactivating_an_attorney_takes_them_off_duty_and_hands_their_offer_on(world: World) -> None:
    world.on_duty("att-a", "att-b")
    consultation = world.request()
    offer = world.current_offer(consultation.id)
    leaving = offer.attorney_id
    staying = "att-b" if leaving == "att-a" else "att-a"

    gone = world.duty.deactivate(leaving)
    assert not gone.active and not gone.on_duty
    assert world.roster.get(leaving) == gone and leaving not in world.store.on_duty(CATEGORY, REGION)
    assert world.store.offer(offer.id).status is OfferStatus.WITHDRAWN
    assert world.current_offer(consultation.id).attorney_id == staying
    with pytest.raises(NotOnRosterError):  # back on duty only once reactivated
        world.duty.set_duty(attorney(leaving), True)


def test_duty_is_the_signed_in_attorneys_own(world: World) -> None:
    world.on_duty("att-a")
    assert world.duty.profile_of(attorney("att-a")).id == "att-a"
    world.duty.set_duty(attorney("att-a"), False)
    assert world.store.on_duty(CATEGORY, REGION) == [] and not world.roster.get("att-a").on_duty
    resident = Principal(subject="kakao:r", role=Role.RESIDENT, provider=Provider.KAKAO, session_id="s")
    for call in (lambda: world.duty.profile_of(resident), lambda: world.duty.set_duty(resident, True),
                 lambda: world.duty.profile_of(attorney("att-unknown"))):
        with pytest.raises(NotOnRosterError):
            call()

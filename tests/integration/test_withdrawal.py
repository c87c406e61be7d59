"""Withdrawing on DynamoDB (the emulator) and on the in-memory twin: one write releases everything,
reminders included; a withdrawal racing a booking or an accept never leaves half of either behind."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.attorneys import AttorneyContact
from chalicelib.domain.bookings import BookingChangedError, NotBookableError, SlotTakenError
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import (
    Consultation,
    IdempotencyClaim,
    IllegalTransitionError,
    Language,
    NotWithdrawableError,
    Status,
)
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.domain.limits import TooManyBookingChangesError
from chalicelib.domain.offers import Offer, OfferStatus, OfferUnavailableError, RealtimeRequest
from chalicelib.services.withdrawal import WithdrawalService
from chalicelib.settings import Policy
from tests.integration.reservations_harness import Backend, backend_world

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=KST)
CATEGORY, REGION = "dismissal", "gapyeong"  # this module's own coverage partitions
POLICY = Policy(availability_default="none")
WEDNESDAY_10 = datetime(2026, 12, 2, 10, tzinfo=KST)


@pytest.fixture(params=["memory", "dynamo"])
def world(request: pytest.FixtureRequest) -> Iterator[Backend]:
    yield from backend_world(request, POLICY, NOW)


def withdrawals(world: Backend, forget=lambda cid, now: None) -> WithdrawalService:  # type: ignore[no-untyped-def]
    service = world.service
    return WithdrawalService(consultations=world.consultations, bookings=world.bookings,
                             reminder_keys=service.reminder_keys, alert_attorney=service.alert_attorney,
                             forget_realtime=forget, retention=timedelta(days=POLICY.retention_days_after_close),
                             clock=lambda: world.clock[0])


def open_count(world: Backend, owner: str) -> int:
    if world.name == "memory":
        return world.consultations.open_counts.get(owner, 0)
    from chalicelib.adapters.dynamo.consultations import OpenCountItem, _count_key

    return int(OpenCountItem.get(*_count_key(owner), consistent_read=True).open_count or 0)


def reminders_left(world: Backend, keys: tuple[tuple[str, str], ...]) -> int:
    if world.name == "memory":
        return len(set(keys) - set(world.bookings.dropped_reminders))
    from chalicelib.adapters.dynamo.reminders import ReminderItem

    return sum(1 for key in keys if ReminderItem.count(key[0], ReminderItem.sk == key[1], consistent_read=True))


def test_withdrawing_a_booking_releases_slot_load_count_and_reminders_in_one_write(world: Backend) -> None:
    attorney = f"att-w{uuid.uuid4().hex[:8]}"
    world.add_attorney(attorney, CATEGORY, (REGION,))
    owner, consultation = world.new_consultation(CATEGORY, REGION)
    view = world.service.book(owner, consultation.id, WEDNESDAY_10)
    keys = world.service.reminder_keys(view.booking)
    if world.name == "dynamo":
        assert reminders_left(world, keys) > 0  # the booking planned them
    assert world.load(attorney, 2026) == 1 and open_count(world, owner.subject) == 1

    withdrawn = withdrawals(world).withdraw(owner, consultation.id)

    assert withdrawn.status is Status.WITHDRAWN
    stored = world.consultations.get(consultation.id)
    assert stored.status is Status.WITHDRAWN and stored.closed_at == NOW
    assert stored.expires_at is not None and stored.expires_at > NOW + timedelta(days=300)
    state = world.bookings.state_of(consultation.id)
    assert state.active is None and [b.ended_by for b in state.history] == ["resident"]
    assert [c for c in world.bookings.claims_between(WEDNESDAY_10, WEDNESDAY_10)
            if c.attorney_id == attorney] == []
    assert world.load(attorney, 2026) == 0
    assert open_count(world, owner.subject) == 0
    assert reminders_left(world, keys) == 0
    with pytest.raises(NotWithdrawableError):
        withdrawals(world).withdraw(owner, consultation.id)
    assert open_count(world, owner.subject) == 0


@pytest.mark.parametrize("round_", range(4))
def test_a_withdrawal_racing_a_booking_leaves_a_whole_withdrawal(world: Backend, round_: int) -> None:
    attorney = f"att-w{uuid.uuid4().hex[:8]}"
    world.add_attorney(attorney, CATEGORY, (REGION,))
    owner, consultation = world.new_consultation(CATEGORY, REGION)
    service, leaving = world.service, withdrawals(world)
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def book() -> None:
        barrier.wait()
        try:
            outcome["book"] = service.book(owner, consultation.id, WEDNESDAY_10 + timedelta(minutes=30 * (round_ % 3)))
        except (BookingChangedError, NotBookableError, SlotTakenError, IllegalTransitionError) as exc:
            outcome["book"] = exc

    def withdraw() -> None:
        barrier.wait()
        outcome["withdraw"] = leaving.withdraw(owner, consultation.id)

    threads = [threading.Thread(target=book), threading.Thread(target=withdraw)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # the withdrawal always stands (a booking made first is withdrawn with the request) ...
    assert getattr(outcome["withdraw"], "status", None) is Status.WITHDRAWN, outcome
    stored = world.consultations.get(consultation.id)
    assert stored.status is Status.WITHDRAWN
    # ... and nothing of the booking is left half-applied, whichever came first
    assert world.bookings.state_of(consultation.id).active is None
    assert [c for c in world.bookings.claims_between(WEDNESDAY_10, WEDNESDAY_10 + timedelta(hours=2))
            if c.consultation_id == consultation.id] == []
    assert world.load(attorney, 2026) == 0
    assert open_count(world, owner.subject) == 0


def test_a_withdrawn_real_time_request_leaves_the_queue_and_its_offer_cannot_be_accepted(container) -> None:
    """On the emulator: the request is offered to an attorney; the resident withdraws; the offer is
    withdrawn (gone from the attorney's list and the expiry index) and accepting it is refused."""
    from chalicelib.services.realtime_queue import RealtimeQueue

    clock = [NOW]
    store, consultations = container.realtime_store, container.consultations
    owner = Principal(subject=f"kakao:w-{uuid.uuid4().hex[:10]}", role=Role.RESIDENT, provider=Provider.KAKAO,
                      session_id="s")
    cid = str(uuid.uuid4())
    consultation = Consultation(id=cid, owner=owner.subject, status=Status.SUBMITTED, category="other",
                                region="yeoncheon", mode=Mode.REALTIME, method=Method.CHAT, language=Language.KO,
                                created_at=NOW, updated_at=NOW, month="2026-12", consent_version="test")
    consultations.create(consultation, IdempotencyClaim(owner.subject, uuid.uuid4().hex, "f",
                                                        NOW + timedelta(hours=1)), 3)
    request = RealtimeRequest(cid, "other", "yeoncheon", NOW)
    assert store.enqueue(request, consultation.sort_key)
    attorney = f"att-w{uuid.uuid4().hex[:8]}"
    offer = Offer(id=str(uuid.uuid4()), consultation_id=cid, attorney_id=attorney, category="other",
                  region="yeoncheon", method="chat", offered_at=NOW, deadline=NOW + timedelta(minutes=3), attempt=1)
    store.create_offer(offer, request, NOW)
    assert [o.id for o in store.pending_of(attorney)] == [offer.id]

    service = WithdrawalService(consultations=consultations, bookings=container.bookings,
                                reminder_keys=lambda booking: (), alert_attorney=lambda *a: None,
                                forget_realtime=store.forget, retention=timedelta(days=365),
                                clock=lambda: clock[0])
    assert service.withdraw(owner, cid).status is Status.WITHDRAWN

    assert consultations.get(cid).status is Status.WITHDRAWN
    assert store.pending_of(attorney) == []
    assert all(o.id != offer.id for o in store.due(NOW + timedelta(hours=1)))
    assert store.offer(offer.id).status is OfferStatus.WITHDRAWN
    assert all(c != cid for c, _ in store.queue("other", limit=500))
    assert not store.request(cid).waiting
    realtime = RealtimeQueue(store=store, consultations=consultations, loads=container.loads,
                             attorneys=container.attorneys, notifier=container.notifier,
                             recipients=container.recipients, calendar=container.calendar,
                             policy=container.settings.policy, clock=lambda: clock[0],
                             public_base_url="http://127.0.0.1:8000")
    with pytest.raises(OfferUnavailableError):
        realtime.accept(Principal(subject=f"kakao:{attorney}", role=Role.ATTORNEY, provider=Provider.KAKAO,
                                  session_id="s", attorney_id=attorney), offer.id)
    assert consultations.get(cid).status is Status.WITHDRAWN
    assert container.loads.get_many([attorney], 2026)[attorney].assignments_this_year == 0


def test_the_book_and_cancel_loop_is_capped_on_dynamodb_too(world: Backend) -> None:
    """The 12-SMS-in-26-seconds loop against the repository itself: the day's change limit is a
    condition of the booking transaction, and the attorney's alerts stop at the hour's limit plus one."""
    attorney = f"att-w{uuid.uuid4().hex[:8]}"
    world.add_attorney(attorney, CATEGORY, (REGION,))
    world.roster.save(world.roster.get(attorney), AttorneyContact(phone="+821055501234", email=None), NOW)
    owner, consultation = world.new_consultation(CATEGORY, REGION)
    service = world.service
    made = refused = 0
    for i in range(12):
        world.clock[0] = NOW + timedelta(seconds=2 * i)
        slot = WEDNESDAY_10 + timedelta(minutes=30 * (i % 2))
        for change in (partial(service.book, owner, consultation.id, slot),
                       partial(service.cancel, owner, consultation.id)):
            try:
                change()
                made += 1
            except TooManyBookingChangesError:
                refused += 1
            except Exception:  # noqa: BLE001 - a cancel with nothing booked after a refused booking
                pass
    assert made == POLICY.booking_changes_per_consultation_per_day and refused >= 6
    sms = [text for to, text in world.notifier.sms if to == "+821055501234"]
    assert len(sms) == POLICY.alerts_per_recipient_per_hour + 1
    assert "일정이 여러 번 변경" in sms[-1]
    assert world.consultations.get(consultation.id).status is Status.SUBMITTED


@pytest.mark.parametrize("round_", range(3))
def test_a_withdrawal_racing_an_accept_leaves_the_request_withdrawn_and_nothing_counted(container,
                                                                                        round_: int) -> None:
    """On the emulator, in parallel: the resident withdraws while the offered attorney accepts. Whichever
    write lands first, the request ends withdrawn, no offer is left pending, and the attorney's annual
    count holds nothing for it (an accept that won is taken off again with the withdrawal)."""
    from chalicelib.services.realtime_queue import RealtimeQueue

    clock = [NOW]
    store, consultations = container.realtime_store, container.consultations
    owner = Principal(subject=f"kakao:wr-{uuid.uuid4().hex[:10]}", role=Role.RESIDENT, provider=Provider.KAKAO,
                      session_id="s")
    cid = str(uuid.uuid4())
    consultations.create(Consultation(id=cid, owner=owner.subject, status=Status.SUBMITTED, category="other",
                                      region="yeoncheon", mode=Mode.REALTIME, method=Method.CHAT,
                                      language=Language.KO, created_at=NOW, updated_at=NOW, month="2026-12",
                                      consent_version="test"),
                         IdempotencyClaim(owner.subject, uuid.uuid4().hex, "f", NOW + timedelta(hours=1)), 3)
    request = RealtimeRequest(cid, "other", "yeoncheon", NOW)
    assert store.enqueue(request, sort_key_of(cid))
    attorney = f"att-w{uuid.uuid4().hex[:8]}"
    offer = Offer(id=str(uuid.uuid4()), consultation_id=cid, attorney_id=attorney, category="other",
                  region="yeoncheon", method="chat", offered_at=NOW, deadline=NOW + timedelta(minutes=3), attempt=1)
    store.create_offer(offer, request, NOW)
    leaving = WithdrawalService(consultations=consultations, bookings=container.bookings,
                                reminder_keys=lambda booking: (), alert_attorney=lambda *a: None,
                                forget_realtime=store.forget, retention=timedelta(days=365),
                                clock=lambda: clock[0], counted_load=container.counted_load_of)
    realtime = RealtimeQueue(store=store, consultations=consultations, loads=container.loads,
                             attorneys=container.attorneys, notifier=container.notifier,
                             recipients=container.recipients, calendar=container.calendar,
                             policy=container.settings.policy, clock=lambda: clock[0],
                             public_base_url="http://127.0.0.1:8000")
    lawyer = Principal(subject=f"kakao:{attorney}", role=Role.ATTORNEY, provider=Provider.KAKAO, session_id="s",
                       attorney_id=attorney)
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def accept() -> None:
        barrier.wait()
        try:
            outcome["accept"] = realtime.accept(lawyer, offer.id)
        except OfferUnavailableError as exc:
            outcome["accept"] = exc

    def withdraw() -> None:
        barrier.wait()
        outcome["withdraw"] = leaving.withdraw(owner, cid)

    threads = [threading.Thread(target=accept), threading.Thread(target=withdraw)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert getattr(outcome.get("withdraw"), "status", None) is Status.WITHDRAWN, outcome
    assert consultations.get(cid).status is Status.WITHDRAWN
    assert store.pending_of(attorney) == []
    assert store.offer(offer.id).status in (OfferStatus.WITHDRAWN, OfferStatus.ACCEPTED)
    assert container.loads.get_many([attorney], 2026)[attorney].assignments_this_year == 0


def sort_key_of(consultation_id: str) -> str:
    from chalicelib.domain.consultations import sort_key

    return sort_key(NOW, consultation_id)

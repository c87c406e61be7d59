"""On the emulator: closing a booked consultation is refused before its slot starts, and closing it
once under way cancels its pending reminders (the follow-up asking for the outcome never goes out)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.composition import Container
from chalicelib.domain.attorneys import Attorney
from chalicelib.domain.availability import Availability
from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Intake, Language, PersonalDetails, Status
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.domain.rooms import NotStartedYetError, Outcome
from chalicelib.services import intake
from chalicelib.settings import Settings
from tests.integration.reservations_harness import erase

pytestmark = pytest.mark.emulator

KST = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 1, 10, 30, tzinfo=KST)
START = datetime(2026, 12, 2, 14, 0, tzinfo=KST)
CATEGORY, REGION = "other", "gapyeong"


@dataclass
class Reserved:
    """A submitted reservation request of a new resident, with one attorney of its own free to take it."""

    container: Container
    clock: list[datetime]  # the container's clock: ``clock[0]``, moved by the test
    attorney_id: str
    owner: Principal
    consultation_id: str


@pytest.fixture
def reserved(stack_env) -> Iterator[Reserved]:
    clock = [NOW]
    settings = Settings.from_env(stack_env)
    # only this test's attorney is free (the seeded ones keep no availability): nothing else is touched
    settings = settings.model_copy(update={"policy": settings.policy.model_copy(
        update={"availability_default": "none"})})
    c = Container(settings, clock=lambda: clock[0])
    c.tables  # noqa: B018
    attorney_id = f"att-c{uuid.uuid4().hex[:8]}"
    c.attorneys.save(Attorney(id=attorney_id, display_name="Closing 노무사", categories=frozenset({CATEGORY}),
                              regions=frozenset({REGION})), None, NOW)
    c.bookings.save_availability(attorney_id, Availability.full(c.calendar), NOW)
    owner = Principal(subject=f"kakao:close-{uuid.uuid4().hex[:8]}", role=Role.RESIDENT, provider=Provider.KAKAO,
                      session_id="s")
    personal = PersonalDetails(name="홍길동", phone="+821023456789",
                               description="My contract was changed without asking.")
    made = intake.submit(consultations=c.consultations, cipher=c.cipher, calendar=c.calendar, policy=c.settings.policy,
                         owner=owner.subject, intake=Intake(CATEGORY, REGION, Mode.RESERVATION, Method.PHONE,
                                                            Language.KO, personal),
                         idempotency_key=str(uuid.uuid4()), now=NOW)
    cid = made.consultation.id
    try:
        yield Reserved(c, clock, attorney_id, owner, cid)
    finally:
        erase(attorneys={attorney_id: c.attorneys.get(attorney_id)}, consultations={cid: owner.subject})


def test_closing_waits_for_the_slot_and_then_cancels_the_pending_reminders(reserved: Reserved) -> None:
    from chalicelib.adapters.dynamo.reminders import ReminderItem

    c, clock, owner, cid = reserved.container, reserved.clock, reserved.owner, reserved.consultation_id
    attorney_id = reserved.attorney_id
    view = c.reservations.book(owner, cid, START)
    assert view.booking.attorney_id == attorney_id
    lawyer = Principal(subject=f"kakao:{view.booking.attorney_id}", role=Role.ATTORNEY, provider=Provider.KAKAO,
                       session_id="s", attorney_id=view.booking.attorney_id)
    keys = c.reservations.reminder_keys(view.booking)

    def unsent() -> list[tuple[str, str]]:
        return [k for k in keys if any(i.sent_at is None for i in ReminderItem.query(
            k[0], ReminderItem.sk == k[1], consistent_read=True))]

    planned = unsent()
    assert len(planned) >= 3  # the hour-before reminders and the outcome follow-up

    with pytest.raises(NotStartedYetError):  # the day before: refused, nothing changes
        c.rooms.record_outcome(lawyer, cid, Outcome.ADVICE_GIVEN, None)
    clock[0] = START - timedelta(seconds=1)
    with pytest.raises(NotStartedYetError):
        c.rooms.record_outcome(lawyer, cid, Outcome.ADVICE_GIVEN, None)
    assert c.consultations.get(cid).status is Status.BOOKED and unsent() == planned

    clock[0] = START + timedelta(minutes=20)
    c.rooms.record_outcome(lawyer, cid, Outcome.ADVICE_GIVEN, None)
    assert c.consultations.get(cid).status is Status.COMPLETED
    assert unsent() == []
    assert [r for r in c.reminders.due(START + timedelta(hours=3), limit=1000) if r.consultation_id == cid] == []


def test_a_no_show_does_not_count_towards_the_annual_cap(reserved: Reserved) -> None:
    """The booking counted on the attorney's annual load; the attorney records a no-show once the slot
    has started: the consultation closes and the count goes back, in the same write as the outcome."""
    c, clock, owner, cid = reserved.container, reserved.clock, reserved.owner, reserved.consultation_id
    attorney_id = reserved.attorney_id
    c.reservations.book(owner, cid, START)
    assert c.loads.get_many([attorney_id], 2026)[attorney_id].assignments_this_year == 1
    lawyer = Principal(subject=f"kakao:{attorney_id}", role=Role.ATTORNEY, provider=Provider.KAKAO,
                       session_id="s", attorney_id=attorney_id)
    clock[0] = START + timedelta(minutes=15)
    c.rooms.record_outcome(lawyer, cid, Outcome.NO_SHOW, None)
    assert c.consultations.get(cid).status is Status.COMPLETED
    assert c.thread_store.outcome(cid).outcome is Outcome.NO_SHOW
    assert c.loads.get_many([attorney_id], 2026)[attorney_id].assignments_this_year == 0

"""Residents' reminders through the delivery ledger, like every other resident message: claimed,
sent, marked (exactly once however many runs race), counted per template and result, retried when
they failed on every channel, queued in quiet hours unless the consultation starts before they end.
The ledger on DynamoDB (the emulator) and its in-memory twin; the reminders themselves in memory (their
store on DynamoDB is tests/integration/test_reminders.py's, whose runs must not see these)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.attorneys import AttorneyContact
from chalicelib.domain.reminders import Channel, plan
from chalicelib.services.reminders import run_reminders
from chalicelib.services.resident_messages import ResidentMessenger, counts
from chalicelib.settings import Policy
from tests.twins.memory import MemoryNotifier, MemoryReminderStore
from tests.twins.memory_messages import MemoryDeliveryLedger

pytestmark = pytest.mark.emulator

KST = timezone(timedelta(hours=9))
# a month of statistics no other test writes to
BASE = datetime(2019, 3, 6, 10, 0, tzinfo=KST)  # a Wednesday, 10:00 in Korea
PHONE = "+821099990077"
_weeks_back = iter(range(10_000))
_bookings = iter(range(1_000_000))


class Recipients:
    def attorney(self, attorney_id: str) -> AttorneyContact | None:
        return AttorneyContact(phone="+821000000077", email="a@example.invalid", alert_channel="email")

    def resident(self, consultation_id: str) -> tuple[str, str] | None:
        return PHONE, "en"


@pytest.fixture(params=["dynamodb", "memory"])
def stores(request):
    """(reminder store, delivery ledger)."""
    if request.param == "memory":
        return MemoryReminderStore(), MemoryDeliveryLedger()
    return MemoryReminderStore(), request.getfixturevalue("container").delivery_ledger


@pytest.fixture
def start() -> datetime:
    return BASE - timedelta(weeks=next(_weeks_back))


def book(store, start: datetime, offsets: tuple[int, ...] = (1440, 60)) -> str:
    booking_id = f"bk-ledger-{next(_bookings)}-{id(store)}"
    store.schedule(plan(booking_id, f"c-{booking_id}", "att-077", start, offsets, start - timedelta(days=3)))
    return booking_id


def messenger(ledger, notifier, at: datetime) -> ResidentMessenger:
    return ResidentMessenger(ledger=ledger, notifier=notifier, recipients=Recipients(), policy=Policy(),
                             clock=lambda: at, public_base_url="https://maeul.example", hash_key=lambda: "k")


def run(store, ledger, notifier, at: datetime):
    return run_reminders(store, notifier, Recipients(), at, base_url="https://maeul.example",
                         messenger=messenger(ledger, notifier, at))


def reminders_to(notifier: MemoryNotifier, booking_id: str) -> list[str]:
    return [m.text for phone, m in notifier.messages if phone == PHONE and f"c-{booking_id}" in m.text]


def resident_reminders(store, at: datetime) -> list:
    return [r for r in store.due(at) if r.channel is Channel.RESIDENT_SMS]


def month_counts(ledger, at: datetime) -> dict:
    return {k: n for k, n in counts(ledger, at.strftime("%Y-%m")).items() if k[0] == "MAEUL_REMINDER_EN"}


def test_a_reminder_goes_through_the_ledger_once_however_many_runs_race(stores, start) -> None:
    store, ledger = stores
    booking_id = book(store, start)
    notifier = MemoryNotifier()
    at = start - timedelta(hours=24)
    before = month_counts(ledger, at)
    barrier = threading.Barrier(4)

    def one(_: int):
        barrier.wait()
        return run(store, ledger, notifier, at)

    with ThreadPoolExecutor(4) as pool:
        summaries = list(pool.map(one, range(4)))
    assert sum(s.sent for s in summaries) == 3  # the resident's; the attorney's e-mail and phone (none)
    (text,) = reminders_to(notifier, booking_id)
    assert text.startswith("[Maeul] Your consultation is at ")  # the resident's language, the template
    after = month_counts(ledger, at)
    assert sum(after.values()) - sum(before.values()) == 1  # counted per template and result
    assert run(store, ledger, notifier, at + timedelta(minutes=5)).sent == 0


def test_a_run_that_died_after_sending_does_not_send_twice(stores, start) -> None:
    store, ledger = stores
    booking_id = book(store, start, (60,))
    notifier = MemoryNotifier()
    at = start - timedelta(hours=1)
    (reminder,) = resident_reminders(store, at)
    # an earlier run sent it through the ledger, then died before marking the reminder
    earlier = messenger(ledger, notifier, at)
    assert earlier.reminder(booking_id, 60, reminder.consultation_id, start) == "accepted"
    summary = run(store, ledger, notifier, at + timedelta(minutes=5))
    assert summary.sent == 3 and len(reminders_to(notifier, booking_id)) == 1
    assert store.due(at + timedelta(minutes=10)) == []


def test_a_reminder_that_failed_on_every_channel_is_retried(stores, start) -> None:
    store, ledger = stores
    booking_id = book(store, start, (60,))
    at = start - timedelta(hours=1)
    broken = MemoryNotifier()
    broken.fail = True
    assert run(store, ledger, broken, at).failed == 2  # the resident's and the attorney's e-mail
    assert len(resident_reminders(store, at + timedelta(minutes=5))) == 1  # still due
    notifier = MemoryNotifier()
    assert run(store, ledger, notifier, at + timedelta(minutes=5)).sent == 2  # and the attorney's e-mail
    assert len(reminders_to(notifier, booking_id)) == 1
    results = {k[2] for k in month_counts(ledger, at)}
    assert {"failed", "accepted"} <= results


def test_quiet_hours_queue_a_reminder_unless_the_consultation_starts_before_they_end(stores, start) -> None:
    store, ledger = stores
    notifier = MemoryNotifier()
    early = start.replace(hour=7, minute=30)  # 1 h reminder at 06:30: the consultation starts before 08:00
    later = start.replace(hour=8, minute=30)  # 1 h reminder at 07:30: it can wait until 08:00
    early_id, later_id = book(store, early, (60,)), book(store, later, (60,))
    at = start.replace(hour=7, minute=35)
    assert run(store, ledger, notifier, at).sent == 6  # all done as far as the reminders go
    assert resident_reminders(store, at) == []
    assert len(reminders_to(notifier, early_id)) == 1
    assert reminders_to(notifier, later_id) == []
    eight = start.replace(hour=8, minute=0)
    sent = messenger(ledger, notifier, eight).send_due(eight)
    assert sent["sent"] >= 1 and len(reminders_to(notifier, later_id)) == 1

"""Reminders: exactly once per booking, offset and channel, on DynamoDB and on the twin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.adapters.dynamo.reminders import DynamoReminderStore, ReminderItem
from chalicelib.domain.attorneys import AttorneyContact
from chalicelib.domain.reminders import LEASE, Channel, plan
from chalicelib.services.reminders import run_reminders
from ops.awscalls import count_calls
from tests.twins.memory import MemoryNotifier, MemoryReminderStore

pytestmark = pytest.mark.emulator

# Long ago, so that no booking made by another test has reminders due in these runs.
BASE = datetime(2021, 6, 2, 1, 0, tzinfo=UTC)  # Wednesday 10:00 KST
RESIDENT_PHONE = "+821099990001"
ATTORNEY_PHONE = "+821000000042"


class Recipients:
    def __init__(self) -> None:
        self.erased: set[str] = set()

    def attorney(self, attorney_id: str) -> AttorneyContact | None:
        return AttorneyContact(phone=ATTORNEY_PHONE, email=f"{attorney_id}@example.invalid")

    def resident(self, consultation_id: str) -> tuple[str, str] | None:
        return None if consultation_id in self.erased else (RESIDENT_PHONE, "ko")


_counter = iter(range(1_000_000))


_weeks_back = iter(range(0, 10_000))


@pytest.fixture
def start() -> datetime:
    """The start of the consultation booked by a test. Each test books its own, earlier week
    (same weekday and hour), so that reminders left pending by one test are never due in
    another's runs."""
    return BASE - timedelta(weeks=next(_weeks_back))


@pytest.fixture(params=["dynamodb", "memory"])
def store(request):
    if request.param == "memory":
        return MemoryReminderStore()
    request.getfixturevalue("container")
    return DynamoReminderStore()


def booking(store, start: datetime, booking_id: str | None = None):
    booking_id = booking_id or f"bk-{next(_counter)}-{id(store)}"
    reminders = plan(booking_id, f"c-{booking_id}", "att-042", start, (1440, 60), start - timedelta(days=3))
    store.schedule(reminders)
    return booking_id, reminders


def run(store, notifier, at):
    return run_reminders(store, notifier, Recipients(), at, base_url="https://maeul.example")


def sent_to(notifier, booking_id):
    sms = [(to, text) for to, text in notifier.sms if f"c-{booking_id}" in text or to == ATTORNEY_PHONE]
    return sms


def test_each_offset_sends_one_sms_to_each_side_and_one_email(store, start) -> None:
    booking(store, start)
    notifier = MemoryNotifier()
    day_before = start - timedelta(hours=24)
    first = run(store, notifier, day_before)
    assert first.sent == 3
    mine_sms = [s for s in notifier.sms if s[0] in (ATTORNEY_PHONE, RESIDENT_PHONE)]
    assert sorted(to for to, _ in mine_sms) == sorted([ATTORNEY_PHONE, RESIDENT_PHONE])
    assert [e[0] for e in notifier.emails] == ["att-042"]
    again = run(store, notifier, day_before)  # the same tick twice: nothing more
    assert again.sent == 0
    assert len(notifier.sms) == 2 and len(notifier.emails) == 1
    run(store, notifier, start - timedelta(hours=1))
    assert len(notifier.sms) == 4 and len(notifier.emails) == 2
    assert f"{start.astimezone(timezone(timedelta(hours=9))):%H:%M}" in notifier.sms[-1][1]
    assert "(수) 10:00" in notifier.sms[-1][1]


def test_sns_failure_marks_nothing_and_the_next_run_sends_once(store, start) -> None:
    booking(store, start)
    notifier = MemoryNotifier()
    notifier.fail = True
    at = start - timedelta(hours=1)
    failed = run(store, notifier, at)
    assert failed.sent == 0 and failed.failed == 6  # the 24h and the 1h reminders, three channels each
    notifier.fail = False
    later = run(store, notifier, at + timedelta(minutes=5))
    assert later.sent == 6
    assert len(notifier.emails) == 2 and len(notifier.sms) == 4
    assert run(store, notifier, at + timedelta(minutes=10)).sent == 0


def test_a_claim_left_by_a_killed_run_is_reclaimed_after_its_lease(store, start) -> None:
    _, reminders = booking(store, start)
    at = start - timedelta(hours=24)
    victim = next(r for r in reminders if r.offset_minutes == 1440 and r.channel is Channel.RESIDENT_SMS)
    assert store.claim(victim, at, LEASE) is not None  # a run claims it, then dies before sending
    notifier = MemoryNotifier()
    run(store, notifier, at)  # the lease is alive: not sent again, not lost
    assert all(to != RESIDENT_PHONE for to, _ in notifier.sms)
    run(store, notifier, at + LEASE + timedelta(seconds=1))
    assert [to for to, _ in notifier.sms].count(RESIDENT_PHONE) == 1


def test_overdue_alarm_is_published(store, start) -> None:
    booking(store, start)

    class FailingSms(MemoryNotifier):
        def send_sms(self, phone_e164: str, text: str) -> str:
            from chalicelib.domain.notifications import NotificationFailedError

            raise NotificationFailedError("sms down")

    notifier = FailingSms()
    summary = run(store, notifier, start - timedelta(hours=23))
    assert summary.overdue >= 1
    assert notifier.alarms and "overdue" in notifier.alarms[0][1]
    assert "+82" not in notifier.alarms[0][1]


def test_reminders_of_an_erased_resident_are_closed_without_sending(store, start) -> None:
    booking_id, _ = booking(store, start)
    notifier = MemoryNotifier()
    recipients = Recipients()
    recipients.erased.add(f"c-{booking_id}")
    summary = run_reminders(store, notifier, recipients, start - timedelta(hours=1), base_url="https://x")
    assert RESIDENT_PHONE not in [to for to, _ in notifier.sms]
    assert summary.failed == 0


def test_the_job_reads_only_what_is_due_however_long_the_history(container) -> None:
    store = DynamoReminderStore()
    at = datetime(2020, 3, 3, 0, 0, tzinfo=UTC)  # before every other test's reminders

    def calls_for_run() -> dict[str, int]:
        # ten reminders due at `at`, on their own
        for i in range(10):
            store.schedule([r for r in plan(f"due-{at.timestamp()}-{i}-{next(_counter)}", "c", "att-1",
                                            at + timedelta(hours=1), (60,), at - timedelta(days=1))
                            if r.channel is Channel.ATTORNEY_EMAIL])
        with count_calls("dynamodb") as calls:
            summary = run_reminders(store, MemoryNotifier(), Recipients(), at, base_url="https://x")
        assert summary.sent == 10
        return dict(calls.by_operation)

    small = calls_for_run()
    # 10,000 historical reminders, all sent (as after 3,333 past bookings' runs). They are
    # deleted again at the end: the emulator copies a whole table on every transaction,
    # so a large table would slow every later test down.
    history = 10_000
    with ReminderItem.batch_write() as batch:
        for i in range(history):
            batch.save(ReminderItem(f"REMINDER#hist-{i}", "+00060#attorney_email", booking_id=f"hist-{i}",
                                    consultation_id="c", attorney_id="att-1", start=at - timedelta(days=30),
                                    offset_minutes=60, channel="attorney_email",
                                    due_at=at - timedelta(days=30, hours=1), sent_at=at - timedelta(days=30),
                                    attempts=1, expires_at=int(at.timestamp())))
    try:
        at = at + timedelta(days=1)
        large = calls_for_run()
    finally:
        with ReminderItem.batch_write() as batch:
            for i in range(history):
                batch.delete(ReminderItem(f"REMINDER#hist-{i}", "+00060#attorney_email"))
    assert small == large
    assert small["dynamodb.Query"] == 1


def test_the_follow_up_asks_the_attorney_for_the_outcome_once(store, start) -> None:
    booking_id = f"bk-follow-{next(_counter)}-{id(store)}"
    reminders = plan(booking_id, f"c-{booking_id}", "att-042", start, (1440, 60), start - timedelta(days=3),
                     follow_up_after=timedelta(minutes=60))
    follow_ups = [r for r in reminders if r.is_follow_up]
    assert {r.channel for r in follow_ups} == {Channel.ATTORNEY_SMS, Channel.ATTORNEY_EMAIL}
    assert all(r.due_at == start + timedelta(minutes=60) for r in follow_ups)
    store.schedule(reminders)
    notifier = MemoryNotifier()
    run(store, notifier, start + timedelta(minutes=61))
    assert [to for to, _ in notifier.sms].count(ATTORNEY_PHONE) == 3  # two reminders, one follow-up
    assert "결과를 입력" in notifier.sms[-1][1] or "결과를 입력" in notifier.emails[-1][2]
    assert run(store, notifier, start + timedelta(minutes=70)).sent == 0


def test_cancelling_takes_the_unsent_reminders_and_keeps_a_sent_one(store, start) -> None:
    _, reminders = booking(store, start)
    first, second = sorted(reminders, key=lambda r: r.due_at)[:2]
    token = store.claim(first, first.due_at, timedelta(minutes=5))
    assert store.mark_sent(first, token, first.due_at, "msg-1")

    assert store.cancel([r.key for r in reminders]) == len(reminders) - 1
    assert store.sent_at(first) == first.due_at  # the record of what was sent stays
    assert store.sent_at(second) is None
    assert second not in store.due(start + timedelta(days=1))
    assert store.cancel([first.key]) == 0  # sent: nothing to cancel

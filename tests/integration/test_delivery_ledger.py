"""The delivery ledger and the receipt counter on DynamoDB (the emulator) and their in-memory twins:
one claim per event however many race for it, queued messages found when due and claimed once,
daily allowances counted under a limit, statistics per template, unique receipt numbers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.domain.deliveries import Delivery, Result
from tests.concurrency import race
from tests.twins.memory_messages import MemoryDeliveryLedger, MemoryReceiptCounter

pytestmark = pytest.mark.emulator

KST = timezone(timedelta(hours=9))
NOW = datetime(2031, 5, 6, 10, 0, tzinfo=KST)  # a month no other test writes statistics for


@pytest.fixture(params=["dynamo", "memory"])
def ledger(request):
    if request.param == "memory":
        return MemoryDeliveryLedger()
    return request.getfixturevalue("container").delivery_ledger


@pytest.fixture(params=["dynamo", "memory"])
def receipts(request):
    if request.param == "memory":
        return MemoryReceiptCounter()
    return request.getfixturevalue("container").receipts


def delivery(key: str, **changes) -> Delivery:
    return Delivery(key=key, consultation_id="c-1", event="survey", language="ko",
                    variables={"link": "https://maeul.example/consultations/c-1/survey"}, **changes)


def test_one_claim_wins_and_only_its_holder_marks(ledger) -> None:
    key = f"test:{uuid.uuid4().hex}"
    tokens = race(8, lambda: ledger.claim(delivery(key), NOW))
    winners = [t for t in tokens if t]
    assert len(winners) == 1
    marked = delivery(key, result=Result.DELIVERED, template="MAEUL_SURVEY_KO", channel="alimtalk",
                      message_id="m-1", recipient="ab" * 32)
    assert not ledger.mark(marked, "not-the-token", NOW)
    assert ledger.mark(marked, winners[0], NOW)
    assert ledger.claim(delivery(key), NOW + timedelta(days=1)) is None  # never again


def test_a_queued_message_is_due_at_its_time_and_claimed_once(ledger) -> None:
    key = f"test:{uuid.uuid4().hex}"
    due_at = NOW.replace(hour=8)
    assert ledger.queue(delivery(key, due_at=due_at))
    assert not ledger.queue(delivery(key, due_at=due_at))
    assert ledger.claim(delivery(key), NOW) is None  # queued: not claimable as a new event
    assert key not in [d.key for d in ledger.due(due_at - timedelta(minutes=1))]
    (found,) = [d for d in ledger.due(due_at) if d.key == key]
    assert found.variables == {"link": "https://maeul.example/consultations/c-1/survey"} and found.due_at == due_at
    tokens = race(6, lambda: ledger.claim_queued(key, due_at, timedelta(minutes=5)))
    (token,) = [t for t in tokens if t]
    assert ledger.mark(delivery(key, result=Result.ACCEPTED, template="MAEUL_SURVEY_KO", channel="sms"), token,
                       due_at)
    assert key not in [d.key for d in ledger.due(due_at + timedelta(hours=1))]


def test_allowances_stop_at_the_limit_under_a_race(ledger) -> None:
    recipient = uuid.uuid4().hex
    taken = race(10, lambda: ledger.take_allowance(recipient, "2031-05-06", 3))
    assert taken.count(True) == 3
    assert ledger.take_allowance(recipient, "2031-05-07", 3)


def test_counts_per_template_channel_and_result_for_the_korean_month(ledger) -> None:
    before = ledger.counts("2031-06").get("MAEUL_REMINDER_EN#lms#delivered", 0)
    midnight_utc_june = datetime(2031, 5, 31, 15, 30, tzinfo=UTC)  # 1 June 00:30 in Korea
    for _ in range(2):
        key = f"test:{uuid.uuid4().hex}"
        token = ledger.claim(delivery(key), midnight_utc_june)
        ledger.mark(delivery(key, result=Result.DELIVERED, template="MAEUL_REMINDER_EN", channel="lms"), token,
                    midnight_utc_june)
    assert ledger.counts("2031-06")["MAEUL_REMINDER_EN#lms#delivered"] == before + 2


def test_receipt_numbers_are_unique_under_a_race(receipts) -> None:
    local = datetime(2031, 7, 1, 9, 0, tzinfo=KST)
    numbers = race(12, lambda: receipts.next(local))
    assert len(set(numbers)) == 12
    assert all(n.startswith("3107-") and len(n) == 9 for n in numbers)


def test_an_accepted_alimtalk_awaits_its_report_until_settled(ledger) -> None:
    key = f"test:{uuid.uuid4().hex}"
    at = datetime(2031, 8, 3, 11, 0, tzinfo=KST)
    token = ledger.claim(delivery(key), at)
    accepted = delivery(key, result=Result.ACCEPTED, template="MAEUL_BOOKED_KO", channel="alimtalk",
                        message_id="m-42", fallback="LMS")
    assert ledger.mark(accepted, token, at)
    (waiting,) = [d for d in ledger.awaiting_result(1000) if d.key == key]
    assert (waiting.message_id, waiting.fallback, waiting.template) == ("m-42", "LMS", "MAEUL_BOOKED_KO")
    failed_over = Delivery(**{**waiting.__dict__, "result": Result.DELIVERED, "channel": "lms"})
    assert ledger.settle(failed_over, at)
    assert not ledger.settle(failed_over, at)  # once
    assert key not in [d.key for d in ledger.awaiting_result(1000)]
    counts = ledger.counts("2031-08")
    assert counts["MAEUL_BOOKED_KO#lms#delivered"] >= 1
    assert counts.get("MAEUL_BOOKED_KO#alimtalk#accepted", 0) == 0  # moved, not added

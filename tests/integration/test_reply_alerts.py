"""The reply alert's right on DynamoDB (the emulator) and its in-memory twin: one conditional write,
so of parallel attorney messages one alert; a read (a new read marker) or the window passing makes
the next one go."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.twins.memory_messages import MemoryDeliveryLedger

pytestmark = pytest.mark.emulator

NOW = datetime(2031, 5, 6, 1, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=30)


@pytest.fixture(params=["dynamo", "memory"])
def ledger(request):
    if request.param == "memory":
        return MemoryDeliveryLedger()
    return request.getfixturevalue("container").delivery_ledger


def test_parallel_messages_take_one_alert(ledger) -> None:
    cid = f"c-{uuid.uuid4()}"
    barrier = threading.Barrier(8)

    def one(_: int) -> bool:
        barrier.wait()
        return ledger.take_reply_alert(cid, "", NOW, WINDOW)

    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(one, range(8)))
    assert taken.count(True) == 1


def test_a_read_or_the_window_lets_the_next_alert_go(ledger) -> None:
    cid = f"c-{uuid.uuid4()}"
    assert ledger.take_reply_alert(cid, "", NOW, WINDOW)
    assert not ledger.take_reply_alert(cid, "", NOW + timedelta(minutes=29), WINDOW)
    assert ledger.take_reply_alert(cid, "cursor-1", NOW + timedelta(minutes=29), WINDOW)  # read since
    assert not ledger.take_reply_alert(cid, "cursor-1", NOW + timedelta(minutes=58), WINDOW)
    assert ledger.take_reply_alert(cid, "cursor-1", NOW + timedelta(minutes=59), WINDOW)  # 30 minutes on
    assert ledger.take_reply_alert(f"c-{uuid.uuid4()}", "cursor-1", NOW, WINDOW)  # another consultation

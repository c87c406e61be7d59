"""Resident messages: the receipt number, one templated message per event in the resident's
language, exactly once, quiet hours, daily limits, coalesced reply alerts, delivery records
without phone numbers or texts, and their counts in the statistics API."""

from __future__ import annotations

import hashlib
import hmac
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.domain.deliveries import Result, quiet_until
from chalicelib.domain.message_templates import ResidentEvent
from chalicelib.services.resident_messages import ResidentMessenger, counts
from chalicelib.settings import Policy
from tests.fakes import FakeAuthenticator, admin, resident
from tests.functional.test_intake_api import VALID
from tests.phones import code_from_notifier, verify_phone
from tests.support import ApiClient
from tests.twins.memory import MemoryAuditLog, MemoryConsultationRepository, MemoryNotifier
from tests.twins.memory_messages import MemoryDeliveryLedger, MemoryReceiptCounter

KST = timezone(timedelta(hours=9))
PHONE = "+821023456789"
BASE = "https://maeul.example"
HASH_KEY = "test-hash-key"


class Directory:
    """Recipients: one resident per consultation, with a language."""

    def __init__(self, language: str = "ko") -> None:
        self.language = language

    def resident(self, consultation_id: str) -> tuple[str, str] | None:
        return None if consultation_id == "erased" else (PHONE, self.language)


def messenger(at: list[datetime], *, language: str = "ko", notifier: Any = None, **policy: Any):
    ledger, notifier = MemoryDeliveryLedger(), notifier or MemoryNotifier()
    service = ResidentMessenger(ledger=ledger, notifier=notifier, recipients=Directory(language),
                                policy=Policy(**policy), clock=lambda: at[0], public_base_url=BASE,
                                hash_key=lambda: HASH_KEY)
    return service, ledger, notifier


def test_quiet_hours_span_midnight_in_korea() -> None:
    quiet = Policy()
    ends = [quiet_until(datetime(2026, 12, 1, h, m, tzinfo=KST), quiet.quiet_hours_start, quiet.quiet_hours_end,
                        "Asia/Seoul") for h, m in ((20, 59), (21, 0), (23, 59), (0, 0), (7, 59), (8, 0))]
    assert ends[0] is None and ends[5] is None
    assert ends[1] == ends[2] == datetime(2026, 12, 2, 8, 0, tzinfo=KST)
    assert ends[3] == ends[4] == datetime(2026, 12, 1, 8, 0, tzinfo=KST)


def test_booking_confirmed_in_english_with_time_cutoff_and_the_centres_line() -> None:
    at = [datetime(2026, 12, 1, 10, 30, tzinfo=KST)]
    service, ledger, notifier = messenger(at, language="en")
    start = datetime(2026, 12, 2, 10, 0, tzinfo=KST)
    assert service.booking_confirmed("c-1", "b-1", start, "phone") == "accepted"
    ((phone, message),) = notifier.messages
    assert phone == PHONE and message.code == "MAEUL_BOOKED_PHONE_EN"
    assert "Wed 02 Dec 10:00" in message.text and "until Wed 02 Dec 08:00" in message.text
    assert "call you from 031-8030-4541" in message.text and message.text.endswith(f"{BASE}/consultations/c-1")
    assert [b.url for b in message.buttons] == [f"{BASE}/consultations/c-1"]
    # the record: which template went out how, and a keyed hash of the phone, not the phone or the text
    (record,) = ledger.items.values()
    assert (record.template, record.channel, record.result) == ("MAEUL_BOOKED_PHONE_EN", "memory", Result.ACCEPTED)
    assert record.recipient == hmac.new(HASH_KEY.encode(), PHONE.encode(), hashlib.sha256).hexdigest()
    assert PHONE not in repr(record) and "2345" not in repr(record) and "Dec" not in repr(record)
    assert counts(ledger, "2026-12") == {("MAEUL_BOOKED_PHONE_EN", "memory", "accepted"): 1}


def test_each_event_is_told_exactly_once_even_when_raced() -> None:
    at = [datetime(2026, 12, 1, 10, 30, tzinfo=KST)]
    service, _, notifier = messenger(at)
    start = datetime(2026, 12, 2, 10, 0, tzinfo=KST)
    barrier = threading.Barrier(8)
    results: list[str] = []

    def tell() -> None:
        barrier.wait()
        results.append(service.booking_cancelled("c-1", "b-9", start, by_attorney=True))

    threads = [threading.Thread(target=tell) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["accepted"] + ["duplicate"] * 7
    ((_, message),) = notifier.messages
    assert message.code == "MAEUL_CANCELLED_ATT_KO" and "노무사 사정으로" in message.text


def test_quiet_hours_hold_all_but_real_time_messages_until_eight() -> None:
    at = [datetime(2026, 12, 1, 22, 15, tzinfo=KST)]
    service, _, notifier = messenger(at)
    assert service.booking_moved("c-1", "b-2", datetime(2026, 12, 3, 14, 0, tzinfo=KST)) == "queued"
    assert service.booking_moved("c-1", "b-2", datetime(2026, 12, 3, 14, 0, tzinfo=KST)) == "duplicate"
    assert service.realtime_accepted("c-2", "김노무", "phone") == "accepted"  # urgent: at once
    assert [m.code for _, m in notifier.messages] == ["MAEUL_ACCEPTED_PHONE_KO"]
    assert "10분 안에 031-8030-4541 번호로" in notifier.messages[0][1].text
    assert service.send_due(datetime(2026, 12, 2, 7, 55, tzinfo=KST))["due"] == 0
    assert service.send_due(datetime(2026, 12, 2, 8, 0, tzinfo=KST)) == {"due": 1, "sent": 1, "skipped": 0}
    assert service.send_due(datetime(2026, 12, 2, 8, 5, tzinfo=KST))["due"] == 0
    codes = [m.code for _, m in notifier.messages]
    assert codes == ["MAEUL_ACCEPTED_PHONE_KO", "MAEUL_MOVED_KO"]
    assert "12월 3일(목) 14:00" in notifier.messages[1][1].text


def test_a_recipient_gets_at_most_the_daily_limit_but_urgent_messages_still_go() -> None:
    at = [datetime(2026, 12, 1, 10, 0, tzinfo=KST)]
    service, ledger, notifier = messenger(at, messages_per_recipient_per_day=2)
    outcomes = [service.tell(f"e-{n}", "c-1", ResidentEvent.SURVEY, {}, path="/survey") for n in range(3)]
    assert outcomes == ["accepted", "accepted", "limited"]
    assert service.realtime_accepted("c-1", "김노무", "video") == "accepted"
    at[0] += timedelta(days=1)
    assert service.tell("e-next-day", "c-1", ResidentEvent.SURVEY, {}, path="/survey") == "accepted"
    assert len(notifier.messages) == 4
    assert counts(ledger, "2026-12")[("MAEUL_SURVEY_KO", "", "limited")] == 1


def test_reply_alerts_are_coalesced_while_unread_and_a_read_resets_them() -> None:
    at = [datetime(2026, 12, 1, 10, 0, tzinfo=KST)]
    service, _, notifier = messenger(at, reply_alert_minutes=30)
    results = [service.attorney_replied("c-1", "")]  # 10:00, nothing read yet: told
    at[0] += timedelta(minutes=10)
    results.append(service.attorney_replied("c-1", ""))  # 10:10, still unread: coalesced
    at[0] += timedelta(minutes=2)
    results.append(service.attorney_replied("c-1", "cursor-1"))  # 10:12, read since: told at once
    at[0] += timedelta(minutes=8)
    results.append(service.attorney_replied("c-1", "cursor-1"))  # 10:20, unread again: coalesced
    results.append(service.attorney_replied("c-2", ""))  # another consultation: its own
    at[0] += timedelta(minutes=22)
    results.append(service.attorney_replied("c-1", "cursor-1"))  # 10:42, 30 minutes on, still unread
    assert results == ["accepted", "coalesced", "accepted", "coalesced", "accepted", "accepted"]
    assert all(m.text.endswith("/room") and m.code == "MAEUL_REPLIED_KO" for _, m in notifier.messages)
    assert len(notifier.messages) == 4


def test_closed_tells_the_outcome_in_plain_words_and_the_next_step() -> None:
    at = [datetime(2026, 12, 1, 15, 0, tzinfo=KST)]
    service, _, notifier = messenger(at, language="en")
    service.consultation_closed("c-1", "remedy_application_referral")
    text = notifier.messages[0][1].text
    assert "We advised a remedy application" in text and "within 3 months of dismissal" in text


def test_a_failed_channel_and_a_missing_phone_are_recorded() -> None:
    at = [datetime(2026, 12, 1, 10, 0, tzinfo=KST)]
    failing = MemoryNotifier()
    failing.fail = True
    service, ledger, _ = messenger(at, notifier=failing)
    assert service.tell("e-1", "c-1", ResidentEvent.SURVEY, {}, path="/survey") == "failed"
    assert service.tell("e-2", "erased", ResidentEvent.SURVEY, {}, path="/survey") == "no_recipient"
    assert {(d.key, d.result) for d in ledger.items.values()} == {("e-1", Result.FAILED),
                                                                 ("e-2", Result.NO_RECIPIENT)}


# --- through the API ------------------------------------------------------------------------------

@pytest.fixture
def api_world(clock_at):
    container = clock_at(datetime(2026, 12, 1, 10, 30, tzinfo=KST))
    auth, notifier = FakeAuthenticator(), MemoryNotifier()
    repo = MemoryConsultationRepository(container.settings.policy.retention_days_after_close)
    container.__dict__.update(authenticator=auth, audit=MemoryAuditLog(), consultations=repo,
                              cipher=LocalFieldCipher(stage="local"), notifier=notifier)
    return ApiClient(), auth, notifier, container


def test_a_request_gets_a_unique_receipt_number_shown_in_the_view_and_in_the_message(api_world) -> None:
    api, auth, notifier, _container = api_world
    ids, receipts = [], []
    for who, lang in ((resident("r-en"), "en"), (resident("r-ko"), "ko")):
        verify_phone(api.post, auth.headers_for(who), VALID["phone"], code_from_notifier(notifier))
        headers = {**auth.headers_for(who), "Idempotency-Key": str(uuid.uuid4())}
        created = api.post("/api/consultations", body={**VALID, "preferred_language": lang}, headers=headers)
        assert created.status == 201, created.body
        ids.append(created.json["id"])
        receipts.append(created.json["receipt"])
        again = api.post("/api/consultations", body={**VALID, "preferred_language": lang}, headers=headers)
        assert again.json["receipt"] == created.json["receipt"]  # a replay keeps its number, no new message
        assert api.get(f"/api/consultations/{ids[-1]}", headers=auth.headers_for(who)).json["receipt"] == \
            receipts[-1]
    assert receipts == ["2612-0001", "2612-0002"]  # a replay uses up no number
    assert [(m.code, m.variables["receipt"]) for _, m in notifier.messages] == [
        ("MAEUL_RECEIVED_EN", receipts[0]), ("MAEUL_RECEIVED_KO", receipts[1])]
    assert notifier.messages[0][1].text.startswith("[Maeul] We received your request.\nReceipt no.: 2612-0001")
    for (phone, message), cid in zip(notifier.messages, ids, strict=True):
        assert phone == PHONE and message.variables["link"].endswith(f"/consultations/{cid}")
        assert "홍길동" not in message.text and "dismissed" not in message.text
    stats = api.get("/api/admin/stats?month=2026-12", headers=auth.headers_for(admin()))
    assert stats.status == 200, stats.body
    assert {"template": "MAEUL_RECEIVED_EN", "channel": "memory", "result": "accepted", "count": 1} in \
        stats.json["messages"]


def test_the_status_page_shows_the_receipt_number(api_world) -> None:
    api, auth, _, _ = api_world
    who = resident("r-page")
    created = api.post("/api/consultations", body=VALID,
                       headers={**auth.headers_for(who), "Idempotency-Key": str(uuid.uuid4())})
    page = api.get(f"/consultations/{created.json['id']}", headers={**auth.headers_for(who), "Accept": "text/html"})
    assert page.status == 200
    assert '<dt>접수번호</dt><dd id="f-receipt"></dd>' in page.body.decode()


def test_receipt_numbers_restart_each_month() -> None:
    counter = MemoryReceiptCounter()
    assert counter.next(datetime(2026, 12, 31, 23, 59, tzinfo=KST)) == "2612-0001"
    assert counter.next(datetime(2027, 1, 1, 0, 0, tzinfo=KST)) == "2701-0001"

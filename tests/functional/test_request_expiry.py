"""Retention of open requests, on a pinned clock: a backstop TTL from intake, and the daily
``request_expiry`` job (run through the app's scheduled function, as EventBridge would) expiring
requests left waiting past the policy period and telling each resident in their language."""

from __future__ import annotations

from datetime import datetime, timedelta

from chalice.test import Client

from chalicelib.adapters.recipients import ContactDirectory
from chalicelib.domain.consultations import Status
from tests.fakes import resident
from tests.functional.conftest import TUESDAY_MORNING
from tests.functional.test_intake_api import MINIMAL, World, world  # noqa: F401
from tests.twins.memory import MemoryNotifier

ALICE, BOB, CAROL = resident("exp-alice"), resident("exp-bob"), resident("exp-carol")


def test_intake_sets_a_backstop_ttl_and_closing_replaces_it(world: World) -> None:
    policy = world.container.settings.policy
    made = world.submit(ALICE, MINIMAL)
    assert made.status == 201
    stored = world.repo.get(made.json["id"])
    assert stored.expires_at == TUESDAY_MORNING + timedelta(days=policy.intake_backstop_days)
    assert policy.intake_backstop_days > policy.retention_days_after_close + policy.stale_request_days
    closed = world.repo.transition(stored.id, Status.CANCELLED, TUESDAY_MORNING + timedelta(days=2))
    assert closed.expires_at == TUESDAY_MORNING + timedelta(days=2 + policy.retention_days_after_close)


def test_the_daily_job_expires_stale_requests_and_tells_each_resident_in_their_language(world: World) -> None:
    clock = [TUESDAY_MORNING]
    world.container.clock = lambda: clock[0]
    notifier = MemoryNotifier()
    world.container.__dict__.update(
        notifier=notifier, recipients=ContactDirectory(None, world.repo, world.cipher),
        realtime_store=type("NoRealtime", (), {"forget": staticmethod(lambda cid, now: False)})())
    policy = world.container.settings.policy
    stale_ko = world.submit(ALICE, {**MINIMAL, "phone": "010-1111-0001"}).json["id"]
    stale_en = world.submit(BOB, {**MINIMAL, "phone": "010-1111-0002", "preferred_language": "en"}).json["id"]
    booked = world.submit(CAROL, {**MINIMAL, "phone": "010-1111-0003"}).json["id"]
    world.repo.transition(booked, Status.BOOKED, TUESDAY_MORNING)
    clock[0] = TUESDAY_MORNING + timedelta(days=10)
    touched = world.submit(CAROL, {**MINIMAL, "phone": "010-1111-0004"}).json["id"]  # younger than the period
    assert world.repo.open_counts[ALICE.subject] == 1
    notifier.sms.clear()  # the "request received" messages of the intakes; what follows is the job's

    # a day before the period is over: nothing happens
    clock[0] = TUESDAY_MORNING + timedelta(days=policy.stale_request_days - 1)
    first = invoke(clock[0])
    assert first["expired"] == 0 and notifier.sms == []

    clock[0] = TUESDAY_MORNING + timedelta(days=policy.stale_request_days, hours=1)
    summary = invoke(clock[0])

    assert summary["expired"] == 2 and summary["told"] == 2
    for cid in (stale_ko, stale_en):
        stored = world.repo.get(cid)
        assert stored.status is Status.EXPIRED and stored.closed_at == clock[0]
        assert stored.expires_at == clock[0] + timedelta(days=policy.retention_days_after_close)
    assert world.repo.get(booked).status is Status.BOOKED and world.repo.get(touched).status is Status.SUBMITTED
    assert world.repo.open_counts[ALICE.subject] == 0  # the open request is released
    texts = dict(notifier.sms)
    assert "오래 진행되지 않아 종료" in texts["+821011110001"]
    assert f"/consultations/{stale_ko}" in texts["+821011110001"]
    assert "waited too long and was closed" in texts["+821011110002"]
    assert all("Nguyen" not in t and "wages" not in t for t in texts.values())  # a link, not the request
    # running again expires nothing twice and tells nobody twice
    assert invoke(clock[0] + timedelta(minutes=5))["expired"] == 0 and len(notifier.sms) == 2


def invoke(at: datetime) -> dict:
    import app as application
    from chalicelib.jobs.base import scheduled_event

    with Client(application.app) as client:  # the scheduled function app.py registered, as EventBridge calls it
        response = client.lambda_.invoke("request_expiry", scheduled_event(at))
    return response.payload


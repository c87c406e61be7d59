"""Attorney e-mail on the local stack, end to end: a booking made through the app sends the
attorney an SES e-mail that ``scripts/outbox`` lists; a bounce event delivered to the app's
``mail_events`` function marks the attorney (a keyed hash, never the address), the console
API shows it, no further e-mail goes to them until an admin clears the mark.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ops import awscalls

awscalls.install()  # before any client this module builds, so that every call is recorded

from chalicelib.composition import Container, use_container  # noqa: E402
from chalicelib.domain.email_health import FailureReason  # noqa: E402
from chalicelib.domain.notifications import AttorneyAlert, MessageKind  # noqa: E402
from chalicelib.settings import Settings  # noqa: E402
from ops import seed  # noqa: E402
from ops.outbox import sent_email  # noqa: E402
from ops.processes import ROOT  # noqa: E402
from tests.fakes import FakeAuthenticator, admin, resident  # noqa: E402
from tests.integration.api_booking import book_through_api  # noqa: E402
from tests.integration.conftest import PrivateStack  # noqa: E402
from tests.support import ApiClient  # noqa: E402

pytestmark = pytest.mark.emulator

KST = timezone(timedelta(hours=9))
NOW = datetime(2027, 3, 8, 16, 0, tzinfo=KST)  # Monday afternoon; booking Wednesday 10:00
START = datetime(2027, 3, 10, 10, 0, tzinfo=KST)
NAME, PHONE, DESCRIPTION = "박서연", "010-5555-0202", "Wages unpaid since October at the print shop."


def bounce_event(attorney_id: str, address: str, sub_type: str = "General") -> dict:
    """An SES event as the configuration set publishes it to SNS (the fields Maeul reads)."""
    return {"eventType": "Bounce",
            "bounce": {"bounceType": "Permanent", "bounceSubType": sub_type,
                       "bouncedRecipients": [{"emailAddress": address, "action": "failed",
                                              "status": "5.1.1"}], "timestamp": NOW.isoformat()},
            "mail": {"timestamp": NOW.isoformat(), "source": "alerts@mail.maeul.example",
                     "messageId": uuid.uuid4().hex, "destination": [address],
                     "tags": {"attorney_id": [attorney_id], "ses:configuration-set": ["maeul-local"]}}}


def outbox(env: dict[str, str]) -> list[dict]:
    """``scripts/outbox --json`` against the stack, as an operator would run it."""
    run = subprocess.run([sys.executable, "-m", "ops.outbox", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def world(private_stack: PrivateStack):
    seed.run(private_stack.container, wanted=lambda a: "wage_arrears" in a.categories and "suwon" in a.regions)
    fixed = Container(Settings.from_env(private_stack.env), clock=lambda: NOW.astimezone(UTC))
    fixed.tables  # noqa: B018
    auth = FakeAuthenticator()
    fixed.__dict__["authenticator"] = auth
    use_container(fixed)
    try:
        yield private_stack.env, fixed, auth, ApiClient(private_stack.env)
    finally:
        use_container(private_stack.container)


def test_booking_emails_the_attorney_and_a_bounce_stops_email_until_cleared(world) -> None:
    import os

    from chalice.test import TestLambdaClient

    from app import app
    from ops.localstage import chalice_config

    env, container, auth, api = world
    endpoint = env["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    who = auth.headers_for(resident(f"mail-{uuid.uuid4().hex[:6]}"))
    consultation_id, attorney_id = book_through_api(api, who, START, name=NAME, phone=PHONE,
                                                    description=DESCRIPTION)
    address = container.attorneys.contact(attorney_id).email

    # the booking alert: an SES e-mail to the attorney's address, listed by scripts/outbox
    [mail] = [m for m in outbox(env) if m["channel"] == "email" and m["to"] == address]
    assert "3월 10일(수) 10:00 예약 상담이 배정되었습니다." in mail["text"]
    assert mail["subject"] == "[마을노무사] 예약 상담 배정" and "예약 상담이 배정" in mail["html"]
    for secret in (NAME, PHONE, "5555-0202", "55550202", DESCRIPTION[:15]):  # not "5555": a link's port may hold it
        assert secret not in mail["text"] + mail["html"] + mail["subject"]

    # SES reports a permanent bounce to the mail-events topic; the app's function records it
    lambdas = TestLambdaClient(app, chalice_config(env))
    from chalice.test import TestEventsClient

    event = TestEventsClient(app).generate_sns_event(message=json.dumps(bounce_event(attorney_id, address)))
    lambdas.invoke("mail_events", event)
    failure = container.email_health.failure(attorney_id)
    assert failure is not None and failure.reason is FailureReason.BOUNCE
    assert address not in json.dumps(failure.__dict__, default=str)  # a keyed hash, not the address
    assert failure.address_hash == container.address_hasher(address) and len(failure.address_hash) == 64

    staff = auth.headers_for(admin())
    console = api.get("/api/admin/email-failures", headers=staff)
    assert console.status == 200, console.body
    assert console.json["count"] == 1 and [i["attorney_id"] for i in console.json["items"]] == [attorney_id]
    assert console.json["message"] == "노무사 1명의 이메일 전달이 실패하고 있습니다."
    assert address not in console.body.decode()

    # no further e-mail to that attorney: a cancellation alert is not sent
    cancelled = api.request("DELETE", f"/api/consultations/{consultation_id}/booking", headers=who)
    assert cancelled.status in (200, 204), cancelled.body
    assert len([m for m in sent_email(endpoint) if m["to"] == address]) == 1

    # an admin clears the mark: e-mail reaches the attorney again
    cleared = api.post(f"/api/admin/attorneys/{attorney_id}/email-clear", headers=staff)
    assert cleared.status == 200 and cleared.json == {"attorney_id": attorney_id, "cleared": True}
    assert api.get("/api/admin/email-failures", headers=staff).json["count"] == 0
    again = api.post(f"/api/admin/attorneys/{attorney_id}/email-clear", headers=staff)
    assert again.json["cleared"] is False
    assert container.notifier.email_attorney(attorney_id, AttorneyAlert(MessageKind.REMINDER,
                                                                        "https://maeul.example/attorney",
                                                                        when=START))
    assert len([m for m in sent_email(endpoint) if m["to"] == address]) == 2


def test_an_address_on_the_account_suppression_list_marks_the_attorney(world) -> None:
    env, container, _auth, _api = world
    [attorney] = [a for a in container.attorneys.roster()
                  if container.email_health.failure(a.id) is None][:1]
    address = container.attorneys.contact(attorney.id).email
    event = bounce_event(attorney.id, address, sub_type="OnAccountSuppressionList")
    from chalicelib.services import email_health

    email_health.record_event(container.email_health, container.address_hasher, json.dumps(event),
                              container.clock())
    assert container.email_health.failure(attorney.id).reason is FailureReason.SUPPRESSED
    before = len(sent_email(env["AWS_ENDPOINT_URL"]))
    assert container.notifier.email_attorney(attorney.id, AttorneyAlert(MessageKind.OFFER, "https://x.example/a",
                                                                        deadline=START)) is None
    assert len(sent_email(env["AWS_ENDPOINT_URL"])) == before
    assert container.email_health.clear(attorney.id)


def test_a_booking_alert_reads_the_attorneys_contact_once_for_its_email_and_its_phone(world) -> None:
    """The alert's two halves (e-mail, then the phone on the attorney's channel) need the same sealed
    contact: the booking reads it once (the e-mail half used to read it again)."""
    env, container, auth, api = world
    who = auth.headers_for(resident(f"mail-{uuid.uuid4().hex[:6]}"))
    at = START.replace(hour=14)
    with awscalls.record_calls() as recorded:
        _consultation_id, attorney_id = book_through_api(api, who, at, name=NAME, phone=PHONE,
                                                         description=DESCRIPTION)
    profile = {"pk": {"S": f"ATTORNEY#{attorney_id}"}, "sk": {"S": "PROFILE"}}
    contact_reads = [params for service, operation, params in recorded
                     if service == "dynamodb" and operation == "GetItem" and params.get("Key") == profile]
    assert len(contact_reads) == 1
    contact = container.attorneys.contact(attorney_id)
    sent = outbox(env)
    [mail] = [m for m in sent if m["channel"] == "email" and m["to"] == contact.email and "14:00" in m["text"]]
    assert "3월 10일(수) 14:00 예약 상담이 배정되었습니다." in mail["text"]
    assert [m for m in sent if m["channel"] != "email" and m["to"] == contact.phone and "14:00" in m["text"]]

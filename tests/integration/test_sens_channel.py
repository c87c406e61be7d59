"""The Korean messaging channel against the dev SENS emulator (a real process on a free port):
signed 알림톡 with the registered template, SMS/LMS failover when the 알림톡 is dropped, SNS SMS
when SENS fails, refusals like the real API's, and ``scripts/outbox --json`` listing it all."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC

import pytest
import requests

from chalicelib.adapters.sens_notifier import (
    FallbackNotifier,
    SensClient,
    SensConfig,
    SensNotifier,
    domestic,
    signature,
)
from chalicelib.adapters.sns_notifier import SnsNotifier
from chalicelib.domain import message_templates as mt
from chalicelib.domain.notifications import NotificationFailedError
from devtools.sens.server import Config
from ops import processes
from ops.outbox import sent_sens, sent_sms

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("sens_faults_cleared")]

LOCAL = Config()
KEYS = {"sens_access_key": LOCAL.access_key, "sens_secret_key": LOCAL.secret_key}
LINK = "http://127.0.0.1:8000/consultations/0f8fad5b-d9cb-469f-a165-70867728950e"


def client(url: str, keys: dict[str, str] = KEYS, sender: str = LOCAL.senders[0]) -> SensClient:
    config = SensConfig(url, LOCAL.alimtalk_service_id, LOCAL.sms_service_id, LOCAL.plus_friend_id, sender)
    return SensClient(config, lambda name: keys[name])


def received(phone: str, lang: str = "ko") -> mt.OutboundMessage:
    return mt.render(mt.ResidentEvent.REQUEST_RECEIVED, lang, {"receipt": "2612-0042", "link": LINK})


def mine(url: str, phone: str) -> list[dict]:
    return [m for m in sent_sens(url) if m["to"] == domestic(phone)]


def test_signature_is_base64_hmac_sha256_of_method_uri_timestamp_and_key() -> None:
    # computed independently: printf 'POST /sms/v2/services/s/messages\n1700000000000\nAK' |
    #   openssl dgst -sha256 -hmac SK -binary | base64
    assert signature("SK", "POST", "/sms/v2/services/s/messages", "1700000000000", "AK") == \
        "YxKyfT1SAbVkcWiD49L8VAbE0lhqbIAUt9pPlUJ+RGA="


def test_alimtalk_is_delivered_with_its_template_and_buttons(sens_url: str) -> None:
    phone = "+821077770001"
    sent = SensNotifier(client(sens_url)).send_message(phone, received(phone))
    assert (sent.channel, sent.result) == ("alimtalk", "delivered")
    (message,) = mine(sens_url, phone)
    assert message["channel"] == "alimtalk" and message["template"] == "MAEUL_RECEIVED_KO"
    assert message["to"] == "01077770001" and "접수번호: 2612-0042" in message["text"]
    assert message["message_id"] == sent.message_id and not message["failover"]


def test_a_dropped_alimtalk_fails_over_to_lms_with_the_same_text(sens_url: str) -> None:
    phone = "+821077770002"
    requests.post(f"{sens_url}/__dev/faults", json={"alimtalk": "drop"}, timeout=5).raise_for_status()
    outbound = received(phone, "en")
    sent = SensNotifier(client(sens_url)).send_message(phone, outbound)
    (message,) = mine(sens_url, phone)
    assert message["channel"] == outbound.sms_type.lower() and message["failover"]
    assert message["text"] == outbound.text and message["template"] == "MAEUL_RECEIVED_EN"
    assert (sent.channel, sent.result) == (outbound.sms_type.lower(), "delivered")


def test_sens_failure_falls_back_once_to_sns_sms(sens_url: str, container) -> None:
    phone = "+821077770003"
    requests.post(f"{sens_url}/__dev/faults", json={"alimtalk": "error500"}, timeout=5).raise_for_status()
    s = container.settings
    sns = SnsNotifier(container.client("sns"), s.operator_alarms_topic_arn)
    outbound = received(phone)
    sent = FallbackNotifier(SensNotifier(client(sens_url)), sns).send_message(phone, outbound)
    assert sent.channel == "sns-sms"
    assert mine(sens_url, phone) == []
    assert {"channel": "sms", "to": phone, "text": outbound.text} in sent_sms(os.environ["AWS_ENDPOINT_URL"])


@pytest.mark.parametrize("breakage", ["secret", "sender", "template", "content"])
def test_the_emulator_refuses_what_the_real_api_refuses(sens_url: str, breakage: str) -> None:
    phone = "+821077770004"
    keys = {**KEYS, "sens_secret_key": "wrong"} if breakage == "secret" else KEYS
    sender = "01099998888" if breakage == "sender" else LOCAL.senders[0]
    outbound = received(phone)
    if breakage == "template":
        outbound = mt.OutboundMessage(**{**outbound.__dict__, "code": "MAEUL_NOT_REGISTERED"})
    if breakage == "content":  # the registered text reworded
        outbound = mt.OutboundMessage(**{**outbound.__dict__,
                                         "text": "김철수님, " + outbound.text.replace("접수되었습니다", "접수됐어요")})
    with pytest.raises(NotificationFailedError, match=r"HTTP (400|401)"):
        SensNotifier(client(sens_url, keys, sender)).send_message(phone, outbound)
    assert mine(sens_url, phone) == []


def test_sms_over_90_bytes_must_be_lms(sens_url: str) -> None:
    phone = "+821077770005"
    long_text = "[마을노무사] " + "가" * 50
    with pytest.raises(NotificationFailedError, match="HTTP 400"):
        client(sens_url).send_sms(phone, long_text, "[마을노무사]", "SMS")
    assert client(sens_url).send_sms(phone, long_text, "[마을노무사]", "LMS").channel == "lms"
    assert [m["channel"] for m in mine(sens_url, phone)] == ["lms"]


def test_scripts_outbox_lists_every_channel(sens_url: str, container, local_stack, tmp_path) -> None:
    phone = "+821077770006"
    SensNotifier(client(sens_url)).send_message(phone, received(phone))
    container.notifier.send_sms("+821077770007", mt.render(mt.ResidentEvent.SURVEY, "en", {"link": LINK}).text)
    env = {**os.environ, "MAEUL_AWS_PORT": os.environ["AWS_ENDPOINT_URL"].rsplit(":", 1)[1],
           "MAEUL_SENS_PORT": sens_url.rsplit(":", 1)[1], "MAEUL_RUN_DIR": str(tmp_path)}
    run = subprocess.run([str(processes.ROOT / "scripts" / "outbox"), "--json"], cwd=processes.ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    listed = json.loads(run.stdout)
    assert all({"channel", "to", "text"} <= m.keys() for m in listed)
    assert any(m["channel"] == "alimtalk" and m["to"] == "01077770006" and "2612-0042" in m["text"]
               for m in listed)
    assert any(m["channel"] == "sms" and m["to"] == "+821077770007" and m["via"] == "sns" for m in listed)


def test_a_delivery_report_that_comes_later_is_fetched_by_the_job(sens_url: str) -> None:
    from datetime import datetime, timedelta

    from chalicelib.services.resident_messages import ResidentMessenger, counts
    from chalicelib.settings import Policy
    from tests.twins.memory_messages import MemoryDeliveryLedger

    phone = "+821077770008"

    class One:
        def resident(self, consultation_id: str) -> tuple[str, str]:
            return phone, "ko"

    at = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Korea
    ledger = MemoryDeliveryLedger()
    messenger = ResidentMessenger(ledger=ledger, notifier=SensNotifier(client(sens_url)), recipients=One(),
                                  policy=Policy(), clock=lambda: at, public_base_url="https://maeul.example",
                                  hash_key=lambda: "k")
    requests.post(f"{sens_url}/__dev/faults", json={"report": "processing", "alimtalk": "drop"},
                  timeout=5).raise_for_status()
    assert messenger.tell("survey:c-8", "c-8", mt.ResidentEvent.SURVEY, {}, path="/survey") == "accepted"
    assert messenger.poll_results(at) == {"awaiting": 1, "settled": 0}  # the carrier has not reported yet
    requests.post(f"{sens_url}/__dev/faults", json={"report": None}, timeout=5).raise_for_status()
    assert messenger.poll_results(at + timedelta(minutes=5)) == {"awaiting": 1, "settled": 1}
    assert messenger.poll_results(at + timedelta(minutes=10)) == {"awaiting": 0, "settled": 0}
    (record,) = ledger.items.values()
    assert (record.channel, record.result.value) == ("lms", "delivered")  # the 알림톡 failed over to LMS
    assert counts(ledger, "2026-12") == {("MAEUL_SURVEY_KO", "lms", "delivered"): 1}

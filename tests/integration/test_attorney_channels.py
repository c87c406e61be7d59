"""Attorneys' alerts on the channel they chose, and every template in every language, against the
dev SENS emulator (a real process): 알림톡 with the registered attorney template and its SMS/LMS
failover, plain SMS, e-mail only; the emulator accepting each rendered template as registered and
its SMS/LMS fallback counted as the carriers count bytes (UCS-2 for Thai, Khmer, Myanmar...)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from chalicelib.adapters.sens_notifier import SensClient, SensConfig, SensNotifier, domestic
from chalicelib.domain import message_templates as mt
from chalicelib.domain.attorneys import AttorneyContact
from chalicelib.domain.notifications import MessageKind, NotificationFailedError
from chalicelib.services.attorney_alerts import alert_phone
from devtools.sens.server import Config
from ops.outbox import sent_sens
from tests.unit.test_message_templates import rendered

pytestmark = [pytest.mark.emulator, pytest.mark.usefixtures("sens_faults_cleared")]

LOCAL = Config()
KEYS = {"sens_access_key": LOCAL.access_key, "sens_secret_key": LOCAL.secret_key}
BASE = "http://127.0.0.1:8000"
WHEN = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Korea


def client(url: str) -> SensClient:
    config = SensConfig(url, LOCAL.alimtalk_service_id, LOCAL.sms_service_id, LOCAL.plus_friend_id,
                        LOCAL.senders[0])
    return SensClient(config, lambda name: KEYS[name])


def mine(url: str, phone: str) -> list[dict]:
    return [m for m in sent_sens(url) if m["to"] == domestic(phone)]


def test_an_attorney_on_alimtalk_gets_the_registered_template(sens_url: str) -> None:
    phone = "+821066660001"
    contact = AttorneyContact(phone=phone, email="a@example.invalid", alert_channel="alimtalk")
    alert_phone(SensNotifier(client(sens_url)), contact, MessageKind.OFFER, f"{BASE}/attorney", deadline=WHEN)
    (message,) = mine(sens_url, phone)
    assert (message["channel"], message["template"]) == ("alimtalk", "MAEUL_ATT_OFFER_KO")
    assert message["text"] == f"[마을노무사] 실시간 상담 요청이 도착했습니다. 10:00까지 수락해 주세요. {BASE}/attorney"


def test_a_dropped_attorney_alimtalk_fails_over_with_the_same_text(sens_url: str) -> None:
    phone = "+821066660002"
    requests.post(f"{sens_url}/__dev/faults", json={"alimtalk": "drop"}, timeout=5).raise_for_status()
    contact = AttorneyContact(phone=phone, email="a@example.invalid", language="en", alert_channel="alimtalk")
    alert_phone(SensNotifier(client(sens_url)), contact, MessageKind.BOOKING, f"{BASE}/attorney", when=WHEN)
    (message,) = mine(sens_url, phone)
    assert message["failover"] and message["template"] == "MAEUL_ATT_BOOKING_EN"
    assert message["channel"] in ("sms", "lms")
    assert message["text"] == \
        f"[Maeul] A consultation at Wed 02 Dec 10:00 was booked with you. {BASE}/attorney"


def test_an_attorney_on_sms_gets_plain_sms_and_one_on_email_nothing_on_the_phone(sens_url: str) -> None:
    on_sms, on_email = "+821066660003", "+821066660004"
    notifier = SensNotifier(client(sens_url))
    sms = AttorneyContact(phone=on_sms, email="a@example.invalid", alert_channel="sms")
    email = AttorneyContact(phone=on_email, email="b@example.invalid", alert_channel="email")
    assert alert_phone(notifier, sms, MessageKind.BOOKING_CANCELLED, f"{BASE}/attorney", when=WHEN)
    assert alert_phone(notifier, email, MessageKind.BOOKING_CANCELLED, f"{BASE}/attorney", when=WHEN) is None
    (message,) = mine(sens_url, on_sms)
    assert message["template"] is None and message["channel"] in ("sms", "lms")
    assert message["text"] == f"[마을노무사] 12월 2일(수) 10:00 예약 상담이 취소되었습니다. {BASE}/attorney"
    assert mine(sens_url, on_email) == []


def test_every_template_in_every_language_is_accepted_as_registered(sens_url: str) -> None:
    """Each rendered template, with the longest values it takes, is accepted by the channel as its
    registered text, and its failover (dropped 알림톡) passes the SMS/LMS byte limits."""
    requests.post(f"{sens_url}/__dev/faults", json={"alimtalk": "drop"}, timeout=5).raise_for_status()
    sens = client(sens_url)
    templates = mt.all_templates()
    assert len(templates) == 12 * len(mt.ResidentEvent) + 2 * len(mt.AttorneyEvent)
    for n, template in enumerate(templates):
        phone = f"+82106667{n:04d}"
        message = rendered(template)
        sens.send_alimtalk(phone, message)
        (sent,) = mine(sens_url, phone)
        assert sent["template"] == template.code and sent["text"] == message.text
        assert sent["channel"] == message.sms_type.lower(), template.code


def test_a_thai_text_under_90_characters_is_still_too_long_for_an_sms(sens_url: str) -> None:
    phone = "+821066669999"
    thai = mt.render(mt.ResidentEvent.SURVEY, "th", {"link": "http://127.0.0.1:8000/s"})
    assert len(thai.text) < 90 < mt.sms_bytes(thai.text)
    with pytest.raises(NotificationFailedError, match="HTTP 400"):
        client(sens_url).send_sms(phone, thai.text, thai.sms_subject, "SMS")
    assert client(sens_url).send_sms(phone, thai.text, thai.sms_subject, thai.sms_type).channel == "lms"


def test_the_sns_fallback_carries_a_long_message_whole(sens_url: str, container) -> None:
    """SNS splits a long SMS into segments itself: the fallback keeps the whole text and its link."""
    import os

    from chalicelib.adapters.sens_notifier import FallbackNotifier
    from chalicelib.adapters.sns_notifier import SnsNotifier
    from ops.outbox import sent_sms

    phone = "+821066668888"
    requests.post(f"{sens_url}/__dev/faults", json={"alimtalk": "error500"}, timeout=5).raise_for_status()
    message = rendered(mt.catalogue("th").templates[mt.ResidentEvent.BOOKING_CONFIRMED_PHONE])
    assert len(message.text) > 140 and mt.sms_segments(message.text) > 2
    sns = SnsNotifier(container.client("sns"), container.settings.operator_alarms_topic_arn)
    sent = FallbackNotifier(SensNotifier(client(sens_url)), sns).send_message(phone, message)
    assert sent.channel == "sns-sms"
    assert {"channel": "sms", "to": phone, "text": message.text} in sent_sms(os.environ["AWS_ENDPOINT_URL"])

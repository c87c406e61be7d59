"""An attorney's alert channel (알림톡, SMS or e-mail only), chosen when the admin adds them, and the
booking alert that then reaches their phone on that channel. Fakes only, no AWS."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.attorneys import AttorneyContact
from chalicelib.domain.notifications import MessageKind
from chalicelib.services.attorney_alerts import alert_phone
from tests.functional.test_admin_console_api import NEW, console  # noqa: F401 - the fixture
from tests.twins.memory import MemoryNotifier

WHEN = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Korea


def test_the_alert_channel_is_chosen_when_adding_an_attorney(console) -> None:  # noqa: F811
    api, admin, _, roster, _, _, _ = console
    assert api.post("/api/admin/attorneys", body={**NEW, "id": "att-600"}, headers=admin).status == 201
    assert roster.contacts["att-600"].alert_channel == "alimtalk"  # the stage's channel unless chosen
    for n, channel in enumerate(("sms", "email"), start=1):
        added = api.post("/api/admin/attorneys", body={**NEW, "id": f"att-60{n}", "alert_channel": channel},
                         headers=admin)
        assert added.status == 201, added.body
        assert roster.contacts[f"att-60{n}"].alert_channel == channel
    refused = api.post("/api/admin/attorneys", body={**NEW, "id": "att-609", "alert_channel": "pager"},
                       headers=admin)
    assert refused.status == 400 and "alert_channel" in refused.body.decode()
    assert "att-609" not in roster.contacts


def test_each_channel_reaches_the_phone_its_own_way() -> None:
    notifier = MemoryNotifier()
    link = "https://maeul.example/attorney"
    phones = {"alimtalk": "+821000000001", "sms": "+821000000002", "email": "+821000000003"}
    for channel, phone in phones.items():
        alert_phone(notifier, AttorneyContact(phone=phone, email="a@example.invalid", alert_channel=channel),
                    MessageKind.BOOKING, link, when=WHEN)
    assert [(phone, m.code) for phone, m in notifier.messages] == [("+821000000001", "MAEUL_ATT_BOOKING_KO")]
    text = "[마을노무사] 12월 2일(수) 10:00 예약 상담이 배정되었습니다. https://maeul.example/attorney"
    assert notifier.sms == [("+821000000001", text), ("+821000000002", text)]  # the 알림톡's text, then the SMS
    no_phone = AttorneyContact(phone="", email="a@example.invalid")
    assert alert_phone(notifier, no_phone, MessageKind.BOOKING, link, when=WHEN) is None

"""``make bench``'s messaging cost: the mix measured from the SENS outbox, priced before (all SNS SMS)
and after (SENS 알림톡/SMS/LMS) from ``bench/prices.json``."""

from __future__ import annotations

import json

from bench.run import PRICES, message_costs, message_mix

OUTBOX = [
    {"channel": "alimtalk", "to": "01045670000", "template": "MAEUL_RECEIVED_KO", "text": "…"},
    {"channel": "alimtalk", "to": "01045670000", "template": "MAEUL_BOOKED_PHONE_KO", "text": "…"},
    {"channel": "alimtalk", "to": "01045670001", "template": "MAEUL_RECEIVED_KO", "text": "…"},
    {"channel": "lms", "to": "01045670001", "template": "MAEUL_BOOKED_PHONE_KO", "text": "…"},  # failover
    {"channel": "lms", "to": "01090000001", "template": None,
     "text": "[마을노무사] 12월 2일(수) 10:00 예약 상담이 배정되었습니다."},
    {"channel": "lms", "to": "01090000001", "template": None,
     "text": "[마을노무사] 12월 2일(수) 11:00 예약 상담이 배정되었습니다."},
    {"channel": "alimtalk", "to": "01090000002", "template": "MAEUL_ATT_BOOKING_KO", "text": "…"},  # 알림톡
    {"channel": "alimtalk", "to": "01090000002", "template": "MAEUL_ATT_OFFER_KO", "text": "…"},  # an offer
    {"channel": "alimtalk", "to": "01090000003", "template": "MAEUL_ATT_CHANGED_KO", "text": "…"},  # coalesced
    {"channel": "alimtalk", "to": "01045679999", "template": "MAEUL_RECEIVED_KO", "text": "…"},  # never booked
]


def test_the_mix_counts_what_booked_residents_and_their_attorneys_were_sent() -> None:
    assert message_mix(OUTBOX) == {"alimtalk": 2.5, "lms": 1.5}
    assert message_mix(OUTBOX[-1:]) == {}


def test_before_and_after_use_the_dated_prices() -> None:
    prices = json.loads(PRICES.read_text())
    sens = prices["sens_korea"]
    assert sens["as_of"] and {"alimtalk", "sms", "lms", "usd_per_krw"} <= sens.keys()
    costs = message_costs({"alimtalk": 1.5, "lms": 1.5}, prices)
    # four reminders are added: two 알림톡 to the resident, two to the attorney (their default channel)
    assert costs["messages_per_consultation"] == {"alimtalk": 5.5, "lms": 1.5}
    sns = prices["sns_sms_korea"]["per_message_transactional"]
    assert costs["before_usd"] == round(1000 * 7 * sns, 4)
    expected = 1000 * (5.5 * sens["alimtalk"] + 1.5 * sens["lms"]) * sens["usd_per_krw"]
    assert abs(costs["after_usd"] - expected) < 0.01
    assert costs["after_usd"] < costs["before_usd"]


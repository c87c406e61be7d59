"""``make bench``'s translated chat: what translation adds per consultation, from the counted calls of
one translated message and Amazon Translate's dated per-character price in ``bench/prices.json``."""

from __future__ import annotations

import json

import pytest

from bench import translation
from bench.run import PRICES, Measured


def measured(calls: dict[str, int]) -> dict[str, Measured]:
    return {"message_translated": Measured("message_translated", calls, 40.0, 60.0, 30.0, 100.0, 20)}


def test_translation_is_priced_per_character_of_every_message() -> None:
    prices = json.loads(PRICES.read_text())
    assert prices["amazon_translate"]["as_of"] and prices["amazon_translate"]["per_character"] == 1.5e-05
    cost = translation.cost_per_consultation(
        measured({"translate.TranslateText": 1, "dynamodb.TransactWriteItems": 1, "dynamodb.GetItem": 2}), prices)
    assert cost["translate_calls"] == translation.MESSAGES
    assert cost["characters_translated"] == translation.MESSAGES * translation.CHARACTERS
    assert cost["usd_translation"] == pytest.approx(20 * 120 * 15 / 1_000_000)  # $15 per million characters
    assert cost["usd"] == pytest.approx(cost["usd_translation"] + cost["usd_messages"], abs=1e-6)
    assert 0 < cost["usd_messages"] < cost["usd_translation"]  # the characters, not the requests, cost


def test_no_translate_call_no_translation_cost_and_nothing_without_the_operation() -> None:
    prices = json.loads(PRICES.read_text())
    cost = translation.cost_per_consultation(measured({"dynamodb.GetItem": 2}), prices)
    assert cost["translate_calls"] == 0 and cost["usd_translation"] == 0
    assert translation.cost_per_consultation({}, prices) is None

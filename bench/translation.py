"""Translated chat in ``make bench``: the calls one message costs when a resident and an attorney share
no language (``message_translated``: one ``TranslateText`` at posting, through the dev translator
process that speaks Amazon Translate's API), and what translation adds per consultation.

The cost per consultation is a model: ``MESSAGES`` messages of ``CHARACTERS`` characters each way
(assumptions, stated in the results) priced at the counted calls of one message plus Amazon
Translate's per-character price from ``bench/prices.json``. Reads cost no translation: the
translation is stored, sealed, with the original.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.run import Measured, Operation
from chalicelib.composition import get_container
from chalicelib.domain.consultations import Status

MESSAGES = 20  # per consultation, both sides together (assumption)
CHARACTERS = 120  # per message (assumption: a few sentences)
TEXT = "Tôi chưa được trả lương hai tháng. Chủ nói tháng sau mới trả, nhưng tháng trước cũng nói vậy."


def operations(client: Any, bearer: Any, intake: dict[str, Any]) -> list[Operation]:
    """One message from a Vietnamese resident to a Korean-speaking attorney (seeded att-001)."""
    container = get_container()
    threads = []
    for i in range(12):  # the posting limit is per person and minute: spread the runs over residents
        headers = bearer(f"kakao:bench-translated-{i}")
        created = client.post("/api/consultations", body={**intake, "method": "chat", "preferred_language": "vi",
                                                          "phone": f"010-5678-{i:04d}"},
                              headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        assert created.status == 201, created.body[:300]
        container.consultations.transition(created.json["id"], Status.MATCHED, datetime.now(UTC),
                                           attorney_id="att-001")
        threads.append((headers, created.json["id"]))
    turns = itertools.cycle(threads)

    def message_translated() -> None:
        headers, cid = next(turns)
        response = client.post(f"/api/consultations/{cid}/messages", body={"text": TEXT}, headers=headers)
        assert response.status == 201 and response.json["translation"] is not None, response.body[:300]

    return [Operation("message_translated", message_translated, 20, {"translate": 1})]


def cost_per_consultation(measured: dict[str, Measured], prices: dict[str, Any],
                          memory_mb: int = 1024) -> dict[str, Any] | None:
    m = measured.get("message_translated")
    if m is None:
        return None
    lam, api, ddb, kms = prices["lambda"], prices["api_gateway_rest"], prices["dynamodb_on_demand"], prices["kms"]
    per_message = api["per_request"] + lam["per_request"] + (m.p50_ms / 1000) * (memory_mb / 1024) * \
        lam["per_gb_second_x86"]
    translate_calls = 0
    for call, count in m.calls.items():
        service, operation = call.split(".", 1)
        if service == "translate":
            translate_calls += count
        elif service == "dynamodb":
            writes = operation in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
            per = ddb["per_write_request_unit"] * (3 * ddb["transactional_multiplier"]
                                                    if operation == "TransactWriteItems" else 1)
            per_message += count * (per if writes else ddb["per_read_request_unit"])
        elif service == "kms":
            per_message += count * kms["per_request"]
    characters = MESSAGES * CHARACTERS
    translation = characters * prices["amazon_translate"]["per_character"] * (translate_calls > 0)
    return {"messages": MESSAGES, "characters_per_message": CHARACTERS,
            "translate_calls": MESSAGES * translate_calls, "characters_translated": characters * translate_calls,
            "usd_translation": round(translation, 6), "usd_messages": round(MESSAGES * per_message, 6),
            "usd": round(translation + MESSAGES * per_message, 6),
            "prices_as_of": prices["amazon_translate"]["as_of"]}

"""A resident's reservation made through the API, as the intake form and the slot picker make it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from tests.support import ApiClient


def book_through_api(api: ApiClient, headers: Mapping[str, str], start: datetime, *, name: str, phone: str,
                     description: str) -> tuple[str, str]:
    """A wage-arrears reservation request in Suwon by phone, booked at ``start``: (consultation id,
    the attorney id the booking went to)."""
    created = api.post("/api/consultations", headers={**headers, "Idempotency-Key": uuid.uuid4().hex}, body={
        "category": "wage_arrears", "region": "suwon", "mode": "reservation", "method": "phone",
        "name": name, "phone": phone, "description": description, "consent_privacy": True})
    assert created.status == 201, created.body
    booked = api.post(f"/api/consultations/{created.json['id']}/booking", headers=headers,
                      body={"start": start.isoformat()})
    assert booked.status == 201, booked.body
    return created.json["id"], booked.json["attorney"]["id"]

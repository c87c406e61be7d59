"""Withdrawing a request: ``DELETE /api/consultations/{id}`` by its owner (see services/withdrawal.py).

Owner only: anyone else, whatever their role, gets the 404 an unknown id gets.
A request already under way or closed answers 409 ``not_withdrawable``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import current_principal
from chalicelib.api.http import json_response
from chalicelib.composition import Container
from chalicelib.domain.consultations import Status

bp = ApiBlueprint(__name__)


class WithdrawnOut(BaseModel):
    id: str
    status: Status = Field(description="Always 'withdrawn'.")
    closed_at: datetime


@operation(bp, "DELETE", "/api/consultations/{consultation_id}", "Withdraw an open request (owner only; "
           "its booking and hold released, its reminders cancelled, the attorney told); 409 once it is "
           "under way or closed", tags=("consultations",), responses={200: WithdrawnOut}, auth=True,
           errors=(404, 409, 503))
def withdraw_consultation(consultation_id: str, *, container: Container) -> object:
    principal = current_principal(bp.current_request)
    path_ids.consultation_id(consultation_id)
    withdrawn = container.withdrawals.withdraw(principal, consultation_id)
    zone = container.calendar.tz
    assert withdrawn.closed_at is not None
    return json_response(WithdrawnOut(id=withdrawn.id, status=withdrawn.status,
                                      closed_at=withdrawn.closed_at.astimezone(zone)), private=True)

"""The satisfaction survey's one API call (its page is in ``chalicelib/web/pages.py``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import require_role
from chalicelib.api.http import json_response, parse_body
from chalicelib.composition import Container
from chalicelib.domain.identity import Role

bp = ApiBlueprint(__name__)


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, description="1 (poor) to 5 (very good)")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class SurveyOut(BaseModel):
    status: str


@operation(bp, "POST", "/api/consultations/{consultation_id}/survey", "Answer the satisfaction survey",
           tags=("consultations",), request=SurveyIn, responses={201: SurveyOut}, errors=(404, 409),
           auth=True)
def answer_survey(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = require_role(request, Role.RESIDENT)
    body = parse_body(request, SurveyIn)
    container.satisfaction_survey.answer(principal, consultation_id, body.rating, body.comment or None)
    return json_response({"status": "thank_you"}, 201, private=True)

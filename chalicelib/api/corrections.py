"""Correcting a submitted request: ``PATCH /api/consultations/{id}`` by its owner
(see services/corrections.py).

Owner only: anyone else, whatever their role, gets the 404 an unknown id gets. Once an attorney is
offered or has the request, or it is closed, 409 ``not_correctable``; changed meanwhile, 409
``changed_meanwhile``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from chalicelib.api import consultations as consultation_routes
from chalicelib.api import path_ids
from chalicelib.api.consultations import (
    CityText,
    ConsultationOut,
    DescriptionText,
    EmailText,
    EmployerText,
    NameText,
    PhoneText,
)
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.fields import email_address, korean_phone, one_line, plain_text
from chalicelib.api.guard import current_principal
from chalicelib.api.http import json_response, parse_body
from chalicelib.composition import Container
from chalicelib.domain.corrections import Correction

bp = ApiBlueprint(__name__)

class CorrectionRequest(BaseModel):
    """The details to correct; at least one. Leave a field out to keep it; send "" to remove the
    e-mail, employer name or employer city. Category, region, mode, method, dates and pay are not
    corrected here (a different case is a new request)."""

    model_config = ConfigDict(extra="forbid")

    name: NameText | None = None
    phone: PhoneText | None = Field(None, description="A Korean phone number, e.g. 010-1234-5678.")
    email: EmailText | None = None
    employer_name: EmployerText | None = None
    employer_city: CityText | None = None
    description: DescriptionText | None = Field(None, description="20 to 4,000 characters.")

    @field_validator("name", "employer_name", "employer_city")
    @classmethod
    def _single_line(cls, value: str | None) -> str | None:
        return None if value is None else one_line(value)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return None if value is None else plain_text(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else korean_phone(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return value
        return email_address(value, ", or send an empty value to remove it")

    @model_validator(mode="after")
    def _something(self) -> CorrectionRequest:
        if all(getattr(self, f) is None for f in type(self).model_fields):
            raise PydanticCustomError("nothing_to_correct", "Send at least one field to correct.")
        if self.name is not None and not self.name:
            raise PydanticCustomError("name_required", "Your name cannot be empty.")
        return self

    def to_correction(self) -> Correction:
        return Correction(name=self.name, phone=self.phone, email=self.email, employer_name=self.employer_name,
                          employer_city=self.employer_city, description=self.description)


@operation(bp, "PATCH", "/api/consultations/{consultation_id}", "Correct a submitted request's details "
           "(owner only, while no attorney is offered it or has it); 409 afterwards",
           tags=("consultations",), request=CorrectionRequest, responses={200: ConsultationOut},
           auth=True, errors=(404, 409, 503))
def correct_consultation(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    principal = current_principal(request)
    path_ids.consultation_id(consultation_id)
    body = parse_body(request, CorrectionRequest)
    view = container.corrections.correct(principal, consultation_id, body.to_correction())
    return json_response(consultation_routes._out(view, container.calendar), private=True)

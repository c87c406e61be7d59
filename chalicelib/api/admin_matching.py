"""Admin routes for matching: manual reassignment with a reason, deactivating an attorney.

A deactivated attorney's open real-time offers are withdrawn and move on to
the next attorney; their duty ends. A reassignment records the admin's reason
with the assignment (``matching.manual_assignment``) and moves the load.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import client_of, require_role
from chalicelib.api.http import json_response, parse_body
from chalicelib.composition import Container
from chalicelib.domain.identity import Role
from chalicelib.domain.offers import UnknownAttorneyError

bp = ApiBlueprint(__name__)




class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attorney_id: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    reason: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=3, max_length=300)] = \
        Field(description="Why (kept with the assignment; no personal data).")


class ReassignOut(BaseModel):
    consultation_id: str
    attorney_id: str
    reason: dict[str, object]


class AttorneyPatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: StrictBool = Field(description="false: the attorney leaves the roster at once (sessions ended, "
                                           "open offers move on); true: back on the roster, off duty.")


class AttorneyStateOut(BaseModel):
    attorney_id: str
    active: bool
    on_duty: bool
    sessions_ended: int = Field(0, description="How many sessions of the attorney's linked accounts ended.")
    bookings_handed_back: int = Field(0, description="Upcoming reservations given back to their residents.")


@operation(bp, "POST", "/api/admin/consultations/{consultation_id}/reassign", "Assign a consultation to a "
           "named attorney, with a reason (admins)", tags=("matching", "admin"), request=ReassignIn,
           responses={200: ReassignOut}, auth=True, errors=(403, 404, 409, 415))
def reassign(consultation_id: str, *, container: Container) -> object:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    path_ids.consultation_id(consultation_id)
    body = parse_body(request, ReassignIn)
    assignment = container.realtime_queue.reassign(consultation_id, body.attorney_id, body.reason)
    return json_response(ReassignOut(consultation_id=consultation_id, attorney_id=assignment.attorney_id,
                                     reason=assignment.reason.as_dict()), private=True)


@operation(bp, "PATCH", "/api/admin/attorneys/{attorney_id}", "Deactivate an attorney (admins): their "
           "sessions end at once, the role is no longer granted, duty ends, open offers move on; or "
           "reactivate one (their linked accounts get the role at their next sign-in)",
           tags=("matching", "admin"), request=AttorneyPatchIn,
           responses={200: AttorneyStateOut}, auth=True, errors=(403, 404, 415, 422))
def patch_attorney(attorney_id: str, *, container: Container) -> object:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    path_ids.attorney_id(attorney_id, missing=UnknownAttorneyError)
    body = parse_body(request, AttorneyPatchIn)
    staff = container.staff_access
    change = (staff.reactivate if body.active else staff.deactivate)(admin, attorney_id, client_of(request))
    attorney = change.attorney
    return json_response(AttorneyStateOut(attorney_id=attorney.id, active=attorney.active,
                                          on_duty=attorney.on_duty, sessions_ended=change.sessions_ended,
                                          bookings_handed_back=change.bookings_handed_back),
                         private=True)

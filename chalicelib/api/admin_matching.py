"""Admin routes for matching: manual reassignment with a reason, deactivating an attorney.

A deactivated attorney's open real-time offers are withdrawn and move on to
the next attorney; their duty ends. A reassignment records the admin's reason
with the assignment (``matching.manual_assignment``) and moves the load.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from chalicelib.api.errors import ApiBlueprint, map_error
from chalicelib.api.guard import client_of, require_role
from chalicelib.api.http import json_response, parse_body
from chalicelib.api.openapi import spec
from chalicelib.composition import get_container
from chalicelib.domain.consultations import ConsultationNotFoundError
from chalicelib.domain.identity import Role
from chalicelib.domain.matching import NotAssignableError
from chalicelib.domain.offers import UnknownAttorneyError
from chalicelib.services import access_log

bp = ApiBlueprint(__name__)

map_error(NotAssignableError, 409, "not_assignable")
map_error(UnknownAttorneyError, 404, "not_found")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ATTORNEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


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

    active: StrictBool = Field(description="false: the attorney leaves the roster; their open offers move on. "
                                           "true: a deactivated attorney comes back, off duty.")


class AttorneyStateOut(BaseModel):
    attorney_id: str
    active: bool
    on_duty: bool


@spec.operation("POST", "/api/admin/consultations/{consultation_id}/reassign", "Assign a consultation to a "
                "named attorney, with a reason (admins)", tags=("matching", "admin"), request=ReassignIn,
                responses={200: ReassignOut}, auth=True, errors=(403, 404, 409, 415))
@bp.route("/api/admin/consultations/{consultation_id}/reassign", methods=["POST"])
def reassign(consultation_id: str) -> object:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    if not _UUID.match(consultation_id):
        raise ConsultationNotFoundError()
    body = parse_body(request, ReassignIn)
    assignment = get_container().realtime.reassign(consultation_id, body.attorney_id, body.reason)
    return json_response(ReassignOut(consultation_id=consultation_id, attorney_id=assignment.attorney_id,
                                     reason=assignment.reason.as_dict()), private=True)


@spec.operation("PATCH", "/api/admin/attorneys/{attorney_id}", "Deactivate an attorney (admins): duty ends, "
                "open offers move on; active=true brings a deactivated one back (undo)",
                tags=("matching", "admin"), request=AttorneyPatchIn, responses={200: AttorneyStateOut}, auth=True, errors=(403, 404, 415, 422))
@bp.route("/api/admin/attorneys/{attorney_id}", methods=["PATCH"])
def patch_attorney(attorney_id: str) -> object:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN)
    if not _ATTORNEY_ID.match(attorney_id):
        raise UnknownAttorneyError()
    body = parse_body(request, AttorneyPatchIn)
    container = get_container()
    if body.active:  # the undo of a deactivation: same profile, accounts and contact details
        from chalicelib.services import roster

        attorney = roster.reactivate(container.attorneys, attorney_id, container.clock())
        access_log.record_rights_change(container.audit, admin, attorney_id=attorney.id,
                                        action="attorney_reactivated", ip=client_of(request).ip,
                                        now=container.clock())
    else:
        attorney = container.realtime.deactivate(attorney_id)
        access_log.record_rights_change(container.audit, admin, attorney_id=attorney.id,
                                        action="attorney_deactivated", ip=client_of(request).ip,
                                        now=container.clock())
    return json_response(AttorneyStateOut(attorney_id=attorney.id, active=attorney.active,
                                          on_duty=attorney.on_duty), private=True)

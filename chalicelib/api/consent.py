"""The consent text shown with the intake form (public): purpose, items, retention."""

from __future__ import annotations

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.http import json_response
from chalicelib.composition import Container
from chalicelib.services import intake

bp = ApiBlueprint(__name__)


@operation(bp, "GET", "/api/consent", "What a resident consents to when submitting a consultation "
           "(PIPA arts. 15 and 23)", tags=("consultations",), responses={200: intake.PrivacyNotice})
def consent(*, container: Container) -> object:
    notice = container.policy_documents.privacy_notice()
    return json_response(notice, headers={"Cache-Control": "public, max-age=300"})

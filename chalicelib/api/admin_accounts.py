"""Admin: the sign-in accounts linked to an attorney profile, and unlinking one of them.

- ``GET /api/admin/attorneys/{attorney_id}/accounts``: each linked Kakao/Naver account by its
  reference (a keyed hash: no provider id in a URL or on a page), provider and last sign-in.
- ``DELETE /api/admin/attorneys/{attorney_id}/accounts/{account}``: that account loses the
  attorney role and every session at once (a fresh second factor: step-up); logged as a rights
  change. The profile and its other accounts are untouched; a new invite links an account again.
"""

from __future__ import annotations

import re

from chalice.app import Response
from pydantic import BaseModel, Field

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.guard import client_of, require_role
from chalicelib.api.http import json_response
from chalicelib.api.me import local_time
from chalicelib.composition import Container
from chalicelib.domain.identity import Role
from chalicelib.domain.offers import UnknownAttorneyError
from chalicelib.services.staff_access import UnknownLinkedAccountError

bp = ApiBlueprint(__name__)

_ACCOUNT_REF = re.compile(r"^[0-9a-f]{24}$")


class LinkedAccountOut(BaseModel):
    account: str = Field(description="The account's reference (24 hex digits; not its provider id)")
    provider: str = Field(description="kakao or naver")
    last_sign_in_at: str | None = Field(description="The account's last sign-in (null: none recorded)")


class LinkedAccountsOut(BaseModel):
    attorney_id: str
    items: list[LinkedAccountOut]


class UnlinkedOut(BaseModel):
    attorney_id: str
    account: str
    status: str = "unlinked"
    sessions_ended: int = Field(description="Sessions of the account that ended now")
    accounts_left: int = Field(description="Accounts still linked to the profile")


def _attorney_id(attorney_id: str) -> str:
    path_ids.attorney_id(attorney_id, missing=UnknownAttorneyError)
    return attorney_id


@operation(bp, "GET", "/api/admin/attorneys/{attorney_id}/accounts", "The sign-in accounts linked to an "
           "attorney profile, most recently used first (admins)", tags=("admin",),
           responses={200: LinkedAccountsOut}, auth=True, errors=(403, 404))
def linked_accounts(attorney_id: str, *, container: Container) -> Response:
    require_role(bp.current_request, Role.ADMIN)
    accounts = container.staff_access.accounts(_attorney_id(attorney_id))
    items = [LinkedAccountOut(account=a.ref, provider=a.provider.value,
                              last_sign_in_at=local_time(a.last_sign_in_at) if a.last_sign_in_at else None)
             for a in accounts]
    return json_response(LinkedAccountsOut(attorney_id=attorney_id, items=items), private=True)


@operation(bp, "DELETE", "/api/admin/attorneys/{attorney_id}/accounts/{account}", "Unlink one sign-in "
           "account from an attorney profile: it loses the attorney role and its sessions end at once "
           "(admins, with a fresh second factor; logged)", tags=("admin",), responses={200: UnlinkedOut},
           auth=True, errors=(401, 403, 404))
def unlink_account(attorney_id: str, account: str, *, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    _attorney_id(attorney_id)
    if not _ACCOUNT_REF.match(account):
        raise UnknownLinkedAccountError()
    done = container.staff_access.unlink(admin, attorney_id, account, client_of(request))
    return json_response(UnlinkedOut(attorney_id=attorney_id, account=account, sessions_ended=done.sessions_ended,
                                     accounts_left=done.accounts_left), private=True)

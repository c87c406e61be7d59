"""Admin: the attorney roster, ``/api/admin/attorneys`` and everything under one attorney's id.

- the roster with this year's load, adding an attorney, changing one, deactivating or reactivating one;
- invite codes that link the profile to an account, the linked sign-in accounts and unlinking one,
  resetting the second factor;
- the attorney's availability, and sending them e-mail again once their address was checked.

Thin adapters: authenticate (admins only), validate, call one service, shape the response. The roster
list carries no contact details: those are sealed and written once, when the attorney is added.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Literal

from chalice.app import Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator

from chalicelib.api import path_ids
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.fields import email_address, known_codes, korean_phone, one_line
from chalicelib.api.guard import client_of, require_role
from chalicelib.api.http import json_response, parse_body
from chalicelib.api.me import local_time
from chalicelib.api.reservations import AvailabilityModel, availability_response, replace_availability
from chalicelib.composition import Container
from chalicelib.domain import languages as language_list
from chalicelib.domain.attorneys import KOREAN, MAX_COVERAGE_PAIRS, Attorney, AttorneyContact, InvalidAttorneyError
from chalicelib.domain.bookings import AttorneyNotFoundError
from chalicelib.domain.categories import CATEGORIES, is_category
from chalicelib.domain.identity import Role
from chalicelib.domain.offers import UnknownAttorneyError
from chalicelib.domain.regions import REGIONS, is_region
from chalicelib.services import email_health, roster
from chalicelib.services.staff_access import UnknownLinkedAccountError

bp = ApiBlueprint(__name__)


class RosterItem(BaseModel):
    id: str
    display_name: str
    categories: list[str]
    regions: list[str]
    active: bool
    on_duty: bool
    annual_cap: int = Field(description="The attorney's own cap, else the programme's.")
    own_annual_cap: bool = Field(description="true when the attorney has a cap of their own.")
    load_this_year: int = Field(description="Consultations assigned this calendar year.")
    languages: list[str] = Field(description="Languages the attorney consults in besides Korean (codes of "
                                             "GET /api/meta languages).")


class RosterPage(BaseModel):
    items: list[RosterItem]


class AttorneyChange(BaseModel):
    """What an attorney serves, their name and cap (contact details are not changed here)."""

    model_config = ConfigDict(extra="forbid")

    display_name: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1,
                                                   max_length=40), AfterValidator(one_line)] = Field(
        description="The name residents see, e.g. '김민준 노무사'.")
    categories: list[str] = Field(min_length=1, max_length=len(CATEGORIES),
                                  json_schema_extra={"items": {"enum": [c.code for c in CATEGORIES]}})
    regions: list[str] = Field(min_length=1, max_length=len(REGIONS),
                               json_schema_extra={"items": {"enum": [r.code for r in REGIONS]}})
    annual_cap: int | None = Field(None, ge=1, le=500, description="Leave out (or null) for the programme's cap.")
    languages: list[str] | None = Field(
        None, max_length=len(language_list.CODES),
        description="Languages the attorney consults in besides Korean, e.g. [\"vi\", \"zh\"]; leave out to "
                    "keep them as they are (a new attorney: Korean only).",
        json_schema_extra={"items": {"enum": list(language_list.CODES)}})

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        return known_codes(value, is_category, "unknown_category",
                           "Unknown category codes: {codes}. Use the codes of GET /api/meta.")

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        return known_codes(value, is_region, "unknown_region",
                           "Unknown region codes: {codes}. Use the 31 codes of GET /api/meta.")

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        codes = known_codes(value, language_list.is_supported, "unknown_language",
                            "Unknown language codes: {codes}. Use the codes of GET /api/meta languages.")
        return sorted(set(codes) - KOREAN)

    def check_coverage(self) -> None:
        if len(self.categories) * len(self.regions) > MAX_COVERAGE_PAIRS:
            raise InvalidAttorneyError("too_many_pairs", max_pairs=MAX_COVERAGE_PAIRS,
                                       pairs=len(self.categories) * len(self.regions))


class NewAttorney(AttorneyChange):
    """A new attorney (or a deactivated one brought back under the same id)."""

    id: Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = Field(
        None, description="Leave out to get a new id (att-xxxxxxxx).")
    phone: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=4, max_length=30),
                     AfterValidator(korean_phone)] = Field(description="A Korean phone number; stored sealed as E.164.")
    email: Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=3, max_length=254),
                     AfterValidator(email_address)] = Field(
        description="Where offer and booking alerts go (a link and a time, never personal data).")
    email_language: Literal["ko", "en"] = Field("ko", description="The language of the attorney's e-mail alerts.")
    alert_channel: Literal["alimtalk", "sms", "email"] = Field(
        "alimtalk", description="How alerts reach the attorney's phone besides e-mail: KakaoTalk 알림톡 "
                                "(SMS when it fails), plain SMS, or e-mail only.")

    def to_attorney(self) -> Attorney:
        self.check_coverage()
        return Attorney(id=self.id or f"att-{secrets.token_hex(4)}", display_name=self.display_name,
                        categories=frozenset(self.categories), regions=frozenset(self.regions),
                        annual_cap=self.annual_cap, active=True, on_duty=False,
                        languages=frozenset(self.languages or ()))


def _attorney_id(attorney_id: str) -> str:
    """The path's attorney id; any other shape is an unknown attorney (404, before any store is read)."""
    path_ids.attorney_id(attorney_id, missing=UnknownAttorneyError)
    return attorney_id


def _item(entry: roster.RosterEntry) -> RosterItem:
    a = entry.attorney
    return RosterItem(id=a.id, display_name=a.display_name, categories=sorted(a.categories),
                      regions=sorted(a.regions), active=a.active, on_duty=a.on_duty, annual_cap=entry.annual_cap,
                      own_annual_cap=a.annual_cap is not None, load_this_year=entry.load_this_year,
                      languages=sorted(a.languages))


@operation(bp, "GET", "/api/admin/attorneys", "The roster with this year's load (admins; no contact details)",
           tags=("admin",), responses={200: RosterPage}, auth=True, errors=(403,))
def list_attorneys(*, container: Container) -> Response:
    require_role(bp.current_request, Role.ADMIN)
    entries = container.roster.entries()
    return json_response(RosterPage(items=[_item(e) for e in entries]), private=True)


@operation(bp, "POST", "/api/admin/attorneys", "Add an attorney to the roster, or bring a deactivated one "
           "back (admins); contact details are stored sealed", tags=("admin",), request=NewAttorney,
           responses={201: RosterItem}, auth=True, errors=(403, 409, 413, 415, 422))
def add_attorney(*, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    body = parse_body(request, NewAttorney)
    entry = container.roster.add(admin, body.to_attorney(),
                                 AttorneyContact(phone=body.phone, email=body.email, language=body.email_language,
                                                 alert_channel=body.alert_channel), client_of(request).ip)
    return json_response(_item(entry), 201, private=True,
                         headers={"Location": f"/api/admin/attorneys/{entry.attorney.id}"})


@operation(bp, "PUT", "/api/admin/attorneys/{attorney_id}", "Change an attorney's name, categories, regions, "
           "annual cap and languages (admins)", tags=("admin",), request=AttorneyChange,
           responses={200: RosterItem},
           auth=True, errors=(403, 404, 413, 415, 422))
def change_attorney(attorney_id: str, *, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    path_ids.attorney_id(attorney_id, missing=roster.UnknownAttorneyProfileError)
    body = parse_body(request, AttorneyChange)
    body.check_coverage()
    entry = container.roster.edit(admin, attorney_id, display_name=body.display_name,
                                  categories=frozenset(body.categories), regions=frozenset(body.regions),
                                  annual_cap=body.annual_cap,
                                  languages=frozenset(body.languages) if body.languages is not None else None,
                                  ip=client_of(request).ip)
    return json_response(_item(entry), private=True)


# --- deactivating and reactivating ----------------------------------------------------------------

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


@operation(bp, "PATCH", "/api/admin/attorneys/{attorney_id}", "Deactivate an attorney (admins): their "
           "sessions end at once, the role is no longer granted, duty ends, open offers move on; or "
           "reactivate one (their linked accounts get the role at their next sign-in)",
           tags=("matching", "admin"), request=AttorneyPatchIn,
           responses={200: AttorneyStateOut}, auth=True, errors=(403, 404, 415, 422))
def patch_attorney(attorney_id: str, *, container: Container) -> object:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    _attorney_id(attorney_id)
    body = parse_body(request, AttorneyPatchIn)
    staff = container.staff_access
    change = (staff.reactivate if body.active else staff.deactivate)(admin, attorney_id, client_of(request))
    attorney = change.attorney
    return json_response(AttorneyStateOut(attorney_id=attorney.id, active=attorney.active,
                                          on_duty=attorney.on_duty, sessions_ended=change.sessions_ended,
                                          bookings_handed_back=change.bookings_handed_back),
                         private=True)


# --- invites and linked sign-in accounts ----------------------------------------------------------

class InviteView(BaseModel):
    code: str = Field(description="Shown once: give it to the attorney, who redeems it after signing in")
    attorney_id: str
    expires_at: str


@operation(bp, "POST", "/api/admin/attorneys/{attorney_id}/invites",
           "A one-time invite code linking this attorney profile to the account that redeems it",
           tags=("admin",), responses={201: InviteView}, auth=True, errors=(403, 404))
def create_invite(attorney_id: str, *, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    invite = container.accounts.invite_attorney(admin, attorney_id, client_of(request))
    return json_response(InviteView(code=invite.code, attorney_id=invite.attorney_id,
                                    expires_at=local_time(invite.expires_at)), 201, private=True)


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


class FactorResetOut(BaseModel):
    attorney_id: str
    factors_removed: int


@operation(bp, "DELETE", "/api/admin/attorneys/{attorney_id}/second-factor", "Reset an attorney's second "
           "factor (a lost phone): their sessions end and they set it up again at their next sign-in "
           "(admins; logged)", tags=("admin",), responses={200: FactorResetOut}, auth=True,
           errors=(403, 404))
def reset_second_factor(attorney_id: str, *, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN, step_up=True)
    _attorney_id(attorney_id)
    removed = container.second_factor.reset(admin, attorney_id, client_of(request))
    return json_response(FactorResetOut(attorney_id=attorney_id, factors_removed=removed), private=True)


# --- availability and e-mail ----------------------------------------------------------------------

@operation(bp, "GET", "/api/admin/attorneys/{attorney_id}/availability", "An attorney's availability (admins)",
           tags=("reservations", "admin"), responses={200: AvailabilityModel}, auth=True, errors=(403, 404))
def get_attorney_availability(attorney_id: str, *, container: Container) -> object:
    require_role(bp.current_request, Role.ADMIN)
    return availability_response(container, path_ids.attorney_id(attorney_id, missing=AttorneyNotFoundError))


@operation(bp, "PUT", "/api/admin/attorneys/{attorney_id}/availability", "Replace an attorney's availability "
           "(admins)", tags=("reservations", "admin"), request=AvailabilityModel,
           responses={200: AvailabilityModel}, auth=True, errors=(403, 404, 413, 415, 422))
def put_attorney_availability(attorney_id: str, *, container: Container) -> object:
    request = bp.current_request
    require_role(request, Role.ADMIN)
    return replace_availability(container, path_ids.attorney_id(attorney_id, missing=AttorneyNotFoundError),
                                request)


class EmailClearedOut(BaseModel):
    attorney_id: str
    cleared: bool = Field(description="false when the attorney's e-mail was not marked as failing")


@operation(bp, "POST", "/api/admin/attorneys/{attorney_id}/email-clear", "Send e-mail to an attorney again "
           "after their address was checked (admins)", tags=("admin",),
           responses={200: EmailClearedOut}, auth=True, errors=(403, 404))
def clear_email(attorney_id: str, *, container: Container) -> Response:
    request = bp.current_request
    admin = require_role(request, Role.ADMIN)
    path_ids.attorney_id(attorney_id, missing=email_health.UnknownAttorneyForEmailError)
    cleared = container.email_failures.clear(admin, attorney_id, client_of(request).ip)
    return json_response(EmailClearedOut(attorney_id=attorney_id, cleared=cleared), private=True)

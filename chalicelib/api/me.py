"""The signed-in person's own account: ``/api/me``, the login history, leaving,
and redeeming an attorney invite code."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.endpoint import current_container, operation
from chalicelib.api.errors import ApiBlueprint, TooManyRequestsError
from chalicelib.api.guard import bearer_token, client_of, cookie_names, cookies, current_principal, require_step_up
from chalicelib.api.http import json_response, parse_body, parse_query
from chalicelib.composition import Container
from chalicelib.domain import languages
from chalicelib.domain.login import LoginThrottledError
from chalicelib.web.html import LANG_COOKIE_MAX_AGE

bp = ApiBlueprint(__name__)


def local_time(moment: datetime) -> str:
    """ISO 8601 with the programme's offset (``+09:00``)."""
    return moment.astimezone(ZoneInfo(current_container().settings.policy.timezone)).isoformat(timespec="seconds")


class LanguageChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: Literal[languages.CODES] = Field(  # type: ignore[valid-type]
        description="A code of GET /api/meta languages; your pages follow it on every device.")


class LanguageSet(BaseModel):
    language: str


class MeView(BaseModel):
    id: str = Field(description="kakao:<id> or naver:<id>")
    role: str = Field(description="resident, attorney or admin")
    provider: str
    attorney_id: str | None = None
    name: str | None = Field(None, description="As the provider gave it; used to fill in forms")
    phone: str | None = None
    language: str | None = Field(None, description="The language you chose for your account, if any")


class LoginEntry(BaseModel):
    at: str
    provider: str
    result: str
    reason: str
    ip: str
    user_agent: str


class LoginHistoryView(BaseModel):
    items: list[LoginEntry]


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200)


class Left(BaseModel):
    status: str
    sessions_ended: int
    provider_disconnected: bool = Field(description="Maeul was disconnected from your Kakao account; false "
                                                    "(Naver, or Kakao did not answer): remove Maeul in your "
                                                    "account's connected services yourself.")


class InviteRedemption(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64, description="The invite code, e.g. ABCD-EFGH-JKMN-PQRS")


class AttorneyLinked(BaseModel):
    attorney_id: str
    role: str
    access_token: str | None = Field(None, description="Only for Bearer clients; browsers get the cookie")
    expires_in: int


@operation(bp, "GET", "/api/me", "Who is signed in", tags=("me",), responses={200: MeView}, auth=True)
def me(*, container: Container) -> Response:
    principal = current_principal(bp.current_request)
    accounts = container.accounts
    view = accounts.me(principal)
    return json_response(MeView(id=view.id, role=view.role.value, provider=view.provider.value,
                                attorney_id=view.attorney_id, name=view.name, phone=view.phone,
                                language=accounts.language(principal)), private=True)


@operation(bp, "PUT", "/api/me/language", "Choose my language: my pages follow it on every device "
           "(it wins over the lang cookie and Accept-Language)", tags=("me",), request=LanguageChoice,
           responses={200: LanguageSet}, auth=True, errors=(404, 413, 415))
def choose_language(*, container: Container) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    body = parse_body(request, LanguageChoice)
    chosen = container.accounts.set_language(principal, body.language)
    cookie = f"lang={chosen}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE}; SameSite=Lax"
    return json_response(LanguageSet(language=chosen), private=True, headers={"Set-Cookie": cookie})


@operation(bp, "GET", "/api/me/logins", "My login history, newest first", tags=("me",), query=HistoryQuery,
           responses={200: LoginHistoryView}, auth=True)
def my_logins(*, container: Container) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    query = parse_query(request, HistoryQuery)
    events = container.accounts.logins(principal, query.limit)
    items = [LoginEntry(at=local_time(e.at), provider=e.provider, result=e.result.value, reason=e.reason,
                        ip=e.ip, user_agent=e.user_agent) for e in events]
    return json_response(LoginHistoryView(items=items), private=True)


@operation(bp, "DELETE", "/api/me", "Leave: erase my personal data and end all my sessions", tags=("me",),
           responses={200: Left}, auth=True, errors=(403,))
def leave(*, container: Container) -> Response:
    request = bp.current_request
    principal = require_step_up(current_principal(request))
    left = container.accounts.leave(principal.subject, client_of(request), principal.provider.value)
    return json_response(Left(status="deleted", sessions_ended=left.sessions_ended,
                              provider_disconnected=left.provider_disconnected), private=True,
                         headers={"Set-Cookie": cookie_names().cleared()})


@operation(bp, "POST", "/api/me/attorney-link", "Link my account to an attorney profile with an invite code",
           tags=("me",), request=InviteRedemption, responses={200: AttorneyLinked}, auth=True,
           errors=(403, 429))
def redeem_invite(*, container: Container) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    body = parse_body(request, InviteRedemption)
    try:
        attorney_id, tokens = container.accounts.redeem_invite(principal, body.code, client_of(request))
    except LoginThrottledError as exc:
        raise TooManyRequestsError(exc.message, code="too_many_attempts",
                                   headers={"Retry-After": str(exc.retry_after_seconds)}) from None
    now = container.clock()
    bearer = bearer_token(request) is not None
    names = cookie_names()
    headers = {} if bearer else {"Set-Cookie": names.session_cookies(
        tokens, now, csrf=cookies(request).get(names.csrf), with_refresh=False)}
    return json_response(AttorneyLinked(attorney_id=attorney_id,
                                        role=tokens.role.value, access_token=tokens.access_token if bearer else None,
                                        expires_in=int((tokens.access_expires_at - now).total_seconds())),
                         private=True, headers=headers)

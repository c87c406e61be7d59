"""Sign-in, refresh, logout, and Kakao's unlink callback (CONTRACT.md "Sessions").

Thin adapters over ``services/login.py``, ``services/sessions.py`` and
``services/accounts.py``. A failed sign-in is answered with a short page for
browsers (``Accept: text/html``) and the API's JSON error otherwise; either
way nothing is set but the cleared cookies, and the attempt is already in the
login history.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from chalice.app import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api import session_cookies as sc
from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint, TooManyRequestsError, UnauthorizedError, error_response
from chalicelib.api.guard import bearer_token, check_csrf, client_of, cookie_names, cookies, current_principal
from chalicelib.api.http import json_response, load_json, parse_body, parse_query
from chalicelib.composition import Container
from chalicelib.domain.login import (
    LoginError,
    LoginStateError,
    LoginThrottledError,
    ProviderDeniedError,
    ProviderError,
    UnknownProviderError,
    UnsafeNextError,
    home_path,
)
from chalicelib.domain.second_factor import is_staff
from chalicelib.domain.sessions import RefreshError, Tokens

bp = ApiBlueprint(__name__)
UNLINK_CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json"]


NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

# exception kind -> (status, code, page message key)
_FAILURES: list[tuple[type[LoginError], int, str, str]] = [
    (UnknownProviderError, 404, "unknown_provider", "signin.error.provider"),
    (UnsafeNextError, 400, "unsafe_next", "signin.error.next"),
    (LoginStateError, 400, "invalid_state", "signin.error.state"),
    (ProviderDeniedError, 400, "login_cancelled", "signin.error.cancelled"),
    (ProviderError, 502, "provider_error", "signin.error.provider"),
    (LoginThrottledError, 429, "too_many_attempts", "signin.error.throttled"),
]


class LoginQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    next: str | None = Field(None, description="A path on this site to return to, e.g. /consultations/new")
    login_hint: str | None = Field(None, description="Local stage only: the dev identity provider's account")


class CallbackQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str | None = None
    state: str | None = None
    error: str | None = None
    error_description: str | None = None


class RefreshBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=256)


class RefreshedTokens(BaseModel):
    token_type: str = "Bearer"
    expires_in: int
    role: str
    access_token: str | None = Field(None, description="Only when the refresh token came in the body")
    refresh_token: str | None = Field(None, description="Only when the refresh token came in the body")


class SignedOut(BaseModel):
    status: str


class UnlinkFields(BaseModel):
    """Kakao's unlink callback fields (in the query string when Kakao is set to call with GET)."""

    model_config = ConfigDict(extra="ignore")

    app_id: str | None = None
    user_id: str | None = None
    referrer_type: str | None = None


def _wants_html(request: Request) -> bool:
    return "text/html" in (request.headers.get("accept") or "")


def _failure(request: Request, exc: LoginError, phone: str) -> Response:
    status, code, key = 400, "login_failed", "signin.error.state"
    for kind, kind_status, kind_code, kind_key in _FAILURES:
        if isinstance(exc, kind):
            status, code, key = kind_status, kind_code, kind_key
            break
    headers = dict(NO_STORE)
    if isinstance(exc, LoginThrottledError):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if _wants_html(request):
        from chalicelib.web.html import html_page

        response = html_page(request, "signin_error.html", status=status, message_key=key)
        response.headers.update(headers)
        return response
    return error_response(status, code, exc.message.replace("{phone}", phone), headers=headers)


def _redirect(location: str, set_cookies: list[str]) -> Response:
    return Response(body="", status_code=302, headers={"Location": location, "Set-Cookie": set_cookies,
                                                       **NO_STORE})


@operation(bp, "GET", "/auth/{provider}/login", "Start signing in with Kakao or Naver (302 to the provider)",
           tags=("auth",), query=LoginQuery, responses={302: None}, errors=(404, 429, 502))
def login(provider: str, *, container: Container) -> Response:
    request = bp.current_request
    query = parse_query(request, LoginQuery)
    try:
        start = container.login.begin(provider, query.next, client_of(request), query.login_hint)
    except LoginError as exc:
        return _failure(request, exc, container.settings.policy.fallback_phone)
    login_cookie = cookie_names().login_cookie(start.login_cookie, start.cookie_max_age)
    return _redirect(start.authorize_url, [login_cookie])


@operation(bp, "GET", "/auth/{provider}/callback",
           "The provider's redirect: sets the session cookies and returns to `next` (302)",
           tags=("auth",), query=CallbackQuery, responses={302: None}, errors=(404, 429, 502))
def callback(provider: str, *, container: Container) -> Response:
    request = bp.current_request
    params = {k: v for k, v in (request.query_params or {}).items() if isinstance(v, str)}
    names = cookie_names()
    try:
        signed_in = container.login.complete(provider, params, sc.read(request, names.login),
                                             client_of(request))
    except LoginError as exc:
        return _failure(request, exc, container.settings.policy.fallback_phone)
    jar = [*names.session_cookies(signed_in.tokens, container.clock()), names.login_cleared()]
    # A staff session is pending until the second factor (CONTRACT "staff second factor"). Their
    # home (where a sign-in without ``next`` ends, CONTRACT "landing after sign-in") sends them to
    # /second-factor itself; any other page is reached through it.
    target = signed_in.next_path
    if is_staff(signed_in.tokens.role) and target != home_path(signed_in.tokens.role):
        target = "/second-factor?" + urlencode({"next": target})
    return _redirect(target, jar)


def _refresh_token_of(request: Request) -> tuple[str | None, bool]:
    """(token, from_body). A cookie-borne token needs the CSRF header, like any cookie request."""
    if request.raw_body:
        return parse_body(request, RefreshBody).refresh_token, True
    token = sc.read(request, cookie_names().refresh)
    if token is not None:
        check_csrf(request)
    return token, False


def _token_body(tokens: Tokens, now: datetime, from_body: bool) -> RefreshedTokens:
    return RefreshedTokens(expires_in=int((tokens.access_expires_at - now).total_seconds()), role=tokens.role.value,
                           access_token=tokens.access_token if from_body else None,
                           refresh_token=tokens.refresh_token if from_body else None)


@operation(bp, "POST", "/auth/refresh",
           "New access token for a refresh token (rotated; reuse ends the session). Browsers send the "
           "`refresh` cookie with `X-CSRF-Token`; other clients send the body.",
           tags=("auth",), request=RefreshBody, responses={200: RefreshedTokens}, errors=(401, 403, 429))
def refresh(*, container: Container) -> Response:
    request = bp.current_request
    token, from_body = _refresh_token_of(request)
    if not token:
        raise UnauthorizedError("Please sign in first.", code="not_signed_in")
    try:
        tokens = container.sessions.refresh(token, client_of(request))
    except RefreshError as exc:
        headers = {} if from_body else {"Set-Cookie": cookie_names().cleared()}
        return error_response(401, "invalid_refresh", str(exc), headers=headers)
    except LoginThrottledError as exc:
        raise TooManyRequestsError(exc.message, code="too_many_attempts",
                                   headers={"Retry-After": str(exc.retry_after_seconds)}) from None
    now, names = container.clock(), cookie_names()
    headers = {} if from_body else {
        "Set-Cookie": names.session_cookies(tokens, now, csrf=cookies(request).get(names.csrf))}
    return json_response(_token_body(tokens, now, from_body), private=True, headers=headers)


@operation(bp, "POST", "/auth/logout", "End this session (its access and refresh tokens stop working)",
           tags=("auth",), responses={200: SignedOut}, errors=(401, 403))
def logout(*, container: Container) -> Response:
    request = bp.current_request
    client, names = client_of(request), cookie_names()
    ended = False
    if bearer_token(request) or sc.read(request, names.session):
        try:
            principal = current_principal(request, allow_pending=True)
        except UnauthorizedError:
            principal = None  # expired or revoked: fall back to the refresh token
        if principal is not None:
            container.sessions.end(principal.session_id, client)
            ended = True
    if not ended:
        token, _ = _refresh_token_of(request)
        if token is None and not (bearer_token(request) or sc.read(request, names.session)):
            raise UnauthorizedError("You are not signed in.", code="not_signed_in")
        if token:
            container.sessions.end_by_refresh(token, client)
    return json_response({"status": "signed_out"}, private=True,
                         headers={"Set-Cookie": names.cleared()})


@operation(bp, "POST", "/auth/kakao/unlink",
           "Kakao's unlink callback (`Authorization: KakaoAK <admin key>`, form fields `app_id`, "
           "`user_id`, `referrer_type`): the person's data is erased and their sessions ended",
           tags=("auth",), responses={200: SignedOut}, errors=(400, 401),
           headers=(("Authorization", True, "KakaoAK <admin key>"),), content_types=UNLINK_CONTENT_TYPES)
@operation(bp, "GET", "/auth/kakao/unlink", "Kakao's unlink callback, when Kakao is set to call with GET "
           "(the same fields in the query string)", tags=("auth",), query=UnlinkFields,
           responses={200: SignedOut}, errors=(400, 401),
           headers=(("Authorization", True, "KakaoAK <admin key>"),), content_types=UNLINK_CONTENT_TYPES)
def kakao_unlink(*, container: Container) -> Response:
    request = bp.current_request
    fields = {k: v for k, v in (request.query_params or {}).items() if isinstance(v, str)}
    raw = request.raw_body or b""
    if raw:
        if (request.headers.get("content-type") or "").startswith("application/json"):
            try:
                doc = load_json(raw)
            except (UnicodeDecodeError, ValueError):  # malformed or nested too deep: no fields
                doc = {}
            fields.update({k: str(v) for k, v in (doc.items() if isinstance(doc, dict) else [])})
        else:
            fields.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    container.accounts.kakao_unlinked(request.headers.get("authorization"), fields.get("user_id"),
                                            client_of(request))
    return json_response({"status": "unlinked"}, private=True)


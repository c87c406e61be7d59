"""Naver Login on its real paths (hosts nid.naver.com and openapi.naver.com).

``GET|POST /oauth2.0/authorize``  ``state`` is required
``GET|POST /oauth2.0/token``      ``authorization_code`` / ``refresh_token`` / ``delete``;
                                  errors come back with HTTP 200
``GET|POST /v1/nid/me``           ``Authorization: Bearer <access_token>``
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from . import accounts
from .avatar import avatar_url
from .config import NAVER
from .consent import Provider, authorize
from .faults import injectable
from .responses import bearer_token, no_store_json, same_secret
from .state import idp_state
from .store import naver_token

ACCESS_TTL = 3600
REFRESH_TTL = 365 * 24 * 3600

PROVIDER = Provider(
    name=NAVER,
    title_ko="네이버 로그인",
    title_en="Naver Login",
    brand="#03C75A",
    params=("client_id", "redirect_uri", "response_type", "state", "auth_type"),
    deny_description="Canceled By User",
    state_required=True,
)

bp = Blueprint("naver", __name__)


def _error(description: str) -> Response:
    # Naver answers token errors with HTTP 200.
    return no_store_json({"error": "invalid_request", "error_description": description})


@bp.route("/oauth2.0/authorize", methods=["GET", "POST"])
def naver_authorize() -> Response:
    return authorize(PROVIDER)


@bp.route("/oauth2.0/token", methods=["GET", "POST"])
@injectable("token")
def naver_token_endpoint() -> Response:
    state = idp_state()
    # Like Naver: parameters from the query string or the form body.
    params = request.values
    grant_type = params.get("grant_type")
    if grant_type not in ("authorization_code", "refresh_token", "delete"):
        return _error("unsupported grant_type")
    client = state.config.client_for(NAVER, params.get("client_id"))
    if client is None:
        return _error("invalid client_id")
    if not same_secret(params.get("client_secret"), client.client_secret):
        return _error("client authentication failed (client_secret)")

    if grant_type == "authorization_code":
        code, given_state = params.get("code"), params.get("state")
        if not code:
            return _error("code is required")
        if not given_state:
            return _error("state is required")
        grant = state.store.take_code(code, NAVER, client.client_id)
        # From here on the code is spent, whatever the outcome.
        if grant is None:
            return _error("no valid data in session")
        if given_state != grant.state:
            return _error("state does not match the authorization request")
        access, refresh = state.store.issue_tokens(naver_token, grant, ACCESS_TTL, REFRESH_TTL)
        return no_store_json({
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": str(ACCESS_TTL),
        })

    if grant_type == "refresh_token":
        info = state.store.find_refresh(params.get("refresh_token"), NAVER)
        if info is None or info.client_id != client.client_id:
            return _error("invalid refresh_token")
        access, _ = state.store.issue_tokens(naver_token, info, ACCESS_TTL)
        return no_store_json({"access_token": access, "token_type": "bearer", "expires_in": str(ACCESS_TTL)})

    # grant_type == "delete": disconnect the app, revoking its tokens.
    if params.get("service_provider") != "NAVER":
        return _error("service_provider must be NAVER")
    token = params.get("access_token")
    info = state.store.find_access(token, NAVER)
    if info is None or info.client_id != client.client_id:
        return _error("invalid access_token")
    state.store.unlink(NAVER, client.client_id, info.account)
    return no_store_json({"access_token": token, "result": "success"})


@bp.route("/v1/nid/me", methods=["GET", "POST"])
@injectable("userinfo")
def naver_me() -> Response:
    info = idp_state().store.find_access(bearer_token(), NAVER)
    if info is None:
        return no_store_json(
            {"resultcode": "024", "message": "Authentication failed (인증 실패하였습니다.)"}, 401
        )
    account = info.account
    return no_store_json({
        "resultcode": "00",
        "message": "success",
        "response": {
            "id": accounts.naver_id(account, info.client_id),
            "nickname": accounts.display_name(account),
            "name": accounts.display_name(account),
            "email": accounts.email(account),
            "gender": "U",
            "age": "30-39",
            "birthday": "01-01",
            "birthyear": "1990",
            "profile_image": avatar_url(account, 640),
            "mobile": accounts.phone_naver(account),
            "mobile_e164": accounts.phone_e164(account),
        },
    })

"""Kakao Login on its real paths (hosts kauth.kakao.com and kapi.kakao.com).

``GET|POST /oauth/authorize``  login page, or 302 straight back with ``login_hint``
``POST /oauth/token``          form-encoded; ``authorization_code`` / ``refresh_token``
``GET|POST /v2/user/me``       ``Authorization: Bearer <access_token>``
``POST /v1/user/logout``       revokes the access token
``POST /v1/user/unlink``       disconnects the app: Bearer, or the app's admin key (``KakaoAK``)
"""

from __future__ import annotations

import hashlib
import hmac
import re
from base64 import urlsafe_b64encode

from flask import Blueprint, Response, request

from . import accounts
from .avatar import avatar_url
from .config import KAKAO
from .consent import Provider, authorize
from .faults import injectable
from .responses import bearer_token, no_store_json, same_secret
from .state import idp_state
from .store import TokenInfo, kakao_token

ACCESS_TTL = 21599
REFRESH_TTL = 5183999
DEFAULT_SCOPE = "profile_nickname profile_image account_email name phone_number"

# RFC 7636: code_verifier is 43-128 characters of [A-Za-z0-9-._~].
_VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")

PROVIDER = Provider(
    name=KAKAO,
    title_ko="카카오 로그인",
    title_en="Kakao Login",
    brand="#FEE500",
    params=(
        "client_id", "redirect_uri", "response_type", "state", "scope", "prompt",
        "nonce", "code_challenge", "code_challenge_method",
    ),
    deny_description="User denied access",
    default_scope=DEFAULT_SCOPE,
    pkce_and_prompt=True,
)

bp = Blueprint("kakao", __name__)


def _error(error: str, description: str, code: str, status: int) -> Response:
    return no_store_json({"error": error, "error_description": description, "error_code": code}, status)


def _bad_token() -> Response:
    return no_store_json({"msg": "this access token does not exist", "code": -401}, 401)


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _verifier_problem(challenge: str | None, verifier: str | None) -> str | None:
    """What is wrong with the token request's ``code_verifier`` for the code's challenge, or None."""
    if challenge is None:
        if verifier:
            return "code_verifier given but the authorization request had no code_challenge"
        return None
    if not verifier or not _VERIFIER_RE.fullmatch(verifier):
        return "code_verifier does not match code_challenge"
    if not hmac.compare_digest(_s256(verifier), challenge):
        return "code_verifier does not match code_challenge"
    return None


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def kakao_authorize() -> Response:
    return authorize(PROVIDER)


@bp.post("/oauth/token")
@injectable("token")
def kakao_token_endpoint() -> Response:
    state = idp_state()
    # Kakao reads the form-encoded body only; parameters in the query
    # string or a JSON body are not seen.
    form = request.form
    grant_type = form.get("grant_type")
    if not grant_type:
        return _error("invalid_request", "grant_type is required", "KOE001", 400)
    if grant_type not in ("authorization_code", "refresh_token"):
        return _error("unsupported_grant_type", "unsupported grant_type", "KOE001", 400)
    client = state.config.client_for(KAKAO, form.get("client_id"))
    if client is None:
        return _error("invalid_client", "Not exist client_id", "KOE101", 401)
    if not same_secret(form.get("client_secret"), client.client_secret):
        return _error("invalid_client", "Bad client credentials", "KOE010", 401)

    if grant_type == "refresh_token":
        info = state.store.find_refresh(form.get("refresh_token"), KAKAO)
        if info is None or info.client_id != client.client_id:
            return _error("invalid_grant", "invalid refresh token", "KOE322", 400)
        access, _ = state.store.issue_tokens(kakao_token, info, ACCESS_TTL)
        return no_store_json({"token_type": "bearer", "access_token": access, "expires_in": ACCESS_TTL})

    code = form.get("code")
    if not code:
        return _error("invalid_request", "code is required", "KOE001", 400)
    grant = state.store.take_code(code, KAKAO, client.client_id)
    # From here on the code is spent, whatever the outcome.
    if grant is None:
        return _error(
            "invalid_grant", "authorization code not found (unknown, used or expired)", "KOE320", 400
        )
    if form.get("redirect_uri") != grant.redirect_uri:
        return _error("invalid_grant", "Redirect URI mismatch.", "KOE303", 400)
    problem = _verifier_problem(grant.code_challenge, form.get("code_verifier"))
    if problem is not None:
        return _error("invalid_grant", problem, "KOE320", 400)
    access, refresh = state.store.issue_tokens(kakao_token, grant, ACCESS_TTL, REFRESH_TTL)
    return no_store_json({
        "token_type": "bearer",
        "access_token": access,
        "expires_in": ACCESS_TTL,
        "refresh_token": refresh,
        "refresh_token_expires_in": REFRESH_TTL,
        "scope": grant.scope,
    })


def _signed_in() -> tuple[str, TokenInfo] | None:
    """The request's bearer token and what it stands for, if it is a live Kakao access token."""
    token = bearer_token()
    info = idp_state().store.find_access(token, KAKAO)
    return (token, info) if token and info else None


@bp.route("/v2/user/me", methods=["GET", "POST"])
@injectable("userinfo")
def kakao_me() -> Response:
    auth = _signed_in()
    if auth is None:
        return _bad_token()
    info = auth[1]
    account = info.account
    return no_store_json({
        "id": accounts.kakao_id(account),
        "connected_at": idp_state().store.get_connected_at(info),
        "kakao_account": {
            "profile_needs_agreement": False,
            "profile": {
                "nickname": accounts.display_name(account),
                "profile_image_url": avatar_url(account, 640),
                "thumbnail_image_url": avatar_url(account, 110),
                "is_default_image": True,
            },
            "email_needs_agreement": False,
            "is_email_valid": True,
            "is_email_verified": True,
            "email": accounts.email(account),
            "name_needs_agreement": False,
            "name": accounts.display_name(account),
            "phone_number_needs_agreement": False,
            "phone_number": accounts.phone_kakao(account),
        },
    })


@bp.post("/v1/user/logout")
def kakao_logout() -> Response:
    auth = _signed_in()
    if auth is None:
        return _bad_token()
    idp_state().store.revoke_access(auth[0])
    return no_store_json({"id": accounts.kakao_id(auth[1].account)})


@bp.post("/v1/user/unlink")
def kakao_unlink() -> Response:
    # Two ways, as Kakao: the user's own token (Bearer), or the app's admin key (KakaoAK) with
    # target_id_type=user_id&target_id=<id>, which a service uses when the user leaves it.
    state = idp_state()
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme == "KakaoAK":
        client_id = state.config.kakao_admin_keys.get(key.strip())
        if client_id is None:
            return _error("unauthorized", "wrong admin key", "-401", 401)
        target = request.form.get("target_id", "")
        if request.form.get("target_id_type") != "user_id" or not target.isdigit():
            return _error("invalid_request", "target_id_type=user_id and target_id required", "-2", 400)
        account = state.store.connected_kakao_account(client_id, target)
        if account is None:
            return _error("invalid_request", "not a user of this app", "-101", 400)
    else:
        auth = _signed_in()
        if auth is None:
            return _bad_token()
        client_id, account = auth[1].client_id, auth[1].account
    state.store.unlink(KAKAO, client_id, account)
    return no_store_json({"id": accounts.kakao_id(account)})

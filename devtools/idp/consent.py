"""The authorization endpoint both providers share: checks, the login/consent page, the redirect back.

Kakao (``/oauth/authorize``) and Naver (``/oauth2.0/authorize``) differ only in
what a :class:`Provider` says: which parameters they read, whether ``state`` is
required, whether PKCE and ``prompt=none`` exist, the texts and the colour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Response, request

from . import accounts
from .config import Client
from .responses import html_page, no_store, with_query
from .state import idp_state
from .store import Grant

# An S256 challenge (RFC 7636) is 43 characters of base64url.
_S256_CHALLENGE_RE = re.compile(r"[A-Za-z0-9_-]{43}")

INVALID_ACCOUNT = "계정 이름이 올바르지 않습니다. / Invalid account name."


@dataclass(frozen=True)
class Provider:
    """What tells one provider's authorization endpoint from the other's."""

    name: str
    title_ko: str
    title_en: str
    brand: str
    #: the query (GET) or form (POST) parameters read and carried through the login page
    params: tuple[str, ...]
    #: ``error_description`` when the user presses Cancel
    deny_description: str
    default_scope: str = ""
    state_required: bool = False
    #: S256 ``code_challenge`` and ``prompt=none`` (Kakao)
    pkce_and_prompt: bool = False


def error_page(provider: Provider, message_ko: str, message_en: str) -> Response:
    """A 400 page that does not send the user back: the request cannot be trusted with a redirect."""
    return html_page(
        "error.html", 400, provider=provider, message_ko=message_ko, message_en=message_en
    )


@dataclass(frozen=True)
class Authorization:
    """One authorization request whose client and redirect URI have been checked."""

    provider: Provider
    client: Client
    params: Mapping[str, str]
    redirect_uri: str

    @property
    def state(self) -> str | None:
        return self.params.get("state")

    def back(self, **fields: str) -> Response:
        """302 to the client's redirect URI with ``fields`` and the request's ``state``."""
        pairs = list(fields.items())
        if self.state is not None:
            pairs.append(("state", self.state))
        response = Response(status=302)
        response.headers["Location"] = with_query(self.redirect_uri, pairs)
        response.headers["Referrer-Policy"] = "no-referrer"
        return no_store(response)

    def refuse(self, error: str, description: str) -> Response:
        return self.back(error=error, error_description=description)

    def grant(self, account: str) -> Response:
        """Sign ``account`` in: back to the client with a new authorization code."""
        store = idp_state().store
        code = store.add_code(
            Grant(
                provider=self.provider.name,
                client_id=self.client.client_id,
                redirect_uri=self.redirect_uri,
                account=accounts.canonical(account),
                state=self.state,
                scope=self.params.get("scope", "").replace(",", " ").strip() or self.provider.default_scope,
                code_challenge=self.params.get("code_challenge"),
                nonce=self.params.get("nonce"),
                expires_at=store.now() + idp_state().config.code_ttl,
            )
        )
        return self.back(code=code)

    def deny(self) -> Response:
        return self.refuse("access_denied", self.provider.deny_description)

    def login_page(self, error: str | None = None, typed: str = "") -> Response:
        return html_page(
            "login.html",
            400 if error else 200,
            provider=self.provider,
            brand=self.provider.brand,
            action=request.path,
            params=self.params,
            listed_accounts=accounts.LISTED_ACCOUNTS,
            error=error,
            typed=typed,
        )


def authorize(provider: Provider) -> Response:
    """``GET``: the login page (or straight back with ``login_hint``); ``POST``: the page's answer."""
    source = request.args if request.method == "GET" else request.form
    params = {k: source[k] for k in provider.params if k in source}

    client = idp_state().config.client_for(provider.name, params.get("client_id"))
    if client is None:
        return error_page(provider, "등록되지 않은 client_id 입니다.", "Unknown client_id for this provider.")
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None or redirect_uri not in client.redirect_uris:
        return error_page(
            provider,
            "redirect_uri가 이 앱에 등록된 값과 정확히 일치하지 않습니다.",
            "redirect_uri does not exactly match one registered for this client_id.",
        )
    if provider.state_required and not params.get("state"):
        return error_page(provider, "state 값이 없습니다.", "The state parameter is required.")
    auth = Authorization(provider, client, params, redirect_uri)

    if params.get("response_type") != "code":
        return auth.refuse("unsupported_response_type", "response_type must be code")
    if provider.pkce_and_prompt and ("code_challenge" in params or "code_challenge_method" in params):
        if params.get("code_challenge_method") != "S256":
            return auth.refuse("invalid_request", "code_challenge_method must be S256")
        if not _S256_CHALLENGE_RE.fullmatch(params.get("code_challenge", "")):
            return auth.refuse("invalid_request", "code_challenge must be 43 base64url characters")

    if request.method == "GET":
        hint = request.args.get("login_hint")
        if hint is not None:
            if accounts.is_valid_account(hint):
                return auth.grant(hint)
            return auth.login_page(INVALID_ACCOUNT, hint)
        if provider.pkce_and_prompt and params.get("prompt") == "none":
            return auth.refuse("login_required", "user authentication required.")
        return auth.login_page()

    if request.form.get("action") == "deny":
        return auth.deny()
    typed = request.form.get("account", "").strip()
    if not accounts.is_valid_account(typed):
        return auth.login_page(INVALID_ACCOUNT, typed)
    return auth.grant(typed)

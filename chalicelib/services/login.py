"""Signing in with Kakao or Naver (OAuth 2.0 authorization code, server side).

``begin``: check where to return to (same-origin paths only), create a single
use ``state`` (256 random bits, stored hashed, 10 minutes), bound to the
browser by a random nonce kept in an HttpOnly cookie, and send the browser to
the provider. Kakao also gets PKCE: the verifier is derived from the nonce
and the state, so nothing that could complete a sign-in is stored.

``complete``: spend the state (unknown, expired, reused, from another browser
or another provider → ``LoginStateError``), handle the provider's own error,
exchange the code and read the user (``ProviderError`` on any failure),
throttle the account if it failed too often, then record the user and start a
session. Every outcome goes into the login history.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.adapters.oauth_providers import OAuthClient
from chalicelib.domain.identity import Provider
from chalicelib.domain.login import (Client, LoginError, LoginState, LoginStateError, LoginStateStore,
                                     LoginThrottledError, ProviderDeniedError, ProviderError, landing_path,
                                     provider_of, safe_next)
from chalicelib.domain.sessions import Tokens
from chalicelib.domain.users import UserProfile, UserStore
from chalicelib.services.login_history import LoginHistory
from chalicelib.services.sessions import SessionService

_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{43}")
_HINT_RE = re.compile(r"[A-Za-z0-9._@+-]{1,64}")
_MAX_PARAM = 2048


@dataclass(frozen=True)
class LoginStart:
    authorize_url: str
    browser_nonce: str
    nonce_max_age: int


@dataclass(frozen=True)
class SignedIn:
    tokens: Tokens
    next_path: str


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pkce_verifier(browser_nonce: str, state: str) -> str:
    """43 characters of base64url: only the browser holding the nonce can make it again."""
    digest = hmac.new(browser_nonce.encode("ascii"), ("pkce:" + state).encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


class LoginService:
    def __init__(self, *, clients: Mapping[Provider, OAuthClient], states: LoginStateStore, users: UserStore,
                 sessions: SessionService, history: LoginHistory, clock: Callable[[], datetime],
                 public_base_url: str, state_ttl: timedelta, allow_login_hint: bool = False) -> None:
        self._clients = clients
        self._states = states
        self._users = users
        self._sessions = sessions
        self._history = history
        self._clock = clock
        self._base = public_base_url.rstrip("/")
        self._state_ttl = state_ttl
        self._allow_hint = allow_login_hint

    def redirect_uri(self, provider: Provider) -> str:
        return f"{self._base}/auth/{provider.value}/callback"

    def _client(self, provider: Provider) -> OAuthClient:
        client = self._clients.get(provider)
        if client is None or not client.client_id:
            raise ProviderError("Signing in with this provider is not available right now.",
                                reason="provider_not_configured")
        return client

    def begin(self, provider_name: str, next_path: str | None, browser_nonce: str | None, client: Client,
              login_hint: str | None = None) -> LoginStart:
        label = provider_name if provider_name in tuple(Provider) else "unknown"
        try:
            provider = provider_of(provider_name)
            self._history.guard_ip(label, client)
            target = safe_next(next_path)
            oauth = self._client(provider)
            nonce = browser_nonce if browser_nonce and _NONCE_RE.fullmatch(browser_nonce) else \
                secrets.token_urlsafe(32)
            state = secrets.token_urlsafe(32)
            now = self._clock()
            self._states.put(LoginState(state_hash=_sha256(state), provider=provider, next_path=target,
                                        browser=_sha256(nonce), created_at=now, expires_at=now + self._state_ttl))
            hint = login_hint if self._allow_hint and login_hint and _HINT_RE.fullmatch(login_hint) else None
            url = oauth.authorize_url(redirect_uri=self.redirect_uri(provider), state=state,
                                      code_challenge=pkce_challenge(pkce_verifier(nonce, state)), login_hint=hint)
        except LoginThrottledError:
            raise
        except LoginError as exc:
            self._history.failure(label, client, exc.reason, exc.subject)
            raise
        return LoginStart(url, nonce, int(self._state_ttl.total_seconds()))

    def complete(self, provider_name: str, params: Mapping[str, str], browser_nonce: str | None,
                 client: Client) -> SignedIn:
        label = provider_name if provider_name in tuple(Provider) else "unknown"
        try:
            provider = provider_of(provider_name)
            self._history.guard_ip(label, client)
            state, target = self._spend_state(provider, params, browser_nonce)
            error = params.get("error")
            if error:
                if error == "access_denied":
                    raise ProviderDeniedError("You cancelled signing in, or did not agree to share your "
                                              "account id. You can try again at any time.")
                raise ProviderError("The sign-in service reported a problem. Please try again, or call "
                                    "031-8030-4541.", reason="provider_error")
            code = params.get("code") or ""
            if not code or len(code) > _MAX_PARAM:
                raise ProviderError("The sign-in service sent no sign-in code. Please try again.",
                                    reason="code_missing")
            identity = self._client(provider).identify(
                code=code, redirect_uri=self.redirect_uri(provider), state=state,
                code_verifier=pkce_verifier(browser_nonce or "", state))
            self._history.guard_account(provider.value, client, identity.subject)
            self._users.signed_in(identity.subject, provider, UserProfile(identity.name, identity.phone),
                                  self._clock())
            tokens = self._sessions.start(identity.subject, provider)
        except LoginThrottledError:
            raise
        except LoginError as exc:
            self._history.failure(label, client, exc.reason, exc.subject)
            raise
        except Exception:
            self._history.failure(label, client, "internal_error")
            raise
        self._history.success(provider.value, client, identity.subject)
        return SignedIn(tokens, landing_path(target, tokens.role))

    def _spend_state(self, provider: Provider, params: Mapping[str, str],
                     browser_nonce: str | None) -> tuple[str, str]:
        state = params.get("state") or ""
        if not state or len(state) > _MAX_PARAM:
            raise LoginStateError("This sign-in link is not valid. Please start again.", reason="state_missing")
        pending = self._states.take(_sha256(state), self._clock())
        if pending.provider is not provider:
            raise LoginStateError("This sign-in link is not valid. Please start again.", reason="state_provider")
        if not browser_nonce or not hmac.compare_digest(_sha256(browser_nonce), pending.browser):
            raise LoginStateError("Please finish signing in in the same browser where you started.",
                                  reason="state_browser")
        return state, pending.next_path

"""Signing in with Kakao or Naver (OAuth 2.0 authorization code, server side).

``begin``: check where to return to (same-origin paths only), create a
``state`` (256 random bits) and a fresh browser nonce (256 random bits, never
taken from an incoming cookie, so a planted cookie cannot tie a victim's
sign-in to an attacker's), and send the browser to the provider. The pending
sign-in lives only in the browser: a short-lived HttpOnly login cookie signed
with the stage's token keys (``JwtCodec.seal_login``) holding the state's
hash, the provider, the return path and the nonce. Nothing is written
anywhere for an anonymous visitor (a refused start is a log line, not a
stored record). Kakao also gets PKCE: the verifier is derived from the nonce
and the state.

``complete``: check the state against the login cookie (missing, expired,
forged, from another browser or another provider → ``LoginStateError``), then
spend the state: its hash is written once (a conditional put, kept until the
login cookie would expire anyway), so a callback replayed with a saved login
cookie is refused as a reused state before the provider is asked again; handle
the provider's own error, exchange the code and read the user
(``ProviderError`` on any failure), throttle the account if it failed too
often, then record the user and start a session. Every outcome of a callback
goes into the login history.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chalicelib.domain.identity import Provider
from chalicelib.domain.login import (
    HOME,
    Client,
    LoginError,
    LoginStateError,
    LoginThrottledError,
    ProviderClient,
    ProviderDeniedError,
    ProviderError,
    landing_path,
    provider_of,
    safe_next,
)
from chalicelib.domain.sessions import LoginSigner, TokenRejectedError, Tokens
from chalicelib.domain.users import UserProfile, UserStore
from chalicelib.logs import logger
from chalicelib.services.login_history import LoginHistory
from chalicelib.services.sessions import SessionService

_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{43}")
_HINT_RE = re.compile(r"[A-Za-z0-9._@+-]{1,64}")
_MAX_PARAM = 2048


@dataclass(frozen=True)
class LoginStart:
    authorize_url: str
    login_cookie: str  # the signed pending sign-in, for the browser's login cookie
    cookie_max_age: int


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


@dataclass(kw_only=True, eq=False, repr=False)
class LoginService:
    clients: Mapping[Provider, ProviderClient]
    signer: LoginSigner
    users: UserStore
    sessions: SessionService
    history: LoginHistory
    clock: Callable[[], datetime]
    public_base_url: str
    state_ttl: timedelta
    allow_login_hint: bool = False
    base: str = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.public_base_url.rstrip("/")

    def redirect_uri(self, provider: Provider) -> str:
        return f"{self.base}/auth/{provider.value}/callback"

    def _client(self, provider: Provider) -> ProviderClient:
        client = self.clients.get(provider)
        if client is None or not client.client_id:
            raise ProviderError("Signing in with this provider is not available right now.",
                                reason="provider_not_configured")
        return client

    def begin(self, provider_name: str, next_path: str | None, client: Client,
              login_hint: str | None = None) -> LoginStart:
        label = provider_name if provider_name in tuple(Provider) else "unknown"
        try:
            provider = provider_of(provider_name)
            self.history.guard_ip(label, client, record=False)
            target = safe_next(next_path)
            oauth = self._client(provider)
            nonce = secrets.token_urlsafe(32)  # fresh every time
            state = secrets.token_urlsafe(32)
            cookie = self.signer.seal_login({"st": _sha256(state), "prv": provider.value, "nxt": target,
                                             "non": nonce}, self.clock(), self.state_ttl)
            hint = login_hint if self.allow_login_hint and login_hint and _HINT_RE.fullmatch(login_hint) else None
            url = oauth.authorize_url(redirect_uri=self.redirect_uri(provider), state=state,
                                      code_challenge=pkce_challenge(pkce_verifier(nonce, state)), login_hint=hint)
        except LoginError as exc:
            logger().info("sign-in not started", extra={"provider": label, "reason": exc.reason})
            raise
        return LoginStart(url, cookie, int(self.state_ttl.total_seconds()))

    def complete(self, provider_name: str, params: Mapping[str, str], login_cookie: str | None,
                 client: Client) -> SignedIn:
        label = provider_name if provider_name in tuple(Provider) else "unknown"
        try:
            provider = provider_of(provider_name)
            self.history.guard_ip(label, client)
            state, target, browser_nonce, expires_at = self._pending(provider, params, login_cookie)
            if not self.sessions.spend_login_state(_sha256(state), expires_at):
                raise LoginStateError("This sign-in link was already used. Please start again.",
                                      reason="state_reused")
            error = params.get("error")
            if error:
                if error == "access_denied":
                    raise ProviderDeniedError("You cancelled signing in, or did not agree to share your "
                                              "account id. You can try again at any time.")
                raise ProviderError("The sign-in service reported a problem. Please try again, or call "
                                    "{phone}.", reason="provider_error")
            code = params.get("code") or ""
            if not code or len(code) > _MAX_PARAM:
                raise ProviderError("The sign-in service sent no sign-in code. Please try again.",
                                    reason="code_missing")
            identity = self._client(provider).identify(
                code=code, redirect_uri=self.redirect_uri(provider), state=state,
                code_verifier=pkce_verifier(browser_nonce, state))
            self.history.guard_account(provider.value, client, identity.subject)
            self.users.signed_in(identity.subject, provider, UserProfile(identity.name, identity.phone),
                                 self.clock())
            tokens = self.sessions.start(identity.subject, provider, client)
        except LoginThrottledError:
            raise
        except LoginError as exc:
            self.history.failure(label, client, exc.reason, exc.subject)
            raise
        except Exception:
            self.history.failure(label, client, "internal_error")
            raise
        self.history.success(provider.value, client, identity.subject)
        return SignedIn(tokens, landing_path(target, tokens.role))

    def _pending(self, provider: Provider, params: Mapping[str, str],
                 login_cookie: str | None) -> tuple[str, str, str, datetime]:
        """(state, return path, browser nonce, end of its login cookie) of the sign-in this browser
        started."""
        state = params.get("state") or ""
        if not state or len(state) > _MAX_PARAM:
            raise LoginStateError("This sign-in link is not valid. Please start again.", reason="state_missing")
        if not login_cookie:
            raise LoginStateError("Please finish signing in in the same browser where you started.",
                                  reason="state_browser")
        try:
            pending = self.signer.open_login(login_cookie, self.clock())
        except TokenRejectedError as exc:
            if exc.reason == "login_expired":
                raise LoginStateError("This sign-in took too long. Please start again.",
                                      reason="state_expired") from None
            raise LoginStateError("Please finish signing in in the same browser where you started.",
                                  reason="state_browser") from None
        invalid = "This sign-in link is not valid. Please start again."
        if not hmac.compare_digest(_sha256(state), str(pending.get("st", ""))):
            raise LoginStateError(invalid, reason="state_unknown")
        if pending.get("prv") != provider.value:
            raise LoginStateError(invalid, reason="state_provider")
        nonce, target = str(pending.get("non", "")), str(pending.get("nxt", ""))
        if not _NONCE_RE.fullmatch(nonce):
            raise LoginStateError(invalid, reason="state_unknown")
        expires_at = datetime.fromtimestamp(int(pending["exp"]), UTC)
        return state, target if target == HOME else safe_next(target), nonce, expires_at

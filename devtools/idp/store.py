"""The dev IdP's memory: authorization codes, tokens and which accounts are connected to which app.

Shared by the request threads (one lock).  A restart forgets everything.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import accounts
from .config import KAKAO


@dataclass
class Grant:
    """What an authorization code stands for until the client redeems it."""

    provider: str
    client_id: str
    redirect_uri: str
    account: str
    state: str | None
    scope: str
    code_challenge: str | None
    nonce: str | None
    expires_at: float


@dataclass
class TokenInfo:
    provider: str
    client_id: str
    account: str
    scope: str
    expires_at: float


def new_code() -> str:
    return secrets.token_urlsafe(32)


def kakao_token() -> str:
    # Kakao tokens use the URL-safe alphabet.
    return secrets.token_urlsafe(40)


def naver_token() -> str:
    # Real Naver tokens use the standard base64 alphabet, '+' and '/'
    # included, which breaks clients that put them into a query string or a
    # form without encoding.  Always include a '+' and a '/' so such a bug
    # shows up every time rather than now and then.
    body = base64.b64encode(secrets.token_bytes(36)).decode("ascii")
    return "AAAA" + body[:10] + "+" + body[10:30] + "/" + body[30:]


@dataclass
class Store:
    """Codes, tokens and connections; shared by the request threads."""

    clock: Callable[[], float] = time.time
    lock: threading.Lock = field(default_factory=threading.Lock)
    codes: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, TokenInfo] = field(default_factory=dict)
    refresh: dict[str, TokenInfo] = field(default_factory=dict)
    connected_at: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def now(self) -> float:
        return self.clock()

    def _purge(self, now: float) -> None:
        for table in (self.codes, self.access, self.refresh):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]

    def add_code(self, grant: Grant) -> str:
        """Store ``grant`` under a new code; return the code."""
        code = new_code()
        with self.lock:
            self._purge(self.now())
            self.codes[code] = grant
        return code

    def take_code(self, code: str, provider: str, client_id: str) -> Grant | None:
        """Remove and return the live grant for ``code`` if it belongs to the client.

        A code of another client is left alone (so one client cannot burn
        another's codes) and reported as not found.
        """
        with self.lock:
            grant = self.codes.get(code)
            if grant is None or grant.provider != provider or grant.client_id != client_id:
                return None
            del self.codes[code]
            if grant.expires_at <= self.now():
                return None
            return grant

    def issue_tokens(
        self,
        new_token: Callable[[], str],
        owner: TokenInfo | Grant,
        access_ttl: float,
        refresh_ttl: float | None = None,
    ) -> tuple[str, str | None]:
        """New tokens for ``owner``'s account at its client: an access token and, given
        ``refresh_ttl``, a refresh token.  The account counts as connected from its first token on."""
        access = new_token()
        refresh = new_token() if refresh_ttl is not None else None
        with self.lock:
            now = self.now()
            self._purge(now)
            key = (owner.provider, owner.client_id, owner.account)
            self.access[access] = TokenInfo(*key, owner.scope, now + access_ttl)
            if refresh is not None and refresh_ttl is not None:
                self.refresh[refresh] = TokenInfo(*key, owner.scope, now + refresh_ttl)
            if key not in self.connected_at:
                self.connected_at[key] = datetime.fromtimestamp(now, UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
        return access, refresh

    def _find(self, table: dict[str, TokenInfo], token: str | None, provider: str) -> TokenInfo | None:
        if not token:
            return None
        with self.lock:
            info = table.get(token)
            if info is None or info.provider != provider or info.expires_at <= self.now():
                return None
            return info

    def find_access(self, token: str | None, provider: str) -> TokenInfo | None:
        """The live access token ``token`` of ``provider``, or None."""
        return self._find(self.access, token, provider)

    def find_refresh(self, token: str | None, provider: str) -> TokenInfo | None:
        """The live refresh token ``token`` of ``provider``, or None."""
        return self._find(self.refresh, token, provider)

    def get_connected_at(self, info: TokenInfo) -> str:
        with self.lock:
            return self.connected_at[(info.provider, info.client_id, info.account)]

    def revoke_access(self, token: str) -> None:
        with self.lock:
            self.access.pop(token, None)

    def unlink(self, provider: str, client_id: str, account: str) -> None:
        """Revoke every token of ``account`` at ``client_id`` (disconnect the app)."""
        with self.lock:
            for table in (self.access, self.refresh):
                for key in [
                    k
                    for k, v in table.items()
                    if (v.provider, v.client_id, v.account) == (provider, client_id, account)
                ]:
                    del table[key]
            self.connected_at.pop((provider, client_id, account), None)

    def connections(self) -> list[dict[str, str]]:
        """Which accounts are connected to which app (signed in and not unlinked since)."""
        with self.lock:
            return [{"provider": p, "client_id": c, "account": a} for p, c, a in sorted(self.connected_at)]

    def connected_kakao_account(self, client_id: str, user_id: str) -> str | None:
        with self.lock:
            for provider, client, account in self.connected_at:
                if (provider, client) == (KAKAO, client_id) and str(accounts.kakao_id(account)) == user_id:
                    return account
        return None

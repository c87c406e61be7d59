"""Our sessions: start one at sign-in, check access tokens, refresh, end.

``SessionService`` is the container's ``authenticator`` (the
``Authenticator`` port of ``chalicelib/domain/identity.py``): an access token
is accepted only if its signature, header and claims are right *and* its
session (``sid``) is still live, so logout, leaving and refresh-token reuse
take effect at once, not when the token expires.

Roles are worked out afresh whenever a token is issued (sign-in, refresh,
invite redemption): admin from the stage's list, attorney from the linked
profile *while that profile is active*, else resident. Deactivating an
attorney also ends every session of their linked accounts
(``services/staff_access.py``), so their tokens stop working at once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.domain.attorneys import AttorneyLinks
from chalicelib.domain.identity import Principal, Provider
from chalicelib.domain.login import Client, LoginThrottledError, role_for
from chalicelib.domain.second_factor import is_staff
from chalicelib.domain.sessions import (
    AccessTokenCodec,
    RefreshError,
    Session,
    SessionStore,
    TokenRejectedError,
    Tokens,
    device_label,
    ip_hint,
    new_refresh_token,
    new_session_id,
    token_hash,
)
from chalicelib.logs import logger
from chalicelib.services.login_history import TOKEN_PROVIDER, LoginHistory


def active_attorney_of(attorneys: AttorneyLinks, subject: str) -> str | None:
    """The attorney profile linked to ``subject`` if it is active (a deactivated one grants nothing)."""
    attorney_id = attorneys.by_subject(subject)
    if attorney_id is None:
        return None
    profile = attorneys.get(attorney_id)
    return attorney_id if profile is not None and getattr(profile, "active", False) else None


@dataclass(kw_only=True, eq=False, repr=False)
class SessionService:
    store: SessionStore
    codec: AccessTokenCodec
    attorneys: AttorneyLinks
    admin_subjects: Collection[str]
    history: LoginHistory
    clock: Callable[[], datetime]
    refresh_ttl: timedelta
    idle_minutes: int | None = None
    staff_idle_minutes: int | None = None
    admins: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.admins = frozenset(self.admin_subjects)

    def _tokens(self, session: Session, refresh_token: str, now: datetime) -> Tokens:
        attorney_id = active_attorney_of(self.attorneys, session.subject)
        role = role_for(session.subject, self.admins, attorney_id)
        access, expires = self.codec.issue(subject=session.subject, role=role, provider=session.provider,
                                           session_id=session.id, attorney_id=attorney_id, now=now)
        return Tokens(access_token=access, access_expires_at=expires, refresh_token=refresh_token,
                      refresh_expires_at=session.expires_at, session_id=session.id, role=role)

    def spend_login_state(self, state_hash: str, expires_at: datetime) -> bool:
        """True the first time a sign-in's state comes back, False for a replay."""
        return self.store.spend_login_state(state_hash, expires_at)

    def start(self, subject: str, provider: Provider, client: Client | None = None) -> Tokens:
        """A new session (refresh-token family) for a person who just signed in; ``client`` gives the
        "my sessions" list a device name and a coarse address hint."""
        now = self.clock()
        refresh = new_refresh_token()
        staff = is_staff(role_for(subject, self.admins, active_attorney_of(self.attorneys, subject)))
        session = Session(id=new_session_id(), subject=subject, provider=provider, created_at=now,
                          expires_at=now + self.refresh_ttl,
                          idle_minutes=self.staff_idle_minutes if staff else self.idle_minutes,
                          device=device_label(client.user_agent) if client else "",
                          ip_hint=ip_hint(client.ip) if client else "")
        self.store.create(session, token_hash(refresh))
        return self._tokens(session, refresh, now)

    def of(self, principal: Principal) -> list[Session]:
        """The person's live sessions, newest first."""
        now = self.clock()
        return [s for s in self.store.of_subject(principal.subject) if s.is_live(now) and not s.idle_at(now)]

    def end_own(self, principal: Principal, session_id: str, client: Client) -> Session | None:
        """End one of the person's own sessions (None: no such session of theirs)."""
        session = self.store.get(session_id)
        if session is None or session.subject != principal.subject or not session.is_live(self.clock()):
            return None
        return self.end(session_id, client, reason="ended_by_owner")

    def reissue(self, principal: Principal) -> Tokens:
        """A fresh access token in the same session (after the role changed); no new refresh token."""
        session = self.store.get(principal.session_id)
        now = self.clock()
        if session is None or not session.is_live(now):
            raise TokenRejectedError("session_revoked", subject=principal.subject)
        return self._tokens(session, "", now)

    # -- the Authenticator port ------------------------------------------------

    def authenticate(self, token: str) -> Principal:
        now = self.clock()
        claims = self.codec.verify(token, now)
        session = self.store.get(claims.session_id)
        if session is None or session.subject != claims.subject or not session.is_live(now):
            raise TokenRejectedError("session_revoked", subject=claims.subject)
        return Principal(subject=claims.subject, role=claims.role, provider=claims.provider,
                         session_id=claims.session_id, attorney_id=claims.attorney_id,
                         second_factor_pending=is_staff(claims.role) and session.second_factor_at is None,
                         second_factor_at=session.second_factor_at, signed_in_at=session.created_at)

    def confirm_second_factor(self, session_id: str) -> Session:
        """The session's second factor was just accepted: its staff tokens work in full from now on."""
        session = self.store.confirm_second_factor(session_id, self.clock())
        if session is None:
            raise TokenRejectedError("session_revoked")
        return session

    def rejected(self, error: Exception, client: Client) -> None:
        """Note a refused access token: in the person's login history when the token was ours (an
        ended or expired session of theirs), as a log line otherwise. Never a sign-in failure: a
        refused token is no attempt to sign in, and counting it would let anyone lock a whole
        network out of signing in with a few requests carrying ``Bearer x``."""
        reason = getattr(error, "reason", "token_invalid")
        subject = getattr(error, "subject", None)
        if subject is None:
            logger().info("access token refused", extra={"reason": reason})
            return
        self.history.rejected(TOKEN_PROVIDER, client, reason, subject)

    # -- refresh and logout ------------------------------------------------------

    def refresh(self, refresh_token: str, client: Client) -> Tokens:
        """Rotate the refresh token and issue a new access token; reuse ends the family.

        Throttled per address only: guessing a 256-bit token is hopeless, and a
        stolen one is caught by reuse detection, not by counting failures."""
        try:
            self.history.guard_ip(TOKEN_PROVIDER, client)
            if not refresh_token or len(refresh_token) > 256:
                raise RefreshError("This sign-in has ended. Please sign in again.", reason="refresh_malformed")
            new = new_refresh_token()
            session = self.store.rotate(token_hash(refresh_token), token_hash(new), self.clock())
        except RefreshError as exc:
            if exc.reason in ("refresh_idle", "refresh_expired") and exc.subject:
                # a session that simply ran out: in the person's history, not a failed attempt
                self.history.rejected(TOKEN_PROVIDER, client, exc.reason, exc.subject)
            else:
                self.history.failure(TOKEN_PROVIDER, client, exc.reason, exc.subject)
            raise
        except LoginThrottledError:
            raise
        tokens = self._tokens(session, new, self.clock())
        self.history.success(TOKEN_PROVIDER, client, session.subject, reason="refreshed")
        return tokens

    def end(self, session_id: str, client: Client, reason: str = "logout") -> Session | None:
        session = self.store.revoke(session_id, self.clock(), reason)
        if session is not None:
            self.history.success(session.provider.value, client, session.subject, reason=reason)
        return session

    def end_by_refresh(self, refresh_token: str, client: Client) -> Session | None:
        session = self.store.session_of(token_hash(refresh_token)) if refresh_token else None
        return self.end(session.id, client) if session else None

    def end_all(self, subject: str, reason: str) -> int:
        return self.store.revoke_all(subject, self.clock(), reason)

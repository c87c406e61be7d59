"""In-memory twins of the sign-in adapters: users, invites, sessions, staff second factors.

They honour the contracts of ``chalicelib/adapters/dynamo/{users,sessions}.py``
(``tests/integration/test_identity_stores.py`` runs one suite against both).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.domain.identity import Provider
from chalicelib.domain.sealing import FieldCipher
from chalicelib.domain.second_factor import Factor
from chalicelib.domain.sessions import RefreshError, RefreshReuseError, Session
from chalicelib.domain.users import InvalidInviteError, User, UserProfile


class MemoryUserStore:
    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher
        self._users: dict[str, tuple[User, bytes]] = {}
        self._languages: dict[str, str] = {}
        self._lock = threading.Lock()

    def signed_in(self, subject: str, provider: Provider, profile: UserProfile, now: datetime) -> User:
        sealed = self._cipher.seal("user", subject, profile.as_dict())
        with self._lock:
            existing = self._users.get(subject)
            user = User(subject, provider, existing[0].created_at if existing else now, now)
            self._users[subject] = (user, sealed)
            return user

    def get(self, subject: str) -> User | None:
        found = self._users.get(subject)
        return found[0] if found else None

    def profile(self, subject: str) -> UserProfile | None:
        found = self._users.get(subject)
        if not found:
            return None
        fields = self._cipher.open("user", subject, found[1])
        return UserProfile(name=fields.get("name"), phone=fields.get("phone"))

    def erase(self, subject: str) -> bool:
        with self._lock:
            self._languages.pop(subject, None)
            return self._users.pop(subject, None) is not None

    def language(self, subject: str) -> str | None:
        return self._languages.get(subject) if subject in self._users else None

    def set_language(self, subject: str, language: str) -> bool:
        with self._lock:
            if subject not in self._users:
                return False
            self._languages[subject] = language
            return True


@dataclass(frozen=True)
class LinkedProfile:
    """What sign-in and the staff pages need of an attorney profile: whether it is active, its
    linked accounts and its display name."""

    id: str
    active: bool
    subjects: frozenset[str]
    display_name: str = ""


class MemoryAttorneyLinks:
    """The part of the attorney roster that sign-in reads: subject → attorney id, and activity."""

    def __init__(self, links: dict[str, str] | None = None, attorneys: set[str] | None = None) -> None:
        self.links = dict(links or {})
        self.attorneys = set(attorneys or set()) | set(self.links.values())
        self.inactive: set[str] = set()

    def by_subject(self, subject: str) -> str | None:
        return self.links.get(subject)

    def get(self, attorney_id: str) -> LinkedProfile | None:
        if attorney_id not in self.attorneys:
            return None
        return LinkedProfile(attorney_id, attorney_id not in self.inactive,
                             frozenset(s for s, a in self.links.items() if a == attorney_id),
                             f"{attorney_id} 노무사")


class MemoryInviteStore:
    def __init__(self, links: MemoryAttorneyLinks) -> None:
        self._links = links
        self._invites: dict[str, dict] = {}
        self._lock = threading.Lock()

    def create(self, code_hash: str, attorney_id: str, created_by: str, now: datetime,
               expires_at: datetime) -> None:
        with self._lock:
            if code_hash in self._invites:
                raise ValueError("invite exists")
            self._invites[code_hash] = {"attorney_id": attorney_id, "expires_at": expires_at, "used_at": None}

    def redeem(self, code_hash: str, subject: str, now: datetime) -> str:
        with self._lock:
            invite = self._invites.get(code_hash)
            if invite is None:
                raise InvalidInviteError("invite_unknown")
            if invite["used_at"] is not None:
                raise InvalidInviteError("invite_used")
            if now >= invite["expires_at"]:
                raise InvalidInviteError("invite_expired")
            if subject in self._links.links:
                raise InvalidInviteError("already_linked")
            if invite["attorney_id"] not in self._links.attorneys:
                raise InvalidInviteError("invite_orphaned")
            invite["used_at"] = now
            self._links.links[subject] = invite["attorney_id"]
            return invite["attorney_id"]


class MemorySessionStore:
    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._current: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
        self._spent_states: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def create(self, session: Session, refresh_hash: str) -> None:
        with self._lock:
            if session.id in self._sessions or refresh_hash in self._tokens:
                raise ValueError("session or token exists")
            self._sessions[session.id] = session
            self._current[session.id] = refresh_hash
            self._tokens[refresh_hash] = session.id

    def get(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def session_of(self, refresh_hash: str) -> Session | None:
        sid = self._tokens.get(refresh_hash)
        return self._sessions.get(sid) if sid else None

    def rotate(self, presented_hash: str, new_hash: str, now: datetime) -> Session:
        with self._lock:
            sid = self._tokens.get(presented_hash)
            session = self._sessions.get(sid) if sid else None
            if session is None:
                raise RefreshError("This sign-in has ended.", reason="refresh_unknown")
            if session.revoked_at is not None:
                raise RefreshError("This sign-in has ended.", reason="session_revoked", subject=session.subject)
            if now >= session.expires_at:
                raise RefreshError("This sign-in has expired.", reason="refresh_expired",
                                   subject=session.subject)
            if session.idle_at(now):
                self._sessions[session.id] = replace(session, revoked_at=now, revoked_reason="idle")
                raise RefreshError("You were away for a while: please sign in again.", reason="refresh_idle",
                                   subject=session.subject)
            if self._current[session.id] != presented_hash:
                self._sessions[session.id] = replace(session, revoked_at=now, revoked_reason="refresh_reuse")
                raise RefreshReuseError("This sign-in was used from somewhere else and has been ended.",
                                        subject=session.subject)
            rotated = replace(session, generation=session.generation + 1, last_used_at=now)
            self._sessions[session.id] = rotated
            self._current[session.id] = new_hash
            self._tokens[new_hash] = session.id
            return rotated

    def revoke(self, session_id: str, now: datetime, reason: str) -> Session | None:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.revoked_at is not None:
                return session
            self._sessions[session_id] = replace(session, revoked_at=now, revoked_reason=reason)
            return self._sessions[session_id]

    def revoke_all(self, subject: str, now: datetime, reason: str) -> int:
        ids = [s.id for s in self._sessions.values() if s.subject == subject and s.revoked_at is None]
        return sum(1 for sid in ids if self.revoke(sid, now, reason) is not None)

    def of_subject(self, subject: str) -> list[Session]:
        return sorted((s for s in self._sessions.values() if s.subject == subject),
                      key=lambda s: s.created_at, reverse=True)

    def confirm_second_factor(self, session_id: str, now: datetime) -> Session | None:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.revoked_at is not None:
                return None
            self._sessions[session_id] = replace(session, second_factor_at=now)
            return self._sessions[session_id]

    def spend_login_state(self, state_hash: str, expires_at: datetime) -> bool:
        with self._lock:
            if state_hash in self._spent_states:
                return False
            self._spent_states[state_hash] = expires_at
            return True


class MemoryFactorStore:
    """Twin of ``DynamoFactorStore`` (the secret kept sealed, as there)."""

    def __init__(self, cipher: FieldCipher) -> None:
        self._cipher = cipher
        self._factors: dict[str, tuple[Factor, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, subject: str) -> Factor | None:
        found = self._factors.get(subject)
        if found is None:
            return None
        return replace(found[0], secret=self._cipher.open("second_factor", subject, found[1])["secret"])

    def begin(self, factor: Factor) -> Factor:
        with self._lock:
            if factor.subject not in self._factors:
                sealed = self._cipher.seal("second_factor", factor.subject, {"secret": factor.secret})
                self._factors[factor.subject] = (replace(factor, secret=""), sealed)
                return factor
        return self.get(factor.subject) or factor

    def accept(self, subject: str, step: int, now: datetime) -> bool:
        with self._lock:
            found = self._factors.get(subject)
            if found is None or found[0].last_step >= step:
                return False
            factor = found[0]
            self._factors[subject] = (replace(factor, last_step=step, enrolled_at=factor.enrolled_at or now),
                                      found[1])
            return True

    def remove(self, subject: str) -> bool:
        with self._lock:
            return self._factors.pop(subject, None) is not None

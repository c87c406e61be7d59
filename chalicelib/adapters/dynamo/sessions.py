"""Sessions (refresh-token families) and refresh-token hashes.

Items (main table):
- session: ``pk=SESSION#<sid>``, ``sk=SESSION``; ``gsi1pk=USER#<subject>``,
  ``gsi1sk=SESSION#<created>#<sid>`` (a user's sessions, to revoke them all).
  ``current`` is the hash of the one refresh token that may be used next.
  TTL ``expires_at`` = the family's absolute end.
- refresh token: ``pk=REFRESH#<sha256>``, ``sk=REFRESH`` → its session. Kept
  after rotation until the family ends, so a replayed old token is recognised.
- spent sign-in state: ``pk=LOGINSTATE#<sha256 of the state>``, ``sk=LOGINSTATE``,
  written once (conditional put) when a callback comes back with it; TTL
  ``expires_at`` = the end of its login cookie, after which it is refused anyway.
(A pending sign-in is not stored: it lives in the browser's signed login
cookie, ``services/login.py``.)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.base import MAIN, ConnectedStore, Gsi1, Gsi1Keys, KeyedItem
from chalicelib.domain.identity import Provider
from chalicelib.domain.sessions import RefreshError, RefreshReuseError, Session


class SessionItem(KeyedItem, Gsi1Keys, table=MAIN):
    by_user = Gsi1()

    session_id = UnicodeAttribute()
    subject = UnicodeAttribute()
    provider = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_used_at = UTCDateTimeAttribute(null=True)
    current = UnicodeAttribute()
    generation = NumberAttribute(default=0)
    revoked_at = UTCDateTimeAttribute(null=True)
    revoked_reason = UnicodeAttribute(null=True)
    second_factor_at = UTCDateTimeAttribute(null=True)
    idle_minutes = NumberAttribute(null=True)
    device = UnicodeAttribute(null=True)
    ip_hint = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()


class RefreshItem(KeyedItem, table=MAIN):
    session_id = UnicodeAttribute()
    generation = NumberAttribute()
    expires_at = NumberAttribute()


class SpentLoginStateItem(KeyedItem, table=MAIN):
    expires_at = NumberAttribute()


def _session_key(session_id: str) -> tuple[str, str]:
    return f"SESSION#{session_id}", "SESSION"


def _refresh_key(token_hash: str) -> tuple[str, str]:
    return f"REFRESH#{token_hash}", "REFRESH"


def _to_session(item: SessionItem) -> Session:
    return Session(id=item.session_id, subject=item.subject, provider=Provider(item.provider),
                   created_at=item.created_at,
                   expires_at=datetime.fromtimestamp(int(item.expires_at), UTC),
                   generation=int(item.generation or 0), revoked_at=item.revoked_at,
                   revoked_reason=item.revoked_reason, second_factor_at=item.second_factor_at,
                   last_used_at=item.last_used_at,
                   idle_minutes=int(item.idle_minutes) if item.idle_minutes is not None else None,
                   device=item.device or "", ip_hint=item.ip_hint or "")


class DynamoSessionStore(ConnectedStore):
    def create(self, session: Session, refresh_hash: str) -> None:
        expires = int(session.expires_at.timestamp())
        pk, sk = _session_key(session.id)
        with TransactWrite(connection=self.connection) as tx:
            tx.save(SessionItem(pk, sk, gsi1pk=f"USER#{session.subject}",
                                gsi1sk=f"SESSION#{session.created_at.isoformat()}#{session.id}",
                                session_id=session.id, subject=session.subject,
                                provider=session.provider.value, created_at=session.created_at,
                                current=refresh_hash, generation=0, expires_at=expires,
                                idle_minutes=session.idle_minutes, device=session.device or None,
                                ip_hint=session.ip_hint or None),
                    condition=SessionItem.pk.does_not_exist())
            tx.save(RefreshItem(*_refresh_key(refresh_hash), session_id=session.id, generation=0,
                                expires_at=expires),
                    condition=RefreshItem.pk.does_not_exist())

    def _item(self, session_id: str) -> SessionItem | None:
        return SessionItem.find(*_session_key(session_id), consistent_read=True)

    def get(self, session_id: str) -> Session | None:
        item = self._item(session_id)
        return _to_session(item) if item else None

    def session_of(self, refresh_hash: str) -> Session | None:
        token = RefreshItem.find(*_refresh_key(refresh_hash), consistent_read=True)
        if token is None:
            return None
        return self.get(token.session_id)

    def rotate(self, presented_hash: str, new_hash: str, now: datetime) -> Session:
        try:
            token = RefreshItem.get(*_refresh_key(presented_hash), consistent_read=True)
        except RefreshItem.DoesNotExist:
            raise RefreshError("This sign-in has ended. Please sign in again.", reason="refresh_unknown") from None
        item = self._item(token.session_id)
        if item is None:
            raise RefreshError("This sign-in has ended. Please sign in again.", reason="refresh_unknown")
        session = _to_session(item)
        if session.revoked_at is not None:
            raise RefreshError("This sign-in has ended. Please sign in again.", reason="session_revoked",
                               subject=session.subject)
        if now >= session.expires_at:
            raise RefreshError("This sign-in has expired. Please sign in again.", reason="refresh_expired",
                               subject=session.subject)
        if session.idle_at(now):
            self.revoke(session.id, now, "idle")
            raise RefreshError("You were away for a while: please sign in again.", reason="refresh_idle",
                               subject=session.subject)
        if item.current != presented_hash:
            self.revoke(session.id, now, "refresh_reuse")
            raise RefreshReuseError("This sign-in was used from somewhere else and has been ended "
                                    "for your safety. Please sign in again.", subject=session.subject)
        try:
            with TransactWrite(connection=self.connection) as tx:
                tx.update(SessionItem(*_session_key(session.id)),
                          actions=[SessionItem.current.set(new_hash), SessionItem.generation.add(1),
                                   SessionItem.last_used_at.set(now)],
                          condition=(SessionItem.current == presented_hash)
                          & SessionItem.revoked_at.does_not_exist())
                tx.save(RefreshItem(*_refresh_key(new_hash), session_id=session.id,
                                    generation=session.generation + 1, expires_at=int(item.expires_at)),
                        condition=RefreshItem.pk.does_not_exist())
        except TransactWriteError:
            # Another request rotated the same token first: one token, two users.
            self.revoke(session.id, now, "refresh_reuse")
            raise RefreshReuseError("This sign-in was used twice at once and has been ended for your "
                                    "safety. Please sign in again.", subject=session.subject) from None
        return replace(session, generation=session.generation + 1, last_used_at=now)

    def revoke(self, session_id: str, now: datetime, reason: str) -> Session | None:
        item = SessionItem(*_session_key(session_id))
        try:
            item.update(actions=[SessionItem.revoked_at.set(now), SessionItem.revoked_reason.set(reason)],
                        condition=SessionItem.pk.exists() & SessionItem.revoked_at.does_not_exist())
        except UpdateError:
            return self.get(session_id)  # unknown (None) or revoked already
        return _to_session(item)

    def of_subject(self, subject: str) -> list[Session]:
        return [_to_session(item) for item in SessionItem.by_user.query(
            f"USER#{subject}", SessionItem.gsi1sk.startswith("SESSION#"), scan_index_forward=False)]

    def confirm_second_factor(self, session_id: str, now: datetime) -> Session | None:
        item = SessionItem(*_session_key(session_id))
        try:
            item.update(actions=[SessionItem.second_factor_at.set(now)],
                        condition=SessionItem.pk.exists() & SessionItem.revoked_at.does_not_exist())
        except UpdateError:
            return None
        return _to_session(item)

    def revoke_all(self, subject: str, now: datetime, reason: str) -> int:
        revoked = 0
        for item in SessionItem.by_user.query(f"USER#{subject}", SessionItem.gsi1sk.startswith("SESSION#")):
            if item.revoked_at is None and self.revoke(item.session_id, now, reason) is not None:
                revoked += 1
        return revoked

    def spend_login_state(self, state_hash: str, expires_at: datetime) -> bool:
        item = SpentLoginStateItem(f"LOGINSTATE#{state_hash}", "LOGINSTATE",
                                   expires_at=int(expires_at.timestamp()) + 1)
        try:
            item.save(condition=SpentLoginStateItem.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

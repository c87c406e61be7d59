"""The audit trail in its own table (append-only for the app's role).

Items (audit table), every one expiring by TTL two years after it was written:
- login attempt: ``pk=LOGIN#<subject>`` (``LOGIN#-`` when the attempt never
  learned who it was), ``sk=<iso time>#<id>``; ``gsi1pk=LOGINIP#<ip>``,
  ``gsi1sk=<iso time>`` (recent attempts from one address, for throttling).
- staff access: ``pk=ACCESS#<yyyy-mm-dd>``, ``sk=<iso time>#<id>``;
  ``gsi1pk=ACCESSBY#<actor>``, ``gsi1sk=<iso time>``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.adapters.dynamo.base import AUDIT, Gsi1, Gsi1Keys, KeyedItem
from chalicelib.domain.audit import AccessEvent, LoginEvent, LoginResult, is_rights_change

MAX_DAYS_PER_QUERY = 92


class AuditItem(KeyedItem, Gsi1Keys, table=AUDIT):
    by_secondary = Gsi1()

    kind = UnicodeAttribute()
    at = UnicodeAttribute()
    subject = UnicodeAttribute(null=True)
    provider = UnicodeAttribute(null=True)
    result = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    actor = UnicodeAttribute(null=True)
    actor_role = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    record = UnicodeAttribute(null=True)
    action = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class DynamoAuditLog:
    def __init__(self, retention_days: int, rights_retention_days: int | None = None) -> None:
        self._retention = timedelta(days=retention_days)
        self._rights_retention = timedelta(days=max(retention_days, rights_retention_days or 0))

    def _expiry(self, at: datetime, retention: timedelta | None = None) -> int:  # epoch seconds for TTL
        return int((at + (retention or self._retention)).timestamp())

    def record_login(self, event: LoginEvent) -> None:
        at = _iso(event.at)
        AuditItem(f"LOGIN#{event.subject or '-'}", f"{at}#{uuid.uuid4().hex[:12]}",
                  gsi1pk=f"LOGINIP#{event.ip}", gsi1sk=at, kind="login", at=at,
                  subject=event.subject, provider=event.provider, result=event.result.value,
                  reason=event.reason, ip=event.ip, user_agent=event.user_agent[:512],
                  expires_at=self._expiry(event.at)).save(condition=AuditItem.pk.does_not_exist())

    def record_access(self, event: AccessEvent) -> None:
        at = _iso(event.at)
        retention = self._rights_retention if is_rights_change(event) else self._retention
        day = event.at.astimezone(UTC).date().isoformat()
        AuditItem(f"ACCESS#{day}", f"{at}#{uuid.uuid4().hex[:12]}",
                  gsi1pk=f"ACCESSBY#{event.actor}", gsi1sk=at, kind="access", at=at,
                  actor=event.actor, actor_role=event.actor_role, owner=event.owner,
                  record=event.record, action=event.action, ip=event.ip,
                  expires_at=self._expiry(event.at, retention)).save(condition=AuditItem.pk.does_not_exist())

    def logins_of(self, subject: str, limit: int = 50) -> list[LoginEvent]:
        items = AuditItem.query(f"LOGIN#{subject}", scan_index_forward=False, limit=limit)
        return [_login(i) for i in items]

    def failures_from(self, ip: str, since: datetime, at_most: int | None = None) -> int:
        """Failures from ``ip`` since ``since``, counted up to ``at_most``: a throttle needs to know
        only whether the limit is reached, and a flood must not make every later check read it all."""
        items = AuditItem.by_secondary.query(f"LOGINIP#{ip}", AuditItem.gsi1sk >= _iso(since),
                                             filter_condition=AuditItem.result == LoginResult.FAILURE.value,
                                             limit=at_most)
        return sum(1 for _ in items)

    def failures_of(self, subject: str, since: datetime, at_most: int | None = None) -> int:
        items = AuditItem.query(f"LOGIN#{subject}", AuditItem.sk >= _iso(since),
                                filter_condition=AuditItem.result == LoginResult.FAILURE.value, limit=at_most)
        return sum(1 for _ in items)

    def accesses(self, since: datetime, until: datetime, *, actor: str | None = None,
                 owner: str | None = None, limit: int = 200) -> list[AccessEvent]:
        if until < since:
            return []
        found: list[AccessEvent] = []
        if actor:
            query = AuditItem.by_secondary.query(
                f"ACCESSBY#{actor}", AuditItem.gsi1sk.between(_iso(since), _iso(until)),
                scan_index_forward=False)
            events = (_access(i) for i in query)
        else:
            days = (until.date() - since.date()).days
            if days > MAX_DAYS_PER_QUERY:
                raise ValueError(f"choose at most {MAX_DAYS_PER_QUERY} days at a time")
            events = (_access(i) for d in range(days, -1, -1)
                      for i in AuditItem.query(f"ACCESS#{(since.date() + timedelta(days=d)).isoformat()}",
                                               AuditItem.sk.between(_iso(since), _iso(until) + "~"),
                                               scan_index_forward=False))
        for event in events:
            if owner and event.owner != owner:
                continue
            found.append(event)
            if len(found) >= limit:
                break
        return found


def _login(item: AuditItem) -> LoginEvent:
    return LoginEvent(at=datetime.fromisoformat(item.at), provider=item.provider or "",
                      result=LoginResult(item.result), reason=item.reason or "", ip=item.ip or "",
                      user_agent=item.user_agent or "", subject=item.subject)


def _access(item: AuditItem) -> AccessEvent:
    return AccessEvent(at=datetime.fromisoformat(item.at), actor=item.actor or "",
                       actor_role=item.actor_role or "", owner=item.owner or "",
                       record=item.record or "", action=item.action or "", ip=item.ip or "")

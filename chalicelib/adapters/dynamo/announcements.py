"""Announcements: ``pk=ANNOUNCEMENTS``, ``sk=<id>`` in the main table (one Query reads them all;
each item expires 30 days after its end)."""

from __future__ import annotations

from datetime import timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError

from chalicelib.adapters.dynamo.base import MAIN, KeyedItem
from chalicelib.domain.announcements import Announcement, AnnouncementKind

PK = "ANNOUNCEMENTS"
KEEP_AFTER_END = timedelta(days=30)


class AnnouncementItem(KeyedItem, table=MAIN):
    kind = UnicodeAttribute()
    message_ko = UnicodeAttribute()
    message_en = UnicodeAttribute(null=True)
    starts_at = UTCDateTimeAttribute()
    ends_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute(null=True)


class DynamoAnnouncementStore:
    def save(self, a: Announcement) -> None:
        AnnouncementItem(PK, a.id, kind=a.kind.value, message_ko=a.message_ko, message_en=a.message_en,
                         starts_at=a.starts_at, ends_at=a.ends_at, created_at=a.created_at,
                         expires_at=int((a.ends_at + KEEP_AFTER_END).timestamp())).save()

    def all(self) -> list[Announcement]:
        return [Announcement(id=i.sk, kind=AnnouncementKind(i.kind), message_ko=i.message_ko, message_en=i.message_en,
                             starts_at=i.starts_at, ends_at=i.ends_at, created_at=i.created_at)
                for i in AnnouncementItem.query(PK)]

    def delete(self, announcement_id: str) -> bool:
        try:
            AnnouncementItem(PK, announcement_id).delete(condition=AnnouncementItem.pk.exists())
        except DeleteError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

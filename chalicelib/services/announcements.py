"""Announcements for every page: admins put up a closure or maintenance notice for a period; the
pages show the ones active by the service's clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from chalicelib.domain.announcements import (
    Announcement,
    AnnouncementKind,
    AnnouncementNotFoundError,
    AnnouncementStore,
    check_period,
)


class Announcements:
    def __init__(self, store: AnnouncementStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def active(self) -> list[Announcement]:
        now = self._clock()
        return sorted((a for a in self._store.all() if a.is_active(now)), key=lambda a: a.starts_at)

    def all(self) -> list[Announcement]:
        """Current and coming ones first by start, then the ended ones."""
        now = self._clock()
        return sorted(self._store.all(), key=lambda a: (a.ends_at <= now, a.starts_at))

    def put_up(self, kind: AnnouncementKind, message_ko: str, message_en: str | None, starts_at: datetime,
               ends_at: datetime) -> Announcement:
        now = self._clock()
        check_period(starts_at, ends_at, now)
        announcement = Announcement(id=str(uuid.uuid4()), kind=kind, message_ko=message_ko, message_en=message_en,
                                    starts_at=starts_at, ends_at=ends_at, created_at=now)
        self._store.save(announcement)
        return announcement

    def take_down(self, announcement_id: str) -> None:
        if not self._store.delete(announcement_id):
            raise AnnouncementNotFoundError()

"""In-memory twin of ``DynamoAnnouncementStore`` (tests)."""

from __future__ import annotations

import threading

from chalicelib.domain.announcements import Announcement


class MemoryAnnouncementStore:
    def __init__(self) -> None:
        self._items: dict[str, Announcement] = {}
        self._lock = threading.Lock()

    def save(self, announcement: Announcement) -> None:
        with self._lock:
            self._items[announcement.id] = announcement

    def all(self) -> list[Announcement]:
        with self._lock:
            return list(self._items.values())

    def delete(self, announcement_id: str) -> bool:
        with self._lock:
            return self._items.pop(announcement_id, None) is not None

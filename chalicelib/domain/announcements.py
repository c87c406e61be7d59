"""Announcements: a notice the programme's staff put on every page for a while (a holiday closure,
a system maintenance), in Korean and optionally English. Pure domain: no AWS here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

MAX_DAYS = 62


class AnnouncementKind(StrEnum):
    CLOSURE = "closure"
    MAINTENANCE = "maintenance"


class AnnouncementError(ValueError):
    """The notice's period is empty ("reversed"), in the past ("past") or too long ("too_long", over
    ``max_days``)."""

    def __init__(self, reason: str) -> None:
        self.reason, self.max_days = reason, MAX_DAYS
        super().__init__(reason)


class AnnouncementNotFoundError(LookupError):
    """There is no announcement with this id."""


@dataclass(frozen=True)
class Announcement:
    id: str
    kind: AnnouncementKind
    message_ko: str
    message_en: str | None
    starts_at: datetime
    ends_at: datetime
    created_at: datetime

    def is_active(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" and self.message_en else self.message_ko


def check_period(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if ends_at <= starts_at:
        raise AnnouncementError("reversed")
    if ends_at <= now:
        raise AnnouncementError("past")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise AnnouncementError("too_long")


class AnnouncementStore(Protocol):
    def save(self, announcement: Announcement) -> None: ...

    def all(self) -> list[Announcement]: ...

    def delete(self, announcement_id: str) -> bool: ...

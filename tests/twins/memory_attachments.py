"""In-memory twins of ``DynamoAttachmentStore`` and ``S3ObjectStore`` (functional tests, no AWS)."""

from __future__ import annotations

import threading
from datetime import datetime
from urllib.parse import quote

from chalicelib.domain.attachments import Attachment, AttachmentBusyError, AttachmentStatus, TooManyAttachmentsError


class MemoryAttachmentStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], Attachment] = {}
        self._counts: dict[str, int] = {}

    def reserve(self, attachment: Attachment, max_files: int, expires_at: datetime) -> None:
        with self._lock:
            key = (attachment.consultation_id, attachment.id)
            count = self._counts.get(attachment.consultation_id, 0)
            if count >= max_files or key in self._items:
                raise TooManyAttachmentsError(max_files)
            self._counts[attachment.consultation_id] = count + 1
            self._items[key] = attachment

    def get(self, consultation_id: str, attachment_id: str) -> Attachment | None:
        with self._lock:
            return self._items.get((consultation_id, attachment_id))

    def list(self, consultation_id: str) -> list[Attachment]:
        with self._lock:
            found = [a for (cid, _), a in self._items.items() if cid == consultation_id]
        return sorted(found, key=lambda a: (a.created_at, a.id))

    def claim(self, consultation_id: str, attachment_id: str, now: datetime, stale_before: datetime) -> bool:
        with self._lock:
            found = self._items.get((consultation_id, attachment_id))
            if found is None:
                return False
            stale = found.status is AttachmentStatus.CHECKING and found.claimed_at is not None \
                and found.claimed_at < stale_before
            if found.status is not AttachmentStatus.PENDING and not stale:
                return False
            self._items[(consultation_id, attachment_id)] = found.evolve(status=AttachmentStatus.CHECKING,
                                                                         claimed_at=now)
            return True

    def finish(self, attachment: Attachment, retention_expires_at: datetime | None) -> None:
        with self._lock:
            key = (attachment.consultation_id, attachment.id)
            found = self._items.get(key)
            if found is None or found.status is not AttachmentStatus.CHECKING:
                raise AttachmentBusyError()
            self._items[key] = attachment.evolve(claimed_at=None)
            if attachment.status is AttachmentStatus.REJECTED:
                self._counts[attachment.consultation_id] -= 1

    def erase(self, consultation_id: str) -> int:
        with self._lock:
            doomed = [k for k in self._items if k[0] == consultation_id]
            for k in doomed:
                del self._items[k]
            self._counts.pop(consultation_id, None)
            return len(doomed)


class MemoryObjectStore:
    """Objects in a dict; forms and links point at a made-up host (never fetched)."""

    BASE = "https://attachments.invalid"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.objects: dict[str, tuple[bytes, str]] = {}

    def upload_form(self, key: str, content_type: str, max_bytes: int, expires_in: int) -> dict[str, object]:
        return {"url": self.BASE, "fields": {"key": key, "Content-Type": content_type}}

    def size_of(self, key: str) -> int | None:
        with self._lock:
            found = self.objects.get(key)
        return len(found[0]) if found else None

    def read(self, key: str, max_bytes: int) -> bytes:
        with self._lock:
            return self.objects[key][0][:max_bytes]

    def put(self, key: str, body: bytes, content_type: str) -> None:
        with self._lock:
            self.objects[key] = (body, content_type)

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self.objects.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        with self._lock:
            doomed = [k for k in self.objects if k.startswith(prefix)]
            for k in doomed:
                del self.objects[k]
            return len(doomed)

    def download_url(self, key: str, expires_in: int, *, content_type: str, filename: str | None) -> str:
        return f"{self.BASE}/{quote(key)}?expires_in={expires_in}"

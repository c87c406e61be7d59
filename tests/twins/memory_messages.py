"""In-memory twins of the delivery ledger and the receipt counter (unit and functional tests)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.deliveries import Delivery, Result


class MemoryDeliveryLedger:
    def __init__(self) -> None:
        self.items: dict[str, Delivery] = {}
        self._claims: dict[str, tuple[str, datetime | None]] = {}
        self._allowance: Counter[tuple[str, str]] = Counter()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._reply_alerts: dict[str, tuple[datetime, str]] = {}
        self._lock = threading.Lock()

    def claim(self, delivery: Delivery, now: datetime, *, retry_failed: bool = False) -> str | None:
        with self._lock:
            earlier = self.items.get(delivery.key)
            if earlier is not None and not (retry_failed and earlier.result is Result.FAILED):
                return None
            token = uuid.uuid4().hex
            self.items[delivery.key] = delivery
            self._claims[delivery.key] = (token, None)
            return token

    def queue(self, delivery: Delivery) -> bool:
        with self._lock:
            if delivery.key in self.items:
                return False
            self.items[delivery.key] = Delivery(**{**delivery.__dict__, "result": Result.QUEUED})
            return True

    def due(self, now: datetime, limit: int = 100) -> list[Delivery]:
        with self._lock:
            due = [d for d in self.items.values() if d.result is Result.QUEUED and d.due_at and d.due_at <= now]
        return sorted(due, key=lambda d: (d.due_at, d.key))[:limit]

    def claim_queued(self, key: str, now: datetime, lease: timedelta) -> str | None:
        with self._lock:
            item = self.items.get(key)
            held = self._claims.get(key)
            if item is None or item.result is not Result.QUEUED or (held and held[1] and held[1] > now):
                return None
            token = uuid.uuid4().hex
            self._claims[key] = (token, now + lease)
            return token

    def mark(self, delivery: Delivery, token: str, now: datetime) -> bool:
        with self._lock:
            held = self._claims.get(delivery.key)
            if held is None or held[0] != token:
                return False
            self.items[delivery.key] = Delivery(**{**delivery.__dict__, "variables": {}, "due_at": None})
            self._claims[delivery.key] = ("", None)
            month = now.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m")
            name = f"{delivery.template or delivery.event}#{delivery.channel}#{delivery.result.value}"
            self._counts[(month, name)] += 1
            return True

    def awaiting_result(self, limit: int = 100) -> list[Delivery]:
        with self._lock:
            return [d for d in self.items.values() if d.awaits_result][:limit]

    def settle(self, delivery: Delivery, now: datetime) -> bool:
        """Record a delivery report of a message that awaited one (moves its count too)."""
        with self._lock:
            current = self.items.get(delivery.key)
            if current is None or not current.awaits_result:
                return False
            self.items[delivery.key] = delivery
            month = now.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m")
            self._counts[(month, f"{current.template}#{current.channel}#{current.result.value}")] -= 1
            self._counts[(month, f"{delivery.template}#{delivery.channel}#{delivery.result.value}")] += 1
            return True

    def take_allowance(self, recipient: str, day: str, limit: int) -> bool:
        with self._lock:
            if self._allowance[(recipient, day)] >= limit:
                return False
            self._allowance[(recipient, day)] += 1
            return True

    def take_reply_alert(self, consultation_id: str, read_marker: str, now: datetime,
                         window: timedelta) -> bool:
        with self._lock:
            last = self._reply_alerts.get(consultation_id)
            if last is not None and last[1] == read_marker and last[0] > now - window:
                return False
            self._reply_alerts[consultation_id] = (now, read_marker)
            return True

    def counts(self, month: str) -> dict[str, int]:
        with self._lock:
            return {key: n for (m, key), n in self._counts.items() if m == month}


class MemoryReceiptCounter:
    def __init__(self) -> None:
        self._next: Counter[str] = Counter()
        self._lock = threading.Lock()

    def next(self, local_now: datetime) -> str:
        period = local_now.strftime("%y%m")
        with self._lock:
            self._next[period] += 1
            return f"{period}-{self._next[period]:04d}"

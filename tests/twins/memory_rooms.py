"""In-memory twin of ``DynamoThreadStore`` (functional tests, no AWS): same contract."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.rooms import (
    MessageRateLimitedError,
    OutcomeAlreadyRecordedError,
    OutcomeRecord,
    SealedMessage,
    Side,
    Signal,
    ThreadClosedError,
    ThreadState,
    new_cursor,
)


class MemoryThreadStore:
    def __init__(self, loads: Any = None) -> None:
        """``loads``: the ``MemoryLoadStore`` a no-show's count goes back to (as DynamoDB does in the
        outcome's own transaction); without one, ``unloaded`` only records it."""
        self._loads = loads
        self._lock = threading.Lock()
        self._messages: dict[str, list[SealedMessage]] = defaultdict(list)
        self._threads: dict[str, ThreadState] = {}
        self._rates: dict[tuple[str, str], int] = defaultdict(int)
        self._nudge_marks: dict[str, datetime] = {}  # consultation id -> waiting mark (the sparse index)
        self._signals: dict[str, list[tuple[Signal, datetime]]] = defaultdict(list)
        self._outcomes: dict[str, OutcomeRecord] = {}
        self.unloaded: list[tuple[str, int]] = []  # no-shows taken off an attorney's count (attorney, year)

    def _state(self, consultation_id: str) -> ThreadState:
        return self._threads.get(consultation_id) or ThreadState(
            consultation_id, read={Side.RESIDENT: None, Side.ATTORNEY: None},
            unread={Side.RESIDENT: 0, Side.ATTORNEY: 0})

    def post(self, message: SealedMessage, *, rate_key: str, rate_limit: int, now: datetime,
             retention: timedelta) -> str:
        with self._lock:
            minute = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
            if self._rates[(rate_key, minute)] >= rate_limit:
                raise MessageRateLimitedError(rate_limit)
            state = self._state(message.consultation_id)
            if state.closed:
                raise ThreadClosedError()
            cursor = message.cursor
            if state.last_cursor is not None and cursor <= state.last_cursor:
                cursor = new_cursor(now, state.last_cursor)
            self._rates[(rate_key, minute)] += 1
            side, other = message.side, message.side.other
            read = dict(state.read or {})
            unread = dict(state.unread or {})
            read[side], unread[side] = cursor, 0
            unread[other] = unread.get(other, 0) + 1
            waiting = state.waiting_since
            if side is Side.RESIDENT:
                waiting = waiting or now
                self._nudge_marks.setdefault(message.consultation_id, now)
            else:
                waiting = None
                self._nudge_marks.pop(message.consultation_id, None)
            self._threads[message.consultation_id] = replace(state, last_cursor=cursor, read=read, unread=unread,
                                                             waiting_since=waiting)
            self._messages[message.consultation_id].append(replace(message, cursor=cursor))
            return cursor

    def messages(self, consultation_id: str, since: str | None, limit: int) -> list[SealedMessage]:
        with self._lock:
            found = sorted(self._messages[consultation_id], key=lambda m: m.cursor)
        return [m for m in found if since is None or m.cursor > since][:limit]

    def state(self, consultation_id: str) -> ThreadState:
        with self._lock:
            return self._state(consultation_id)

    def mark_read(self, consultation_id: str, side: Side, until: str) -> ThreadState:
        with self._lock:
            state = self._state(consultation_id)
            if (state.read_by(side) or "") >= until:
                return state
            still = sum(1 for m in self._messages[consultation_id] if m.side is side.other and m.cursor > until)
            read, unread = dict(state.read or {}), dict(state.unread or {})
            read[side], unread[side] = until, still
            self._threads[consultation_id] = replace(state, read=read, unread=unread)
            return self._threads[consultation_id]

    def close(self, consultation_id: str) -> None:
        with self._lock:
            self._threads[consultation_id] = replace(self._state(consultation_id), closed=True)
            self._nudge_marks.pop(consultation_id, None)

    def erase(self, consultation_id: str) -> int:
        """Delete a thread's messages and signals (the resident left); returns how many."""
        with self._lock:
            erased = len(self._messages.pop(consultation_id, [])) + len(self._signals.pop(consultation_id, []))
            record = self._outcomes.get(consultation_id)
            if record is not None and record.sealed_note is not None:
                self._outcomes[consultation_id] = replace(record, sealed_note=None)
                erased += 1
            return erased

    def waiting(self, older_than: datetime, limit: int = 100) -> list[tuple[str, datetime]]:
        with self._lock:
            due = sorted((at, cid) for cid, at in self._nudge_marks.items() if at < older_than)
        return [(cid, at) for at, cid in due[:limit]]

    def mark_nudged(self, consultation_id: str, waiting_since: datetime, now: datetime) -> bool:
        with self._lock:
            if self._nudge_marks.get(consultation_id) != waiting_since:
                return False
            del self._nudge_marks[consultation_id]
            return True

    def add_signal(self, signal: Signal, ttl: timedelta) -> None:
        with self._lock:
            self._signals[signal.consultation_id].append((signal, signal.sent_at + ttl))

    def signals(self, consultation_id: str, since: str | None, now: datetime) -> list[Signal]:
        with self._lock:
            found = sorted(self._signals[consultation_id], key=lambda s: s[0].cursor)
        return [s for s, expires in found if expires >= now and (since is None or s.cursor > since)]

    def save_outcome(self, record: OutcomeRecord, unload: tuple[str, int] | None = None) -> None:
        with self._lock:
            if record.consultation_id in self._outcomes:
                raise OutcomeAlreadyRecordedError()
            self._outcomes[record.consultation_id] = record
            if unload is not None:
                self.unloaded.append(unload)
                if self._loads is not None:
                    self._loads.decrement(*unload)

    def outcome(self, consultation_id: str) -> OutcomeRecord | None:
        with self._lock:
            return self._outcomes.get(consultation_id)

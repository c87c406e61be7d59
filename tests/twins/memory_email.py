"""In-memory twin of the e-mail health store (unit and functional tests)."""

from __future__ import annotations

import threading

from chalicelib.domain.email_health import EmailFailure


class MemoryEmailHealthStore:
    def __init__(self) -> None:
        self._failures: dict[str, EmailFailure] = {}
        self._lock = threading.Lock()

    def failure(self, attorney_id: str) -> EmailFailure | None:
        return self._failures.get(attorney_id)

    def mark(self, failure: EmailFailure) -> None:
        with self._lock:
            self._failures.setdefault(failure.attorney_id, failure)

    def clear(self, attorney_id: str) -> bool:
        with self._lock:
            return self._failures.pop(attorney_id, None) is not None

    def failing(self) -> list[EmailFailure]:
        return sorted(self._failures.values(), key=lambda f: f.attorney_id)

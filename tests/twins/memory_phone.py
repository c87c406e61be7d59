"""In-memory twin of ``DynamoPhoneVerificationStore`` (functional tests, no AWS): same contract."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from chalicelib.domain.phone_verification import PhoneChallenge


class MemoryPhoneVerificationStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.challenges: dict[str, PhoneChallenge] = {}
        self.verified: dict[tuple[str, str], datetime] = {}  # (subject key, phone key) -> until
        self.sends: dict[tuple[str, str], int] = {}

    def replace_challenge(self, challenge: PhoneChallenge) -> None:
        with self._lock:
            self.challenges[challenge.subject_key] = challenge

    def spend_attempt(self, subject_key: str, now: datetime) -> PhoneChallenge | None:
        with self._lock:
            current = self.challenges.get(subject_key)
            if current is None or current.attempts_left <= 0 or current.expires_at <= now:
                return None
            spent = replace(current, attempts_left=current.attempts_left - 1)
            self.challenges[subject_key] = spent
            return spent

    def finish(self, challenge: PhoneChallenge, now: datetime, until: datetime) -> bool:
        with self._lock:
            current = self.challenges.get(challenge.subject_key)
            if current is None or current.code_hash != challenge.code_hash:
                return False
            del self.challenges[challenge.subject_key]
            self.verified[(challenge.subject_key, challenge.phone_key)] = until
            return True

    def is_verified(self, subject_key: str, phone_key: str, now: datetime) -> bool:
        until = self.verified.get((subject_key, phone_key))
        return until is not None and until > now

    def erase(self, subject_key: str) -> int:
        with self._lock:
            gone = [k for k in self.verified if k[0] == subject_key]
            for key in gone:
                del self.verified[key]
            return len(gone) + (1 if self.challenges.pop(subject_key, None) is not None else 0)

    def take_send(self, key: str, window: str, limit: int, expires_at: datetime) -> bool:
        with self._lock:
            used = self.sends.get((key, window), 0)
            if used >= limit:
                return False
            self.sends[(key, window)] = used + 1
            return True

"""Keyed hashes (HMAC-SHA256) of identities, for counters that must outlive an account.

An abuse limit must hold when a person leaves and signs up again, yet leaving erases who they
were. The counters are therefore keyed by ``HMAC(key, purpose + ":" + value)`` of the provider
identity (``kakao:<id>``) or the phone number: the same person maps to the same counter, the
counter says nothing about who it is without the key, and the key lives only in the stage's
secret store (``maeul/<stage>/identity-key``, ``{"key": "<hex>"}``, set by the deploy script).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from typing import Any


class IdentityKeyMissingError(RuntimeError):
    """The stage has no identity key (deploy with scripts/deploy, which creates it)."""


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


class SecretsManagerIdentityKey:
    """The key from Secrets Manager, read once per container."""

    def __init__(self, client: Any, secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def _load(self) -> bytes:
        with self._lock:
            if self._key is None:
                if not self._secret_id:
                    raise IdentityKeyMissingError("no identity key is configured (MAEUL_IDENTITY_KEY_SECRET_ARN)")
                doc = json.loads(self._client.get_secret_value(SecretId=self._secret_id)["SecretString"] or "{}")
                key = doc.get("key") if isinstance(doc, dict) else None
                if not isinstance(key, str) or len(key) < 32:
                    raise IdentityKeyMissingError("the identity key secret holds no key; run scripts/deploy")
                self._key = bytes.fromhex(key)
            return self._key

    def digest(self, purpose: str, value: str) -> str:
        return keyed_hash(self._load(), purpose, value)


class StaticIdentityKey:
    """A fixed key (tests and the in-memory twins)."""

    def __init__(self, key: bytes = b"maeul-test-identity-key-0123456789") -> None:
        self._key = key

    def digest(self, purpose: str, value: str) -> str:
        return keyed_hash(self._key, purpose, value)

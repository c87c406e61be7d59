"""The providers' credentials from the stage's secret store.

``maeul/<stage>/oauth`` (Secrets Manager, created by ``infra/``) holds
``{"kakao_client_secret", "naver_client_secret", "kakao_admin_key"}``. It is
read once per container and re-read every few minutes, so a rotated secret is
picked up without a deploy. Values are never logged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

NAMES = ("kakao_client_secret", "naver_client_secret", "kakao_admin_key")


class OAuthSecretMissingError(RuntimeError):
    """A provider credential is not set for this stage."""


class SecretsManagerOAuthSecrets:
    def __init__(self, client: Any, secret_id: str, *, ttl: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._secret_id = secret_id
        self._ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._values: dict[str, str] | None = None
        self._loaded_at = 0.0

    def get(self, name: str) -> str:
        with self._lock:
            if self._values is None or self._monotonic() - self._loaded_at >= self._ttl:
                if not self._secret_id:
                    raise OAuthSecretMissingError("no provider secret is configured (MAEUL_OAUTH_SECRET_ARN)")
                raw = self._client.get_secret_value(SecretId=self._secret_id)["SecretString"]
                doc = json.loads(raw or "{}")
                self._values = {k: str(v) for k, v in doc.items() if isinstance(v, str)}
                self._loaded_at = self._monotonic()
            value = self._values.get(name)
        if not value:
            raise OAuthSecretMissingError(f"the provider credential {name!r} is not set for this stage")
        return value


class StaticOAuthSecrets:
    """Fixed credentials (tests)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def get(self, name: str) -> str:
        value = self._values.get(name)
        if not value:
            raise OAuthSecretMissingError(f"the provider credential {name!r} is not set")
        return value

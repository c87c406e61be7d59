"""The dev IdP's configuration: registered clients, lifetimes, admin keys (from the environment)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

KAKAO = "kakao"
NAVER = "naver"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8101
DEFAULT_REDIRECT_URIS = (
    "http://127.0.0.1:8000/auth/kakao/callback,"
    "http://127.0.0.1:8000/auth/naver/callback,"
    "http://localhost:8000/auth/kakao/callback,"
    "http://localhost:8000/auth/naver/callback"
)


@dataclass(frozen=True)
class Client:
    provider: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    clients: Mapping[str, Client]
    code_ttl: float = 600.0
    slow_seconds: float = 30.0
    # Kakao's app admin keys (``KakaoAK``: server-to-server calls such as unlinking a user), per client
    kakao_admin_keys: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        uris = tuple(
            u.strip()
            for u in env.get("IDP_REDIRECT_URIS", DEFAULT_REDIRECT_URIS).split(",")
            if u.strip()
        )
        specs = [
            (
                KAKAO,
                env.get("KAKAO_CLIENT_ID", "maeul-local-kakao"),
                env.get("KAKAO_CLIENT_SECRET", "maeul-local-kakao-secret"),
            ),
            (
                NAVER,
                env.get("NAVER_CLIENT_ID", "maeul-local-naver"),
                env.get("NAVER_CLIENT_SECRET", "maeul-local-naver-secret"),
            ),
        ]
        for item in env.get("IDP_EXTRA_CLIENTS", "").split(","):
            if not item.strip():
                continue
            parts = item.strip().split(":", 2)
            if len(parts) != 3 or parts[0] not in (KAKAO, NAVER) or not all(parts):
                raise ValueError(
                    "IDP_EXTRA_CLIENTS entries must be kakao|naver:client_id:client_secret"
                )
            specs.append((parts[0], parts[1], parts[2]))
        clients: dict[str, Client] = {}
        for provider, client_id, secret in specs:
            if client_id in clients:
                raise ValueError(f"client_id registered twice: {client_id}")
            clients[client_id] = Client(provider, client_id, secret, uris)
        kakao_id = env.get("KAKAO_CLIENT_ID", "maeul-local-kakao")
        return cls(
            clients=clients,
            code_ttl=float(env.get("IDP_CODE_TTL_SECONDS", "600")),
            slow_seconds=float(env.get("IDP_SLOW_SECONDS", "30")),
            kakao_admin_keys={env.get("KAKAO_ADMIN_KEY", "maeul-local-kakao-admin-key"): kakao_id},
        )

    def client_for(self, provider: str, client_id: str | None) -> Client | None:
        """The registered client ``client_id`` if it is one of ``provider``'s, else None."""
        client = self.clients.get(client_id or "")
        return client if client is not None and client.provider == provider else None

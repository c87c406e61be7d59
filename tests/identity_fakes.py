"""A container for sign-in tests without AWS: the real services over in-memory twins.

Everything the sign-in path needs is replaced by its twin (users, invites,
sessions, pending sign-ins, audit log, field cipher, JWT key set, provider
secrets, the attorney links); the services, the JWT codec and the provider
clients are the production ones, so a test drives the real code against the
dev identity provider.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.adapters.jwt_tokens import StaticKeySource
from chalicelib.adapters.oauth_secrets import StaticOAuthSecrets
from chalicelib.composition import Container
from chalicelib.settings import Settings
from tests.twins.memory import MemoryAuditLog, MemoryConsultationRepository
from tests.twins.memory_identity import (
    MemoryAttorneyLinks,
    MemoryFactorStore,
    MemoryInviteStore,
    MemorySessionStore,
    MemoryUserStore,
)
from tests.twins.memory_phone import MemoryPhoneVerificationStore

LOCAL_SECRETS = {"kakao_client_secret": "maeul-local-kakao-secret",
                 "naver_client_secret": "maeul-local-naver-secret",
                 "kakao_admin_key": "maeul-local-kakao-admin-key"}


class Clock:
    """A clock that tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 12, 1, 1, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


AttorneyRoster = MemoryAttorneyLinks  # the links answer the roster lookup invites need, too


def signin_container(env: dict[str, str], clock: Clock | None = None, *,
                     attorney_links: dict[str, str] | None = None, attorneys: set[str] | None = None,
                     secrets: dict[str, str] | None = None) -> Container:
    settings = Settings.from_env({"MAEUL_STAGE": "local", **env})
    roster = AttorneyRoster(attorney_links, attorneys)
    cipher = LocalFieldCipher()
    users = MemoryUserStore(cipher)
    return Container(
        settings, clock=clock or Clock(),
        cipher=cipher,
        attorneys=roster,
        audit=MemoryAuditLog(),
        users=users,
        account_languages=users,  # the same records: the memory store answers both
        invites=MemoryInviteStore(roster),
        session_store=MemorySessionStore(),
        second_factors=MemoryFactorStore(cipher),
        jwt_keys=StaticKeySource.generate(),
        oauth_secrets=StaticOAuthSecrets(secrets or LOCAL_SECRETS),
        consultations=MemoryConsultationRepository(settings.policy.retention_days_after_close),
        phone_verification_store=MemoryPhoneVerificationStore(),
    )

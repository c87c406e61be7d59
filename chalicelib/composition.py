"""Composition root: builds the expensive things once per Lambda container.

boto3 clients, the KMS-backed field cipher and the repositories are created
lazily on first use and then reused by every invocation the container
serves. Tests replace the whole container with ``use_container`` (fakes for
unit/functional tests, a container pointed at the emulator for integration).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from chalicelib.domain.calendar import ServiceCalendar, ServiceWindow
from chalicelib.settings import Settings, get_settings

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class Container:
    """Everything a handler needs, wired from one ``Settings``."""

    def __init__(self, settings: Settings, clock: Clock = system_clock) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()

    @cached_property
    def calendar(self) -> ServiceCalendar:
        policy = self.settings.policy
        windows = [ServiceWindow(w.start, w.end) for w in policy.service_windows]
        return ServiceCalendar(windows, tz=policy.timezone)

    @cached_property
    def tables(self) -> dict[str, str]:
        from chalicelib.adapters.dynamo import base

        s = self.settings
        names = {base.MAIN: s.main_table, base.AUDIT: s.audit_table, base.IDEMPOTENCY: s.idempotency_table}
        base.bind(names, s.region)
        return names

    @cached_property
    def cipher(self) -> Any:
        from chalicelib.adapters.field_cipher import KmsFieldCipher

        return KmsFieldCipher(self.settings.kms_key_arn, app="maeul", stage=self.settings.stage)

    @cached_property
    def attorneys(self) -> Any:
        from chalicelib.adapters.dynamo.attorneys import DynamoAttorneyRepository

        self.tables  # noqa: B018 - bind models before first use
        return DynamoAttorneyRepository(self.cipher)

    @cached_property
    def audit(self) -> Any:
        from chalicelib.adapters.dynamo.audit import DynamoAuditLog

        self.tables  # noqa: B018 - bind models before first use
        return DynamoAuditLog(self.settings.policy.login_history_days)

    @cached_property
    def notifier(self) -> Any:
        from chalicelib.adapters.sns_notifier import SnsNotifier

        s = self.settings
        return SnsNotifier(self.client("sns"), s.attorney_alerts_topic_arn, s.operator_alarms_topic_arn,
                           s.sms_sender_id)

    @cached_property
    def boto_session(self) -> Any:
        import boto3

        return boto3.session.Session(region_name=self.settings.region)

    def client(self, service: str) -> Any:
        """One boto3 client per service per container (thread-safe creation)."""
        with self._lock:
            clients = self.__dict__.setdefault("_clients", {})
            if service not in clients:
                clients[service] = self.boto_session.client(service)
            return clients[service]


_container: Container | None = None
_container_lock = threading.Lock()


def get_container() -> Container:
    global _container
    if _container is None:
        with _container_lock:
            if _container is None:
                _container = Container(get_settings())
    return _container


def use_container(container: Container | None) -> None:
    """Install a container (tests), or ``None`` to rebuild from the environment."""
    global _container
    _container = container
    get_settings.cache_clear()

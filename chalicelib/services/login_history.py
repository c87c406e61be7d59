"""The login history (로그인 이력) and the throttle built on it.

Every attempt to authenticate -- a sign-in, a refresh, an invite redemption,
a second-factor code -- is written with time, IP, user agent, provider,
result and reason (PIPA safety-measures standard §5, §8); a refused access
token of a known person is written too, as ``rejected``. Never a token, a
code or a secret: reasons are fixed identifiers.

The throttle reads the same history: too many *failures* (sign-in, refresh,
invite and second-factor attempts; refused access tokens do not count) from
one IP, or for one account, within the window → ``LoginThrottledError`` (429) until they age out
(§5⑥: restrict access after repeated authentication failures). A throttled
attempt is itself a failure, so hammering keeps the door shut.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib.domain.audit import AuditLog, LoginEvent, LoginResult
from chalicelib.domain.login import Client, LoginThrottledError
from chalicelib.logs import logger
from chalicelib.settings import Policy

TOKEN_PROVIDER = "token"  # the "provider" of attempts made with one of our own tokens


class LoginHistory:
    def __init__(self, audit: AuditLog, policy: Policy, clock: Callable[[], datetime]) -> None:
        self._audit = audit
        self._window = timedelta(minutes=policy.login_throttle_minutes)
        self._per_ip = policy.login_failures_per_ip
        self._per_account = policy.login_failures_per_account
        self._clock = clock

    def success(self, provider: str, client: Client, subject: str, reason: str = "ok") -> None:
        self._write(LoginEvent(at=self._clock(), provider=provider, result=LoginResult.SUCCESS, reason=reason,
                               ip=client.ip, user_agent=client.user_agent, subject=subject))

    def failure(self, provider: str, client: Client, reason: str, subject: str | None = None) -> None:
        logger().info("authentication failed", extra={"provider": provider, "reason": reason})
        self._write(LoginEvent(at=self._clock(), provider=provider, result=LoginResult.FAILURE, reason=reason,
                               ip=client.ip, user_agent=client.user_agent, subject=subject))

    def rejected(self, provider: str, client: Client, reason: str, subject: str) -> None:
        """A refused token of ``subject``'s (ended or expired session): recorded, never throttled on."""
        self._write(LoginEvent(at=self._clock(), provider=provider, result=LoginResult.REJECTED,
                               reason=reason, ip=client.ip, user_agent=client.user_agent, subject=subject))

    def _write(self, event: LoginEvent) -> None:
        self._audit.record_login(event)

    def guard_ip(self, provider: str, client: Client, *, record: bool = True) -> None:
        """429 when this address failed too often lately (the attempt is recorded unless ``record``
        is False: an anonymous start of a sign-in writes nothing)."""
        since = self._clock() - self._window
        if self._audit.failures_from(client.ip, since, at_most=self._per_ip) >= self._per_ip:
            if record:
                self.failure(provider, client, "throttled_ip")
            raise LoginThrottledError("Too many failed sign-in attempts from your network. "
                                      f"Please wait {self.retry_after // 60} minutes and try again.",
                                      retry_after_seconds=self.retry_after)

    def guard_account(self, provider: str, client: Client, subject: str) -> None:
        """429 when this account failed too often lately (the attempt is recorded)."""
        since = self._clock() - self._window
        if self._audit.failures_of(subject, since, at_most=self._per_account) >= self._per_account:
            self.failure(provider, client, "throttled_account", subject)
            raise LoginThrottledError("Too many failed attempts for this account. "
                                      f"Please wait {self.retry_after // 60} minutes and try again.",
                                      retry_after_seconds=self.retry_after, subject=subject)

    @property
    def retry_after(self) -> int:
        return int(self._window.total_seconds())

    def of(self, subject: str, limit: int = 50) -> list[LoginEvent]:
        return self._audit.logins_of(subject, limit)

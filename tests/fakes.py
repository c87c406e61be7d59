"""Fakes shared by the test suites (fakes, not mocks: each honours its port's contract)."""

from __future__ import annotations

import secrets
import threading

from chalicelib.domain.identity import InvalidTokenError, Principal, Provider, Role


class FakeAuthenticator:
    """The ``Authenticator`` port over a table of opaque test tokens.

    ``issue(principal)`` hands out a fresh token for that principal; requests then
    send ``Authorization: Bearer <token>``. Unknown or revoked tokens raise
    ``InvalidTokenError``, as the real authenticator does.
    """

    def __init__(self) -> None:
        self._principals: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def issue(self, principal: Principal) -> str:
        """A token as if the person had just signed in (and, staff, passed their second factor) by the
        installed container's clock, unless the principal says when."""
        from dataclasses import replace

        from chalicelib.composition import get_container

        if principal.signed_in_at is None:
            now = get_container().clock()
            staff = principal.role in (Role.ATTORNEY, Role.ADMIN)
            principal = replace(principal, signed_in_at=now,
                                second_factor_at=principal.second_factor_at or (now if staff else None))
        token = f"test-{secrets.token_urlsafe(16)}"
        with self._lock:
            self._principals[token] = principal
        return token

    def revoke(self, token: str) -> None:
        with self._lock:
            self._principals.pop(token, None)

    def authenticate(self, token: str) -> Principal:
        with self._lock:
            principal = self._principals.get(token)
        if principal is None:
            raise InvalidTokenError("unknown test token")
        return principal

    # Convenience: a principal and its Bearer header in one call.

    def headers_for(self, principal: Principal) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issue(principal)}"}


def resident(name: str, provider: Provider = Provider.KAKAO) -> Principal:
    return Principal(subject=f"{provider.value}:{name}", role=Role.RESIDENT, provider=provider,
                     session_id=f"s-{name}")


def attorney(attorney_id: str, provider: Provider = Provider.KAKAO) -> Principal:
    return Principal(subject=f"{provider.value}:{attorney_id}", role=Role.ATTORNEY, provider=provider,
                     session_id=f"s-{attorney_id}", attorney_id=attorney_id)


def admin(name: str = "admin", provider: Provider = Provider.KAKAO) -> Principal:
    return Principal(subject=f"{provider.value}:{name}", role=Role.ADMIN, provider=provider,
                     session_id=f"s-{name}")

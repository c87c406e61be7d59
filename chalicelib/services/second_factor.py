"""The staff second factor: enrolment, verification, and an admin's reset.

After the provider's callback a staff session (attorney, admin) is pending
(``SessionService.authenticate`` marks its principal) until ``verify``
accepts a code from the person's authenticator app; then the session is
marked and every token of it works in full, refreshes included.

- Enrolment happens at the first staff sign-in: ``status`` creates a secret
  (stored sealed) and hands the page its ``otpauth://`` URI; the first code
  accepted confirms it. Until then the secret is shown again on request.
- A code is accepted once (the store keeps the last accepted time step).
- Wrong codes are sign-in failures of the account and of the address in the
  login history, so the usual throttle locks repeated guessing out.
- Recovery: an admin resets the factor of an attorney's linked accounts
  (their sessions end; they enrol again at their next sign-in). Logged as a
  rights change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.attorneys import AttorneyRepository
from chalicelib.domain.audit import AuditLog
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.login import Client, LoginThrottledError
from chalicelib.domain.offers import UnknownAttorneyError
from chalicelib.domain.second_factor import (
    Factor,
    FactorStore,
    NotEnrolledError,
    SecondFactorError,
    WrongCodeError,
    is_staff,
    matching_step,
    new_secret,
    provisioning_uri,
)
from chalicelib.services import access_log
from chalicelib.services.login_history import LoginHistory
from chalicelib.services.sessions import SessionService

PROVIDER = "second_factor"  # the "provider" of second-factor attempts in the login history


class NotStaffError(Exception):
    """Only attorneys and admins have a second factor."""


@dataclass(frozen=True)
class FactorStatus:
    enrolled: bool
    verified: bool  # this session passed it
    otpauth_uri: str | None = None  # only while enrolling
    secret: str | None = None  # only while enrolling (typed by hand into an app without a camera)


@dataclass(kw_only=True, eq=False, repr=False)
class SecondFactorService:
    factors: FactorStore
    sessions: SessionService
    history: LoginHistory
    audit: AuditLog
    attorneys: AttorneyRepository
    clock: Callable[[], datetime]

    @staticmethod
    def _label(principal: Principal) -> str:
        return f"attorney {principal.attorney_id}" if principal.attorney_id else principal.role.value

    def status(self, principal: Principal) -> FactorStatus:
        """Where this staff member stands; starts an enrolment if they have no factor yet."""
        if not is_staff(principal.role):
            raise NotStaffError()
        verified = not principal.second_factor_pending
        factor = self.factors.get(principal.subject)
        if factor is None:
            factor = self.factors.begin(Factor(principal.subject, new_secret(), self.clock()))
        if factor.enrolled:
            return FactorStatus(enrolled=True, verified=verified)
        return FactorStatus(enrolled=False, verified=verified,
                            otpauth_uri=provisioning_uri(factor.secret, self._label(principal)),
                            secret=factor.secret)

    def verify(self, principal: Principal, code: str, client: Client) -> bool:
        """Accept a code for this session (True: it also completed enrolment)."""
        if not is_staff(principal.role):
            raise NotStaffError()
        try:
            self.history.guard_ip(PROVIDER, client)
            self.history.guard_account(PROVIDER, client, principal.subject)
            factor = self.factors.get(principal.subject)
            if factor is None:
                raise NotEnrolledError()
            step = matching_step(factor.secret, code, self.clock())
            if step is None:
                raise WrongCodeError()
            if step <= factor.last_step or not self.factors.accept(principal.subject, step, self.clock()):
                raise WrongCodeError(reason="second_factor_replayed")
        except LoginThrottledError:
            raise
        except SecondFactorError as exc:
            self.history.failure(PROVIDER, client, exc.reason, principal.subject)
            raise
        self.sessions.confirm_second_factor(principal.session_id)
        enrolled_now = not factor.enrolled
        self.history.success(PROVIDER, client, principal.subject,
                             reason="second_factor_enrolled" if enrolled_now else "second_factor_ok")
        return enrolled_now

    def reset(self, admin: Principal, attorney_id: str, client: Client) -> int:
        """Recovery for a lost phone: the attorney's linked accounts lose their factor and sessions;
        they enrol again at their next sign-in. Returns how many factors were removed."""
        attorney = self.attorneys.get(attorney_id)
        if attorney is None:
            raise UnknownAttorneyError()
        removed = 0
        for subject in sorted(attorney.subjects):
            removed += 1 if self.factors.remove(subject) else 0
            self.sessions.end_all(subject, "second_factor_reset")
        access_log.record_rights_change(self.audit, admin, attorney_id=attorney_id,
                                        action="second_factor_reset", ip=client.ip, now=self.clock())
        return removed

    # -- the local stage ------------------------------------------------------------------------

    def enrol_seeded(self, subject: str, secret: str) -> bool:
        """An enrolled factor for a seeded staff account (local stage seeding only); False when the
        account had one already (it is left as it is)."""
        now = self.clock()
        wanted = Factor(subject, secret, now, enrolled_at=now)
        return self.factors.begin(wanted) is wanted


__all__ = ["PROVIDER", "FactorStatus", "NotStaffError", "Role", "SecondFactorService"]

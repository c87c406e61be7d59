"""The signed-in person's own account: who am I, my login history, leaving,
linking an attorney profile with an invite code; and Kakao's unlink callback.

Leaving (``DELETE /api/me``, or Kakao telling us the person disconnected our
app) erases the person's personal data through every registered eraser (the
user record and its sealed profile; other features register theirs, e.g. the
sensitive fields of consultations) and ends all their sessions. The login
history stays: it holds no personal data beyond address and browser, and the
safety-measures standard requires keeping it (it expires by TTL).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain import languages
from chalicelib.domain.attorneys import AttorneyRepository
from chalicelib.domain.audit import AccessEvent, AuditLog, LoginEvent
from chalicelib.domain.bookings import BookingRepository
from chalicelib.domain.consultations import Consultation, ConsultationRepository, Status
from chalicelib.domain.identity import Principal, Provider, Role, subject_of
from chalicelib.domain.login import AccountUnlinker, Client, LoginThrottledError, ProviderSecrets
from chalicelib.domain.rooms import ThreadStore
from chalicelib.domain.sessions import Tokens
from chalicelib.domain.surveys import SurveyStore
from chalicelib.domain.users import (
    InvalidInviteError,
    Invite,
    InviteStore,
    UserProfile,
    UserStore,
    format_invite_code,
    invite_hash,
    new_invite_code,
    normalise_invite_code,
)
from chalicelib.logs import best_effort
from chalicelib.services.login_history import LoginHistory
from chalicelib.services.sessions import SessionService

if TYPE_CHECKING:  # erasure steps of other features' services (they import more than leaving needs)
    from chalicelib.services.attachments import AttachmentService
    from chalicelib.services.phone_verification import PhoneVerificationService
    from chalicelib.services.reservations import ReservationService

PersonalDataEraser = Callable[[str], object]  # erase(subject): remove that person's personal data


class UnknownAttorneyError(LookupError):
    """No attorney profile with that id."""


class UnknownAccountError(LookupError):
    """The signed-in person has no account record (it was erased meanwhile)."""


class UnlinkUnauthorizedError(Exception):
    """The unlink callback did not carry our Kakao admin key."""


class BadUnlinkRequestError(ValueError):
    """The unlink callback did not name a Kakao user."""


@dataclass(frozen=True)
class Me:
    id: str
    role: Role
    provider: Provider
    attorney_id: str | None
    name: str | None
    phone: str | None


@dataclass(frozen=True)
class Departure:
    sessions_ended: int
    provider_disconnected: bool  # False: the person should disconnect Maeul in their provider's settings


@dataclass(kw_only=True, eq=False, repr=False)
class AccountService:
    users: UserStore
    sessions: SessionService
    history: LoginHistory
    audit: AuditLog
    invites: InviteStore
    roster: AttorneyRepository
    secrets: ProviderSecrets
    erasers: Sequence[PersonalDataEraser]
    clock: Callable[[], datetime]
    invite_ttl: timedelta
    disconnect: Callable[[str], bool] | None = None

    def me(self, principal: Principal) -> Me:
        profile = self.users.profile(principal.subject) or UserProfile()
        return Me(id=principal.subject, role=principal.role, provider=principal.provider,
                  attorney_id=principal.attorney_id, name=profile.name, phone=profile.phone)

    def language(self, principal: Principal) -> str | None:
        """The language the person chose for their account, if they chose one."""
        return self.users.language(principal.subject)

    def set_language(self, principal: Principal, language: str) -> str:
        """Remember ``language`` for the person's account: their pages follow it on every device."""
        if not languages.is_supported(language):
            raise languages.UnknownLanguageError(language)
        if not self.users.set_language(principal.subject, language):
            raise UnknownAccountError()
        return language

    def logins(self, principal: Principal, limit: int = 50) -> list[LoginEvent]:
        return self.history.of(principal.subject, limit)

    # -- leaving -----------------------------------------------------------------

    def leave(self, subject: str, client: Client, provider: str) -> Departure:
        """The person leaves Maeul: their personal data is erased, every session ends, and the
        provider is asked to disconnect Maeul from their account (best effort: leaving never
        fails because the provider does)."""
        ended = self._erase(subject, client, provider, reason="account_deleted")
        disconnected = False
        disconnect = self.disconnect
        if disconnect is not None:  # the account is gone either way
            disconnected = bool(best_effort(lambda: disconnect(subject), "provider disconnect", provider=provider))
        return Departure(ended, disconnected)

    def _erase(self, subject: str, client: Client, provider: str, reason: str) -> int:
        # sessions first (nobody acts as the person while their data goes), then the erasers in their
        # order (free text, then the profile); each is idempotent, so running _erase again after a
        # failure half-way finishes the job
        ended = self.sessions.end_all(subject, reason)
        for erase in self.erasers:
            erase(subject)
        self.history.success(provider, client, subject, reason=reason)
        return ended

    def kakao_unlinked(self, authorization: str | None, user_id: str | None, client: Client) -> str:
        """Kakao's unlink callback: ``Authorization: KakaoAK <admin key>``, ``user_id``."""
        scheme, _, key = (authorization or "").partition(" ")
        expected = self.secrets.get("kakao_admin_key")
        if scheme != "KakaoAK" or not hmac.compare_digest(key.strip().encode(), expected.encode()):
            self.history.failure(Provider.KAKAO.value, client, "unlink_bad_key")
            raise UnlinkUnauthorizedError()
        if not user_id or not user_id.isdigit() or len(user_id) > 20:
            raise BadUnlinkRequestError()
        subject = subject_of(Provider.KAKAO, user_id)
        self._erase(subject, client, Provider.KAKAO.value, reason="provider_unlinked")  # already disconnected
        return subject

    # -- attorney invites --------------------------------------------------------

    def invite_attorney(self, admin: Principal, attorney_id: str, client: Client) -> Invite:
        """A one-time code that links attorney ``attorney_id`` to whoever redeems it."""
        if self.roster.get(attorney_id) is None:
            raise UnknownAttorneyError()
        now = self.clock()
        code = new_invite_code()
        expires = now + self.invite_ttl
        self.invites.create(invite_hash(code), attorney_id, admin.subject, now, expires)
        self.audit.record_access(AccessEvent(at=now, actor=admin.subject, actor_role=admin.role.value,
                                             owner=f"attorney:{attorney_id}", record=f"attorney:{attorney_id}",
                                             action="invite_created", ip=client.ip))
        return Invite(code=format_invite_code(code), attorney_id=attorney_id, expires_at=expires)

    def redeem_invite(self, principal: Principal, raw_code: str, client: Client) -> tuple[str, Tokens]:
        """Link the signed-in account to the invite's attorney; a new access token carries the role."""
        provider = principal.provider.value
        try:
            self.history.guard_ip(provider, client)
            self.history.guard_account(provider, client, principal.subject)
            code = normalise_invite_code(raw_code)
            if code is None:
                raise InvalidInviteError("invite_malformed")
            attorney_id = self.invites.redeem(invite_hash(code), principal.subject, self.clock())
        except LoginThrottledError:
            raise
        except InvalidInviteError as exc:
            self.history.failure(provider, client, exc.reason, principal.subject)
            raise
        self.history.success(provider, client, principal.subject, reason="attorney_linked")
        self.audit.record_access(AccessEvent(at=self.clock(), actor=principal.subject,
                                             actor_role=Role.ATTORNEY.value, owner=principal.subject,
                                             record=f"attorney:{attorney_id}", action="attorney_linked",
                                             ip=client.ip))
        return attorney_id, self.sessions.reissue(principal)


@dataclass(frozen=True)
class PersonalDataErasure:
    """What leaving erases, in order, for one subject: every free text about the person first (messages
    and the outcome note, the survey comment, decline reasons, documents), found through the owner's
    consultations; then the booked slots; then the profile and the verified phone; last the
    consultations' own details, which detaches them from the owner. Each step is idempotent and what a
    later step needs stays findable until it runs, so a retry after a failure half-way finishes the job.
    The account service ends the sessions before these run."""

    consultations: ConsultationRepository
    threads: ThreadStore
    surveys: SurveyStore
    bookings: BookingRepository
    attachments: AttachmentService
    reservations: ReservationService
    users: UserStore
    phone_verification: PhoneVerificationService
    consultation_details: Callable[[str], int]

    def steps(self) -> list[Callable[[str], object]]:
        return [self.threads_of, self.survey_comments_of, self.decline_notes_of, self.documents_of,
                self.bookings_of, self.users.erase, self.phone_verification.erase, self.consultation_details]

    def _owned(self, subject: str) -> Iterator[Consultation]:
        after = None
        while True:
            page = self.consultations.list_by_owner(subject, 100, after)
            yield from page.items
            if not page.after:
                return
            after = page.after

    def threads_of(self, subject: str) -> int:
        """Delete the messages and signals of every consultation the subject owns."""
        return sum(self.threads.erase(c.id) for c in self._owned(subject))

    def documents_of(self, subject: str) -> int:
        """Delete the documents (objects and records) of every consultation the subject owns."""
        return sum(self.attachments.erase_consultation(c.id) for c in self._owned(subject))

    def survey_comments_of(self, subject: str) -> int:
        """Remove the survey comments the subject wrote."""
        return sum(1 for c in self._owned(subject) if self.surveys.erase_comment(c.id))

    def decline_notes_of(self, subject: str) -> int:
        """Remove attorneys' decline reasons about the subject's consultations."""
        return sum(self.bookings.erase_notes(c.id) for c in self._owned(subject))

    def bookings_of(self, subject: str) -> int:
        """Free the upcoming booked slots of the subject's consultations (the attorney is told)."""
        booked = [c.id for c in self._owned(subject) if c.status is Status.BOOKED]
        return sum(1 for cid in booked if self.reservations.release(cid, by="resident_left") is not None)


def disconnect_from_provider(subject: str, kakao: AccountUnlinker, kakao_admin_key: Callable[[], str]) -> bool:
    """Ask the provider to disconnect Maeul from a leaving person's account. Kakao: with the app's admin
    key. Naver needs the person's own token, which Maeul does not keep: False."""
    provider, _, user_id = subject.partition(":")
    if provider != Provider.KAKAO.value:
        return False
    return bool(kakao.unlink(user_id, kakao_admin_key()))

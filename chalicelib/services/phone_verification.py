"""Verified contact phone: a one-time code by SMS, and messages only to verified numbers.

``send_code``: a Korean mobile number only (SMS to a landline or someone abroad cannot be checked),
at most ``phone_codes_per_account_per_day`` codes per account and ``phone_codes_per_number_per_day``
per number per Korean day (both counted under keyed hashes), then the code goes out through the
notifier port (SENS SMS, SNS behind it) in the person's language; only its keyed hash is stored,
with ``phone_code_attempts`` attempts and ``phone_code_minutes`` to use it (the container's clock).

``confirm``: one attempt is spent first (conditionally), then the code is compared; the right one
marks (person, number) verified for ``phone_verified_days``.

``VerifiedPhoneRecipients`` wraps the recipients port: with ``Policy.sms_to_verified_phones_only``
on, a resident's number is handed to a sender only when its owner verified it, so no SMS about a
labour consultation goes to a number nobody proved they hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import phonenumbers

from chalicelib.domain import languages
from chalicelib.domain.attorneys import AttorneyContact
from chalicelib.domain.identity import IdentityKey, Principal
from chalicelib.domain.limits import day_window
from chalicelib.domain.notifications import Notifier, Recipients
from chalicelib.domain.phone_verification import (
    SMS_KEY,
    NotAMobileNumberError,
    PhoneChallenge,
    PhoneCodeUnusableError,
    PhoneVerificationStore,
    TooManyPhoneCodesError,
    WrongPhoneCodeError,
    new_code,
    well_formed,
)
from chalicelib.logs import logger
from chalicelib.settings import Policy

_MOBILE = (phonenumbers.PhoneNumberType.MOBILE,)


@dataclass(frozen=True)
class CodeSent:
    expires_at: datetime
    minutes: int
    attempts: int


def is_korean_mobile(phone_e164: str) -> bool:
    try:
        number = phonenumbers.parse(phone_e164, "KR")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.region_code_for_number(number) == "KR" and phonenumbers.number_type(number) in _MOBILE


@dataclass(kw_only=True, eq=False, repr=False)
class PhoneVerificationService:
    store: PhoneVerificationStore
    notifier: Notifier
    identity_key: IdentityKey
    policy: Policy
    clock: Callable[[], datetime]

    def _subject_key(self, subject: str) -> str:
        return self.identity_key.digest("phone-code-account", subject)

    def _phone_key(self, phone: str) -> str:
        return self.identity_key.digest("phone-code-number", phone)

    def _code_hash(self, subject_key: str, phone_key: str, code: str) -> str:
        return self.identity_key.digest("phone-code", f"{subject_key}:{phone_key}:{code}")

    def send_code(self, principal: Principal, phone: str, language: str | None) -> CodeSent:
        if not is_korean_mobile(phone):
            raise NotAMobileNumberError()
        p = self.policy
        now = self.clock()
        window, ends = day_window(now, p.timezone)
        subject_key, phone_key = self._subject_key(principal.subject), self._phone_key(phone)
        if not self.store.take_send(f"phone_codes#account#{subject_key}", window,
                                    p.phone_codes_per_account_per_day, ends):
            raise TooManyPhoneCodesError(p.phone_codes_per_account_per_day)
        if not self.store.take_send(f"phone_codes#number#{phone_key}", window, p.phone_codes_per_number_per_day,
                                    ends):
            raise TooManyPhoneCodesError(p.phone_codes_per_number_per_day)
        code = new_code()
        expires = now + timedelta(minutes=p.phone_code_minutes)
        self.store.replace_challenge(PhoneChallenge(subject_key, phone_key, self._code_hash(subject_key, phone_key,
                                                                                            code),
                                                    expires, p.phone_code_attempts))
        text = languages.catalogue(language or languages.DEFAULT)[SMS_KEY].format(
            code=code, minutes=p.phone_code_minutes)
        self.notifier.send_sms(phone, text)  # a failure leaves the code unusable: ask again
        logger().info("phone code sent", extra={"attempts": p.phone_code_attempts})
        return CodeSent(expires, p.phone_code_minutes, p.phone_code_attempts)

    def confirm(self, principal: Principal, phone: str, code: str) -> datetime:
        """Mark the number verified for this person; returns until when."""
        now = self.clock()
        subject_key, phone_key = self._subject_key(principal.subject), self._phone_key(phone)
        spent = self.store.spend_attempt(subject_key, now)
        if spent is None:
            raise PhoneCodeUnusableError(self.policy.phone_code_minutes)
        if not well_formed(code) or not spent.matches(phone_key, self._code_hash(subject_key, phone_key, code)):
            raise WrongPhoneCodeError(spent.attempts_left)
        until = now + timedelta(days=self.policy.phone_verified_days)
        if not self.store.finish(spent, now, until):
            raise PhoneCodeUnusableError(self.policy.phone_code_minutes)
        return until

    def is_verified(self, subject: str, phone: str) -> bool:
        return self.store.is_verified(self._subject_key(subject), self._phone_key(phone), self.clock())

    def erase(self, subject: str) -> int:
        """Leaving: the waiting code and every verified number of the person go."""
        return self.store.erase(self._subject_key(subject))


class ResidentDirectory(Recipients, Protocol):
    """The recipients adapter, which also gives a resident's owner with their number in one read."""

    def resident_of(self, consultation_id: str) -> tuple[str, str, str] | None:
        """(phone, language, owner's subject) of the consultation's resident, or None when erased."""
        ...


class VerifiedPhoneRecipients:
    """The recipients port, handing out a resident's number only once its owner verified it.
    ``inner.resident_of(consultation_id)`` gives (phone, language, owner) in one read."""

    def __init__(self, inner: ResidentDirectory, verification: PhoneVerificationService) -> None:
        self._inner = inner
        self._verification = verification

    def resident(self, consultation_id: str) -> tuple[str, str] | None:
        found = self._inner.resident_of(consultation_id)
        if found is None:
            return None
        phone, language, owner = found
        if not self._verification.is_verified(owner, phone):
            logger().info("resident phone not verified: no SMS", extra={"consultation_id": consultation_id})
            return None
        return phone, language

    def attorney(self, attorney_id: str) -> AttorneyContact | None:  # attorneys' own numbers: unchanged
        return self._inner.attorney(attorney_id)

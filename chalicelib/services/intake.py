"""Intake: a resident's consultation request, taken once and stored safely.

``submit`` seals the personal details under the field cipher BEFORE anything
is written (key service down → ``EncryptionUnavailableError``, nothing
stored), derives the triage facts, and stores the consultation, its
idempotency record and the resident's open count in one atomic repository
call. ``erase_personal_data`` is what account deletion calls. ``privacy_notice``
is the consent text shown with the form (purpose, items, retention).

Why not Powertools' idempotency utility: it writes an INPROGRESS record, then
our consultation, then the COMPLETED record (three write requests, not
atomic with the consultation), stores the whole response (here: personal
data) in its table, and answers concurrent duplicates with an "already in
progress" error instead of the consultation. One conditioned transaction with
the consultation and a small record (fingerprint + id) is one write request,
keeps personal data out of the idempotency table, and makes concurrent
duplicates resolve to the one consultation that won.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from chalicelib.clock import Clock
from chalicelib.domain import languages, triage
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.consultations import (
    ENTITY,
    Consultation,
    ConsultationRepository,
    IdempotencyClaim,
    Intake,
    PersonalDetails,
    ReceiptCounter,
    Status,
)
from chalicelib.domain.identity import IdentityKey, Principal
from chalicelib.domain.limits import new_request_quotas
from chalicelib.domain.metrics import Metrics
from chalicelib.domain.sealing import FieldCipher
from chalicelib.logs import best_effort, logger
from chalicelib.services.consultation_reads import ConsultationView, owner_view
from chalicelib.services.sealed_fields import seal_fields
from chalicelib.settings import Policy

# Version of the consent text below; stored with each consultation as proof of
# what the resident agreed to. Change it whenever the text changes.
CONSENT_VERSION = "2026-11"


@dataclass(frozen=True)
class Submission:
    consultation: Consultation
    personal: PersonalDetails | None  # None once erased
    replayed: bool


def submit(*, consultations: ConsultationRepository, cipher: FieldCipher, calendar: ServiceCalendar,
           policy: Policy, owner: str, intake: Intake, idempotency_key: str, now: datetime,
           receipts: ReceiptCounter | None = None, identity_key: IdentityKey | None = None) -> Submission:
    """Store ``intake`` for ``owner`` exactly once per ``idempotency_key``.

    ``receipts`` (a ``ReceiptCounter``) gives the stored request its 접수번호 afterwards (so a
    refused request uses up no number); a request stored without one (the counter failed) gets
    it when the same request is sent again. With ``identity_key`` (the API always passes it), a new
    request also counts against the 30-day limit of its provider identity, kept under a keyed hash
    so that leaving and signing up again does not reset it."""
    consultation_id = str(uuid.uuid4())
    sealed = seal_fields(cipher, ENTITY, consultation_id, intake.personal.to_sealable())
    personal = intake.personal
    facts = triage.assess(category=intake.category, employment_status=personal.employment_status,
                          left_on=personal.left_on, dismissed_on=personal.dismissed_on,
                          pay_band=personal.monthly_pay,
                          lives_or_works_in_gyeonggi=personal.lives_or_works_in_gyeonggi)
    consultation = Consultation(
        id=consultation_id, owner=owner, status=Status.SUBMITTED, category=intake.category,
        region=intake.region, mode=intake.mode, method=intake.method, language=intake.language,
        created_at=now, updated_at=now, month=calendar.to_local(now).strftime("%Y-%m"),
        consent_version=CONSENT_VERSION, triage=facts, sealed=sealed,
        expires_at=now + timedelta(days=policy.intake_backstop_days))  # backstop TTL; closing replaces it
    claim = IdempotencyClaim.of(owner, idempotency_key, intake,
                                expires_at=now + timedelta(hours=policy.idempotency_hours))
    quotas = () if identity_key is None else new_request_quotas(
        identity_key.digest("identity", owner), now, limit=policy.new_requests_per_identity_per_30_days)
    created = consultations.create(consultation, claim, policy.max_open_consultations, quotas)
    stored = created.consultation
    if receipts is not None and not stored.receipt:
        stored = _with_receipt(consultations, receipts, stored, calendar.to_local(now))
    # Same key and same fingerprint: the stored details are the ones just sent.
    return Submission(stored, personal if stored.sealed is not None else None, created.replayed)


def _with_receipt(consultations: ConsultationRepository, receipts: ReceiptCounter, stored: Consultation,
                  local_now: datetime) -> Consultation:
    # the request is stored; without a number now, the number follows on a retry
    receipt = best_effort(lambda: consultations.set_receipt(stored.id, receipts.next(local_now)),
                          "receipt number allocation")
    return stored.evolve(receipt=receipt) if receipt else stored


def erase_personal_data(consultations: ConsultationRepository, owner_subject: str, now: datetime) -> int:
    """Remove the personal details of every consultation of ``owner_subject``, at once.

    For account deletion (``DELETE /api/me``): the sealed attribute is removed
    from each of the owner's consultations, the owner's subject is replaced by
    ``erased``, and open consultations are cancelled (an attorney cannot help
    someone whose contact details are gone). What stays is not personal
    (category, region, status, times) and expires by TTL like any closed
    consultation. Idempotent; returns how many consultations were erased.
    """
    count = consultations.erase_personal_data(owner_subject, now)
    logger().info("personal data erased", extra={"consultations": count})
    return count


# --- the consent text ---------------------------------------------------------------------------

class Text(BaseModel):
    """One text in every language Maeul speaks: ``ko``, ``en`` and one field per other code
    (``vi``, ``zh``, ``ko-x-easy``…), from the catalogue's ``privacy.json``."""

    model_config = ConfigDict(extra="allow")

    ko: str
    en: str


def _text(key: str, **values: object) -> Text:
    return Text(**{code: languages.text(code, key, **values) for code in languages.CODES})


class ConsentSection(BaseModel):
    purpose: Text
    items_required: list[Text]
    items_optional: list[Text]
    retention: Text
    recipients: Text
    refusal: Text


class PrivacyNotice(BaseModel):
    version: str
    controller: Text
    retention_days_after_close: int
    privacy: ConsentSection
    sensitive: ConsentSection
    fallback_phone: str


def _retention_text(days: int) -> Text:
    if days % 365 == 0:
        years = days // 365
        return _text("privacy.retention.one_year" if years == 1 else "privacy.retention.years", years=years)
    return _text("privacy.retention.days", days=days)


def privacy_notice(policy: Policy) -> PrivacyNotice:
    """What the resident agrees to (PIPA art. 15 and, for sensitive data, art. 23), in every language."""
    retention = _retention_text(policy.retention_days_after_close)
    recipients = _text("privacy.recipients")
    return PrivacyNotice(
        version=CONSENT_VERSION,
        controller=_text("privacy.controller"),
        retention_days_after_close=policy.retention_days_after_close,
        privacy=ConsentSection(
            purpose=_text("privacy.purpose"),
            items_required=[_text("privacy.item.name"), _text("privacy.item.phone"),
                            _text("privacy.item.description")],
            items_optional=[_text("privacy.item.email"), _text("privacy.item.employer"),
                            _text("privacy.item.employment"), _text("privacy.item.pay"),
                            _text("privacy.item.gyeonggi"), _text("privacy.item.language")],
            retention=retention, recipients=recipients,
            refusal=_text("privacy.refusal", phone=policy.fallback_phone)),
        sensitive=ConsentSection(
            purpose=_text("privacy.sensitive.purpose"),
            items_required=[],
            items_optional=[_text("privacy.sensitive.health"), _text("privacy.sensitive.union")],
            retention=retention, recipients=recipients,
            refusal=_text("privacy.sensitive.refusal")),
        fallback_phone=policy.fallback_phone)


# --- the service the API calls -------------------------------------------------------------------

class ReceivedMessages(Protocol):
    """Tells the resident their request arrived (``ResidentMessenger``; once per consultation)."""

    def request_received(self, consultation: Consultation) -> str: ...


@dataclass(frozen=True)
class Received:
    """A submitted request as its owner sees it; ``replayed``: the same request was sent before."""

    view: ConsultationView
    replayed: bool


@dataclass(kw_only=True, eq=False, repr=False)
class ConsultationIntake:
    consultations: ConsultationRepository
    cipher: FieldCipher
    calendar: ServiceCalendar
    policy: Policy
    receipts: ReceiptCounter
    identity_key: IdentityKey
    messages: ReceivedMessages
    metrics: Metrics
    clock: Clock

    def submit(self, principal: Principal, intake: Intake, idempotency_key: str) -> Received:
        """Store the resident's request once per key (``submit``), tell them it arrived, count it."""
        now = self.clock()
        submission = submit(consultations=self.consultations, cipher=self.cipher, calendar=self.calendar,
                            policy=self.policy, owner=principal.subject, intake=intake,
                            idempotency_key=idempotency_key, now=now, receipts=self.receipts,
                            identity_key=self.identity_key)
        self.messages.request_received(submission.consultation)  # once per consultation
        if not submission.replayed:
            self.metrics.record({"ConsultationsRequested": 1})
        view = owner_view(submission.consultation, submission.personal, self.calendar, now)
        return Received(view, submission.replayed)


__all__ = ["CONSENT_VERSION", "ConsultationIntake", "Received", "Submission", "erase_personal_data",
           "privacy_notice", "submit"]

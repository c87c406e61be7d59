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
from typing import Any

from pydantic import BaseModel

from chalicelib.adapters.field_cipher import CipherUnavailableError, FieldCipher
from chalicelib.domain import triage
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.consultations import (ENTITY, Consultation, ConsultationRepository,
                                             EncryptionUnavailableError, IdempotencyClaim, Intake,
                                             PersonalDetails, Status)
from chalicelib.domain.limits import new_request_quotas
from chalicelib.logs import logger
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
           identity_key: Any = None) -> Submission:
    """Store ``intake`` for ``owner`` exactly once per ``idempotency_key``. With ``identity_key`` (the
    API always passes it), a new request also counts against the 30-day limit of its provider identity,
    kept under a keyed hash so that leaving and signing up again does not reset it."""
    consultation_id = str(uuid.uuid4())
    try:
        sealed = cipher.seal(ENTITY, consultation_id, intake.personal.to_sealable())
    except CipherUnavailableError as exc:
        logger().warning("intake refused: the key service is unavailable",
                         extra={"error": type(exc).__name__})
        raise EncryptionUnavailableError(saving=True) from exc
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
    # Same key and same fingerprint: the stored details are the ones just sent.
    return Submission(stored, personal if stored.sealed is not None else None, created.replayed)


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
    ko: str
    en: str


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
        return Text(ko=f"상담 종료 후 {years}년간 보관한 뒤 지체 없이 파기합니다.",
                    en=f"Kept for {years} year{'s' if years > 1 else ''} after the consultation closes, "
                       "then destroyed without delay.")
    return Text(ko=f"상담 종료 후 {days}일간 보관한 뒤 지체 없이 파기합니다.",
                en=f"Kept for {days} days after the consultation closes, then destroyed without delay.")


def privacy_notice(policy: Policy) -> PrivacyNotice:
    """What the resident agrees to (PIPA art. 15 and, for sensitive data, art. 23)."""
    retention = _retention_text(policy.retention_days_after_close)
    recipients = Text(ko="배정된 마을노무사(상담 진행 목적), 경기도 마을노무사 운영 담당자(운영·점검 목적)",
                      en="The village labor attorney assigned to you (to consult) and the programme's "
                         "operations staff at Gyeonggi Province (to run and audit the service).")
    return PrivacyNotice(
        version=CONSENT_VERSION,
        controller=Text(ko="경기도 마을노무사 사업", en="Gyeonggi Province village labor attorney programme"),
        retention_days_after_close=policy.retention_days_after_close,
        privacy=ConsentSection(
            purpose=Text(ko="노동 상담 신청 접수, 마을노무사 배정·연결, 상담 진행과 결과 관리",
                         en="To take your consultation request, match you with a village labor attorney, "
                            "hold the consultation and keep its record."),
            items_required=[Text(ko="이름", en="Name"), Text(ko="휴대전화 번호", en="Phone number"),
                            Text(ko="상담 내용", en="Description of the problem")],
            items_optional=[Text(ko="이메일", en="E-mail"),
                            Text(ko="사업장 이름과 소재지", en="Employer's name and city"),
                            Text(ko="재직 상태와 퇴직일·해고일", en="Employment status and the date you left or "
                                                              "were dismissed"),
                            Text(ko="월 임금 구간", en="Monthly pay band"),
                            Text(ko="경기도 거주·근무 여부", en="Whether you live or work in Gyeonggi"),
                            Text(ko="희망 상담 언어", en="Preferred language")],
            retention=retention, recipients=recipients,
            refusal=Text(ko=f"동의를 거부할 수 있으나, 거부하시면 온라인 상담 신청을 할 수 없습니다. "
                            f"전화({policy.fallback_phone})로 상담받으실 수 있습니다.",
                         en="You may refuse, but then the request cannot be taken online. You can still get "
                            f"help by phone: {policy.fallback_phone}.")),
        sensitive=ConsentSection(
            purpose=Text(ko="산업재해·직장 내 괴롭힘 등 상담에 필요한 건강 정보와 노동조합 가입 정보의 처리",
                         en="To handle health information and trade-union membership where your case needs "
                            "them (e.g. an industrial accident, workplace harassment)."),
            items_required=[],
            items_optional=[Text(ko="건강에 관한 정보(부상·질병 등)", en="Health information (injury, illness)"),
                            Text(ko="노동조합 가입 여부", en="Trade-union membership")],
            retention=retention, recipients=recipients,
            refusal=Text(ko="동의하지 않아도 상담을 신청할 수 있습니다. 이 경우 건강·노동조합 정보를 적지 말아 주세요.",
                         en="You can apply without this consent; then please leave health and union "
                            "details out.")),
        fallback_phone=policy.fallback_phone)


__all__: list[Any] = ["submit", "erase_personal_data", "privacy_notice", "Submission", "CONSENT_VERSION"]

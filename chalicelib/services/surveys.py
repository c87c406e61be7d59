"""The resident's satisfaction survey after a completed consultation."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.consultations import ConsultationNotFoundError, ConsultationRepository, Status
from chalicelib.domain.identity import Principal
from chalicelib.domain.sealing import FieldCipher
from chalicelib.domain.surveys import SurveyNotOpenError, SurveyStore


def answer(*, consultations: ConsultationRepository, store: SurveyStore, cipher: FieldCipher, principal: Principal,
           consultation_id: str, rating: int, comment: str | None, now: datetime) -> None:
    """Record the owner's rating (1–5) and optional comment (sealed), once."""
    consultation = consultations.get(consultation_id)
    if consultation is None or consultation.owner != principal.subject:
        raise ConsultationNotFoundError()
    if consultation.status is not Status.COMPLETED:
        raise SurveyNotOpenError()
    sealed = cipher.seal("survey", consultation_id, {"comment": comment}) if comment else None
    expires = int(consultation.expires_at.timestamp()) if consultation.expires_at else None
    store.save(consultation_id, rating, now.strftime("%Y-%m"), sealed, now, expires)
    consultations.note_result(consultation_id, satisfaction=rating)  # the rating alone, for the statistics

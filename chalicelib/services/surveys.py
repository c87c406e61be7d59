"""The resident's satisfaction survey after a completed consultation."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.clock import Clock
from chalicelib.domain.consultations import ConsultationNotFoundError, ConsultationRepository, Status
from chalicelib.domain.identity import Principal
from chalicelib.domain.sealing import FieldCipher
from chalicelib.domain.surveys import SurveyNotOpenError, SurveyStore


@dataclass(kw_only=True, eq=False, repr=False)
class SatisfactionSurvey:
    consultations: ConsultationRepository
    store: SurveyStore
    cipher: FieldCipher
    clock: Clock

    def answer(self, principal: Principal, consultation_id: str, rating: int, comment: str | None) -> None:
        """Record the owner's rating (1–5) and optional comment (sealed), once."""
        now = self.clock()
        consultation = self.consultations.get(consultation_id)
        if consultation is None or consultation.owner != principal.subject:
            raise ConsultationNotFoundError()
        if consultation.status is not Status.COMPLETED:
            raise SurveyNotOpenError()
        sealed = self.cipher.seal("survey", consultation_id, {"comment": comment}) if comment else None
        expires = int(consultation.expires_at.timestamp()) if consultation.expires_at else None
        self.store.save(consultation_id, rating, now.strftime("%Y-%m"), sealed, now, expires)
        # the rating alone, for the statistics
        self.consultations.note_result(consultation_id, satisfaction=rating)

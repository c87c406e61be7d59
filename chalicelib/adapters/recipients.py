"""Who a notification goes to: contact details opened only at the moment of sending."""

from __future__ import annotations

from chalicelib.domain.attorneys import AttorneyContact, AttorneyRepository
from chalicelib.domain.consultations import ConsultationRepository
from chalicelib.domain.sealing import CiphertextMismatchError, FieldCipher


class ContactDirectory:
    """Recipients port over the attorney roster and the consultations (sealed fields)."""

    def __init__(self, attorneys: AttorneyRepository, consultations: ConsultationRepository,
                 cipher: FieldCipher) -> None:
        self._attorneys = attorneys
        self._consultations = consultations
        self._cipher = cipher

    def attorney(self, attorney_id: str) -> AttorneyContact | None:
        return self._attorneys.contact(attorney_id)

    def resident(self, consultation_id: str) -> tuple[str, str] | None:
        found = self.resident_of(consultation_id)
        return None if found is None else (found[0], found[1])

    def resident_of(self, consultation_id: str) -> tuple[str, str, str] | None:
        """The resident's phone and language, and who owns the consultation (one read)."""
        consultation = self._consultations.get(consultation_id)
        if consultation is None or consultation.sealed is None:
            return None  # gone or erased: nobody to remind
        try:
            personal = self._cipher.open("consultation", consultation_id, consultation.sealed)
        except CiphertextMismatchError:
            return None
        phone = personal.get("phone")
        if not phone:
            return None
        return phone, str(getattr(consultation.language, "value", consultation.language) or "ko"), consultation.owner

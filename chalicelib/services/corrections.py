"""Correcting a submitted request (owner only, while it waits; see domain/corrections.py).

Opens the sealed details under the field cipher, applies the correction, seals the whole again (the
same entity and binding as intake) and writes it in one conditional update: a request offered, booked
or corrected meanwhile is refused, never overwritten. Logs name the fields changed, never their values.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.clock import Clock
from chalicelib.domain.calendar import ServiceCalendar
from chalicelib.domain.consultations import (
    ENTITY,
    ConsultationNotFoundError,
    ConsultationRepository,
    PersonalDetails,
    Reader,
    reader_of,
)
from chalicelib.domain.corrections import Correction, CorrectionStore, check_correctable
from chalicelib.domain.identity import Principal
from chalicelib.domain.sealing import FieldCipher
from chalicelib.logs import logger
from chalicelib.services.consultation_reads import ConsultationView, owner_view
from chalicelib.services.sealed_fields import open_fields, seal_fields


@dataclass(kw_only=True, eq=False, repr=False)
class Corrections:
    consultations: ConsultationRepository
    store: CorrectionStore
    cipher: FieldCipher
    calendar: ServiceCalendar
    clock: Clock

    def correct(self, principal: Principal, consultation_id: str, correction: Correction) -> ConsultationView:
        """The owner's view of the request after the correction (unchanged when nothing differs)."""
        now = self.clock()
        consultation = self.consultations.get(consultation_id)
        if consultation is None or reader_of(principal, consultation) is not Reader.OWNER:
            raise ConsultationNotFoundError()  # staff read it, but only its owner corrects it
        check_correctable(consultation.status)
        if consultation.sealed is None:
            raise ConsultationNotFoundError()  # erased: nothing left to correct
        before = PersonalDetails.from_sealed(open_fields(self.cipher, ENTITY, consultation.id, consultation.sealed))
        changed = correction.changed_fields(before)
        if not changed:
            return owner_view(consultation, before, self.calendar, now)
        after = correction.applied_to(before)
        sealed = seal_fields(self.cipher, ENTITY, consultation.id, after.to_sealable())
        self.store.correct_details(consultation.id, sealed, now, expected_updated_at=consultation.updated_at)
        logger().info("request corrected by its owner",
                      extra={"consultation_id": consultation.id, "fields": changed})
        return owner_view(consultation.evolve(sealed=sealed, updated_at=now), after, self.calendar, now)

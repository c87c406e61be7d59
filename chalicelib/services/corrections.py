"""Correcting a submitted request (owner only, while it waits; see domain/corrections.py).

Opens the sealed details under the field cipher, applies the correction, seals the whole again (the
same entity and binding as intake) and writes it in one conditional update: a request offered, booked
or corrected meanwhile is refused, never overwritten. Logs name the fields changed, never their values.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.consultations import (
    ENTITY,
    Consultation,
    ConsultationNotFoundError,
    ConsultationRepository,
    EncryptionUnavailableError,
    PersonalDetails,
    Reader,
    RecordIntegrityError,
    reader_of,
)
from chalicelib.domain.corrections import Correction, CorrectionStore, check_correctable
from chalicelib.domain.identity import Principal
from chalicelib.domain.sealing import CiphertextMismatchError, CipherUnavailableError, FieldCipher
from chalicelib.logs import logger


def correct(*, consultations: ConsultationRepository, store: CorrectionStore, cipher: FieldCipher,
            principal: Principal, consultation_id: str, correction: Correction,
            now: datetime) -> tuple[Consultation, PersonalDetails]:
    consultation = consultations.get(consultation_id)
    if consultation is None or reader_of(principal, consultation) is not Reader.OWNER:
        raise ConsultationNotFoundError()  # staff read it, but only its owner corrects it
    check_correctable(consultation.status)
    if consultation.sealed is None:
        raise ConsultationNotFoundError()  # erased: nothing left to correct
    try:
        before = PersonalDetails.from_sealed(cipher.open(ENTITY, consultation.id, consultation.sealed))
    except CipherUnavailableError as exc:
        raise EncryptionUnavailableError(saving=True) from exc
    except CiphertextMismatchError as exc:  # the details do not belong to this record
        raise RecordIntegrityError() from exc
    changed = correction.changed_fields(before)
    if not changed:
        return consultation, before
    after = correction.applied_to(before)
    try:
        sealed = cipher.seal(ENTITY, consultation.id, after.to_sealable())
    except CipherUnavailableError as exc:
        raise EncryptionUnavailableError(saving=True) from exc
    store.correct_details(consultation.id, sealed, now, expected_updated_at=consultation.updated_at)
    logger().info("request corrected by its owner", extra={"consultation_id": consultation.id, "fields": changed})
    return consultation.evolve(sealed=sealed, updated_at=now), after

"""Sealing and opening a record's sensitive fields the way every service answers for it.

The key service out of reach is ``EncryptionUnavailableError`` (503: "saving", nothing was stored;
"reading", nothing was shown). Sealed fields that do not belong to the record they were read with
(copied from another record, tampered with) are ``RecordIntegrityError`` and logged as an error,
by entity kind only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from chalicelib.domain.consultations import EncryptionUnavailableError, RecordIntegrityError
from chalicelib.domain.sealing import CiphertextMismatchError, CipherUnavailableError, FieldCipher
from chalicelib.logs import logger


def seal_fields(cipher: FieldCipher, entity: str, record_id: str, fields: Mapping[str, object]) -> bytes:
    with _key_service(entity, saving=True):
        return cipher.seal(entity, record_id, fields)


def open_fields(cipher: FieldCipher, entity: str, record_id: str, sealed: bytes) -> dict[str, object]:
    with _key_service(entity, saving=False):
        try:
            return cipher.open(entity, record_id, sealed)
        except CiphertextMismatchError:
            logger().error("record integrity: sealed fields refused, they do not belong to this record",
                           extra={"entity": entity})
            raise RecordIntegrityError() from None


@contextmanager
def _key_service(entity: str, *, saving: bool) -> Iterator[None]:
    try:
        yield
    except CipherUnavailableError as exc:
        logger().warning("the key service is unavailable: fields not sealed or opened",
                         extra={"entity": entity, "refused": "sealing" if saving else "opening",
                                "error": type(exc).__name__})
        raise EncryptionUnavailableError(saving=saving) from exc

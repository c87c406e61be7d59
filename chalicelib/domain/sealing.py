"""The port for sealing a record's sensitive fields, and the ways it can fail.

Services seal and open through :class:`FieldCipher`; the KMS-backed adapter and its local twin live in
``chalicelib/adapters/field_cipher.py``. A sealed blob is bound to its entity kind and record id, so a
ciphertext copied onto another record does not open (:class:`CiphertextMismatchError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["CipherError", "CipherUnavailableError", "CiphertextMismatchError", "FieldCipher"]


class CipherError(Exception):
    """Base class for field-encryption failures."""


class CipherUnavailableError(CipherError):
    """The key service cannot be reached: nothing may be stored."""


class CiphertextMismatchError(CipherError):
    """The ciphertext does not belong to this record (or was tampered with)."""


class FieldCipher(Protocol):
    def seal(self, entity: str, record_id: str, fields: Mapping[str, Any]) -> bytes: ...

    def open(self, entity: str, record_id: str, blob: bytes) -> dict[str, Any]: ...

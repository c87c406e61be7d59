"""Field encryption: a record's sensitive fields sealed as one envelope.

``KmsFieldCipher`` uses the AWS Encryption SDK under the stage's KMS key with
a committing, unsigned suite (AES-256-GCM, HKDF-SHA512, key commitment) and
a caching materials manager, so that data keys are reused within tight limits
(age, message count) and a thousand intakes cost a handful of KMS calls.

The encryption context names the app, the stage and the entity kind, and is
checked on decrypt. The record's own id is NOT in the context (a per-record
context would defeat the cache); instead it is sealed inside the authenticated
plaintext and compared on open, so a ciphertext copied onto another record is
refused (``CiphertextMismatchError``).

``LocalFieldCipher`` is the in-memory twin for unit tests: AES-GCM with a
process-local key, the same binding rules, no AWS.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from typing import Any

from chalicelib.domain.sealing import CiphertextMismatchError, CipherUnavailableError


def _pack(entity: str, record_id: str, fields: Mapping[str, Any]) -> bytes:
    return json.dumps({"bind": f"{entity}#{record_id}", "fields": dict(fields)},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _unpack(entity: str, record_id: str, plaintext: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CiphertextMismatchError("sealed fields are not readable") from exc
    if doc.get("bind") != f"{entity}#{record_id}":
        raise CiphertextMismatchError(f"sealed fields belong to another record, not {entity} {record_id}")
    return dict(doc.get("fields") or {})


class KmsFieldCipher:
    """Envelope encryption with the AWS Encryption SDK and data-key caching."""

    def __init__(self, key_arn: str, *, app: str, stage: str, botocore_session: Any = None,
                 cache_capacity: int = 100, max_age_seconds: float = 300.0,
                 max_messages: int = 1000) -> None:
        if not key_arn:
            raise CipherUnavailableError("no KMS key is configured (MAEUL_KMS_KEY_ARN)")
        import aws_encryption_sdk
        from aws_encryption_sdk.caches.local import LocalCryptoMaterialsCache
        from aws_encryption_sdk.identifiers import Algorithm, CommitmentPolicy
        from aws_encryption_sdk.key_providers.kms import StrictAwsKmsMasterKeyProvider
        from aws_encryption_sdk.materials_managers.caching import CachingCryptoMaterialsManager

        self._context = {"app": app, "stage": stage}
        self._algorithm = Algorithm.AES_256_GCM_HKDF_SHA512_COMMIT_KEY
        self._client = aws_encryption_sdk.EncryptionSDKClient(
            commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
        kwargs: dict[str, Any] = {"key_ids": [key_arn]}
        if botocore_session is not None:
            kwargs["botocore_session"] = botocore_session
        provider = StrictAwsKmsMasterKeyProvider(**kwargs)
        self._cmm = CachingCryptoMaterialsManager(
            master_key_provider=provider, cache=LocalCryptoMaterialsCache(cache_capacity),
            max_age=float(max_age_seconds), max_messages_encrypted=max_messages)
        # Master key providers are not thread-safe; Lambda runs one request per
        # container, the local server several: serialise.
        self._lock = threading.Lock()

    def _encryption_context(self, entity: str) -> dict[str, str]:
        return {**self._context, "entity": entity}

    def seal(self, entity: str, record_id: str, fields: Mapping[str, Any]) -> bytes:
        from aws_encryption_sdk.exceptions import AWSEncryptionSDKClientError
        from botocore.exceptions import BotoCoreError

        try:
            with self._lock:
                ciphertext, _ = self._client.encrypt(
                    source=_pack(entity, record_id, fields), materials_manager=self._cmm,
                    encryption_context=self._encryption_context(entity), algorithm=self._algorithm)
        # The SDK wraps KMS's error answers; no answer at all (refused, timed out) comes through
        # as botocore's own error.
        except (AWSEncryptionSDKClientError, BotoCoreError) as exc:
            raise CipherUnavailableError(f"the key service could not encrypt: {type(exc).__name__}") from exc
        return bytes(ciphertext)

    def open(self, entity: str, record_id: str, blob: bytes) -> dict[str, Any]:
        from aws_encryption_sdk.exceptions import AWSEncryptionSDKClientError, DecryptKeyError
        from botocore.exceptions import BotoCoreError
        from cryptography.exceptions import InvalidTag

        try:
            with self._lock:
                plaintext, header = self._client.decrypt(source=bytes(blob), materials_manager=self._cmm)
        except (DecryptKeyError, BotoCoreError) as exc:
            raise CipherUnavailableError("the key service could not decrypt") from exc
        except (AWSEncryptionSDKClientError, InvalidTag, ValueError) as exc:
            raise CiphertextMismatchError(f"sealed fields could not be opened: {type(exc).__name__}") from exc
        expected = self._encryption_context(entity)
        context = header.encryption_context
        if any(context.get(k) != v for k, v in expected.items()):
            raise CiphertextMismatchError("sealed fields belong to another app, stage or kind of record")
        return _unpack(entity, record_id, plaintext)


class LocalFieldCipher:
    """In-memory twin of ``KmsFieldCipher`` (AES-GCM, same binding rules)."""

    def __init__(self, key: bytes | None = None, *, app: str = "maeul", stage: str = "test") -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key or AESGCM.generate_key(bit_length=256))
        self._prefix = f"{app}|{stage}|"
        self.available = True

    def seal(self, entity: str, record_id: str, fields: Mapping[str, Any]) -> bytes:
        if not self.available:
            raise CipherUnavailableError("the key service is unavailable")
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, _pack(entity, record_id, fields),
                                          (self._prefix + entity).encode())

    def open(self, entity: str, record_id: str, blob: bytes) -> dict[str, Any]:
        from cryptography.exceptions import InvalidTag

        if not self.available:
            raise CipherUnavailableError("the key service is unavailable")
        blob = bytes(blob)
        try:
            plaintext = self._aead.decrypt(blob[:12], blob[12:], (self._prefix + entity).encode())
        except InvalidTag as exc:
            raise CiphertextMismatchError("sealed fields could not be opened") from exc
        return _unpack(entity, record_id, plaintext)

"""Field encryption under the stack's KMS key, on the emulator and on the in-memory twin."""

from __future__ import annotations

import pytest

from chalicelib.adapters.field_cipher import CiphertextMismatchError, KmsFieldCipher, LocalFieldCipher
from ops.awscalls import count_calls


@pytest.fixture(params=["kms", "local"])
def cipher(request, local_stack):
    if request.param == "kms":
        return KmsFieldCipher(local_stack.outputs["DataKeyArn"], app="maeul", stage="local")
    return LocalFieldCipher(stage="local")


def test_round_trip(cipher) -> None:
    sealed = cipher.seal("consultation", "c-1", {"name": "홍길동", "phone": "+821012345678"})
    assert "홍길동".encode() not in sealed
    assert cipher.open("consultation", "c-1", sealed) == {"name": "홍길동", "phone": "+821012345678"}


def test_a_ciphertext_copied_to_another_record_is_refused(cipher) -> None:
    sealed = cipher.seal("consultation", "c-1", {"name": "홍길동"})
    with pytest.raises(CiphertextMismatchError):
        cipher.open("consultation", "c-2", sealed)
    with pytest.raises(CiphertextMismatchError):
        cipher.open("attorney", "c-1", sealed)


def test_a_tampered_ciphertext_is_refused(cipher) -> None:
    sealed = bytearray(cipher.seal("consultation", "c-1", {"name": "홍길동"}))
    sealed[-40] ^= 1
    with pytest.raises(CiphertextMismatchError):
        cipher.open("consultation", "c-1", bytes(sealed))


def test_data_keys_are_cached_so_kms_calls_stay_few(local_stack) -> None:
    cipher = KmsFieldCipher(local_stack.outputs["DataKeyArn"], app="maeul", stage="local")
    with count_calls("kms") as calls:
        blobs = [cipher.seal("consultation", f"c-{i}", {"n": i}) for i in range(200)]
        for i, blob in enumerate(blobs[:50]):
            assert cipher.open("consultation", f"c-{i}", blob) == {"n": i}
    assert calls.total <= 2, calls.by_operation

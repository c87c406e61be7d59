"""The account's language in both user stores (DynamoDB on the emulator, and the memory twin):
kept across sign-ins, refused for an account that does not exist, gone with the account."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.field_cipher import LocalFieldCipher
from chalicelib.domain.identity import Provider
from chalicelib.domain.users import UserProfile
from tests.twins.memory_identity import MemoryUserStore

T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["dynamodb", "memory"])
def users(request):
    return MemoryUserStore(LocalFieldCipher()) if request.param == "memory" else \
        request.getfixturevalue("container").users


def test_the_language_is_kept_across_sign_ins_and_erased_with_the_account(users) -> None:
    subject = f"kakao:{uuid.uuid4().hex[:12]}"
    assert users.set_language(subject, "vi") is False  # no such account: nothing written
    assert users.language(subject) is None and users.get(subject) is None
    users.signed_in(subject, Provider.KAKAO, UserProfile("Nguyen", None), T0)
    assert users.language(subject) is None
    assert users.set_language(subject, "vi") is True
    users.signed_in(subject, Provider.KAKAO, UserProfile("Nguyen", None), T0 + timedelta(days=1))
    assert users.language(subject) == "vi"
    assert users.profile(subject) == UserProfile("Nguyen", None)
    assert users.set_language(subject, "ko-x-easy") is True and users.language(subject) == "ko-x-easy"
    assert users.erase(subject) is True
    assert users.language(subject) is None

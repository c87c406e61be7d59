"""Functional tests: the app through ``chalice.test`` with a fixed clock, no AWS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.support import ApiClient

# A plain Tuesday in service hours: 2026-12-01 10:30 KST.
TUESDAY_MORNING = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)


@pytest.fixture
def clock_at() -> Iterator:
    """Install a container whose clock reads the given instant."""
    from chalicelib.composition import Container, use_container
    from chalicelib.settings import Settings

    def install(moment: datetime) -> Container:
        container = Container(Settings.from_env({"MAEUL_STAGE": "local"}), clock=lambda: moment)
        use_container(container)
        return container

    yield install
    use_container(None)


@pytest.fixture
def api(clock_at) -> ApiClient:
    clock_at(TUESDAY_MORNING)
    return ApiClient()


@pytest.fixture(autouse=True)
def _resident_messages_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS here: the delivery ledger and the receipt counter are their in-memory twins, and the
    messenger hashes recipients under a fixed key; it sends through the container's notifier and
    reads the container's recipients (the fakes a test installs); verified phones are kept in memory too."""
    from functools import cached_property

    from chalicelib.composition import Container
    from chalicelib.services.resident_messages import ResidentMessenger
    from tests.twins.memory_messages import MemoryDeliveryLedger, MemoryReceiptCounter

    def messenger(self: Container) -> ResidentMessenger:
        s = self.settings
        return ResidentMessenger(ledger=self.delivery_ledger, notifier=self.notifier, recipients=self.recipients,
                                 policy=s.policy, clock=self.clock, public_base_url=s.public_base_url,
                                 hash_key=lambda: "functional-tests")

    from tests.twins.memory_attachments import MemoryAttachmentStore, MemoryObjectStore
    from tests.twins.memory_phone import MemoryPhoneVerificationStore
    from tests.twins.memory_translation import MemoryTranslator

    for name, build in (("receipts", lambda self: MemoryReceiptCounter()),
                        ("delivery_ledger", lambda self: MemoryDeliveryLedger()),
                        ("resident_messages", messenger),
                        # documents: withdrawing and leaving erase them; no bucket here either
                        ("attachment_store", lambda self: MemoryAttachmentStore()),
                        ("object_store", lambda self: MemoryObjectStore()),
                        # chat translation: the translator's twin (no Amazon Translate here)
                        ("translator", lambda self: MemoryTranslator()),
                        # verified contact phones (resident SMS go to verified numbers only)
                        ("phone_verification_store", lambda self: MemoryPhoneVerificationStore())):
        prop = cached_property(build)
        prop.__set_name__(Container, name)
        monkeypatch.setattr(Container, name, prop)

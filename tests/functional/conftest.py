"""Functional tests: the app through ``chalice.test`` with a fixed clock, no AWS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from tests.support import ApiClient

# A plain Tuesday in service hours: 2026-12-01 10:30 KST.
TUESDAY_MORNING = datetime(2026, 12, 1, 1, 30, tzinfo=timezone.utc)


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
def _container_put_back() -> Iterator[None]:
    """Functional tests install containers of fakes; whatever one leaves installed (or ``None``),
    the container installed before it is put back, so no later test, here or in another tier,
    runs on a leftover."""
    from chalicelib import composition

    before = composition._container
    yield
    composition.use_container(before)

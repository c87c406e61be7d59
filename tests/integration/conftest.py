"""Fixtures of the integration tests: the shared emulator stack comes from ``tests/conftest.py``;
``private_stack`` gives a module its own emulator with the same stack deployed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from chalicelib.composition import Container
from chalicelib.settings import Settings
from ops import processes
from tests.conftest import ARTIFACTS, stage_environment

pytestmark = pytest.mark.emulator


@dataclass
class PrivateStack:
    env: dict[str, str]
    container: Container
    ports: object  # ops.localstage.Ports the env was built for (app and idp ports are free ones)


def _reset_model_connections() -> None:
    """pynamodb models cache their connection (and so the endpoint) per class: drop them."""
    from chalicelib.adapters.dynamo import base

    for _kind, cls in base._REGISTRY:
        cls._connection = None


@pytest.fixture(scope="module")
def private_stack(container: Container, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateStack]:
    """The stack deployed into an emulator of this module's own, installed as the container.

    Why: moto keeps every object it ever created for ``/moto-api/data.json``, including the
    table copy each transaction makes, so hundreds of transactions on the shared emulator would
    slow every later test down. A module that writes a lot uses its own emulator and drops it.
    """
    import boto3

    from chalicelib import composition
    from ops import stack
    from ops.deploy import provision_local_secrets
    from ops.localstage import Ports
    from ops.outbox import ensure_outbox

    port = processes.free_port()
    emulator = processes.emulator(port, ARTIFACTS / f"emulator-private-{port}.log").start()
    shared_endpoint, shared_container = os.environ["AWS_ENDPOINT_URL"], composition._container
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    _reset_model_connections()
    try:
        session = boto3.session.Session(region_name="ap-northeast-2")
        deployment = stack.deploy(session, "local", log=lambda _m: None)
        provision_local_secrets(session, deployment)
        ensure_outbox(session, deployment)
        env = stage_environment(port, deployment, tmp_path_factory)
        ports = Ports.from_env(env)
        built = Container(Settings.from_env(env))
        built.tables  # noqa: B018 - bind the models (same table names as the shared stack)
        composition.use_container(built)
        yield PrivateStack(env, built, ports)
    finally:
        composition.use_container(shared_container)
        os.environ["AWS_ENDPOINT_URL"] = shared_endpoint
        _reset_model_connections()
        emulator.stop(timeout=2.0)  # state is in memory only: no need to wait for a clean exit


# --- the dev SENS emulator, for the messaging channel's tests ------------------------------------------

def serving(service: Callable[[int, Path], processes.Service], log_name: str,
            stop_timeout: float = 10.0) -> Iterator[str]:
    """For a fixture (``yield from`` it): ``service`` (``processes.sens``, ``processes.emulator``...) started
    for real on a free port, logging to ``ARTIFACTS/<log_name>-<port>.log``; its URL; stopped afterwards."""
    port = processes.free_port()
    running = service(port, ARTIFACTS / f"{log_name}-{port}.log").start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.stop(timeout=stop_timeout)


@pytest.fixture(scope="module")
def sens_url() -> Iterator[str]:
    """The dev SENS emulator (a real process) on a free port, for the module."""
    yield from serving(processes.sens, "sens")


@pytest.fixture
def sens_faults_cleared(sens_url: str) -> Iterator[None]:
    """No fault a test set up (a dropped 알림톡, a refusing SMS API) outlives it."""
    import requests

    requests.delete(f"{sens_url}/__dev/faults", timeout=5)
    yield
    requests.delete(f"{sens_url}/__dev/faults", timeout=5)

"""Shared fixtures: the AWS emulator, the deployed local stack, the app.

Tests never reach real AWS: before anything runs, fake credentials are set and
the AWS endpoint points at a closed local port; the ``emulator`` fixture starts
a real moto server on a free port and points the SDKs at it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ops import processes, stack
from ops.localstage import Ports, local_environment
from tests.support import offending_messages

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

_SAFE_ENV = {
    "AWS_ACCESS_KEY_ID": "test-only",
    "AWS_SECRET_ACCESS_KEY": "test-only",
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # nothing listens: accidental AWS calls fail fast
    "AWS_MAX_ATTEMPTS": "2",
}


def pytest_configure(config: pytest.Config) -> None:
    # Count AWS calls of every botocore session created from here on (call budgets).
    from ops.awscalls import install

    install()
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(key, None)
    os.environ.update(_SAFE_ENV)
    ARTIFACTS.mkdir(exist_ok=True)


@pytest.fixture(scope="session", autouse=True)
def iam_audit() -> Iterator[None]:
    """Every AWS call the app's code made in this test process must be granted by the app role of
    infra/template.yaml (the emulator does not enforce IAM; ops/iam.py evaluates the policy)."""
    from ops.awscalls import record_app_requests
    from ops.iam import RolePolicy

    requests = record_app_requests()
    yield
    denied = RolePolicy.from_template().denied(requests)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (ARTIFACTS / f"iam-requests-{worker}.txt").write_text(
        "".join(f"{r.action} {r.resource}\n" for r in sorted(requests)), encoding="utf-8")
    assert denied == [], f"the app role does not grant: {denied}"


@pytest.fixture(scope="session")
def emulator() -> Iterator[str]:
    """A real moto server on a free port; yields its endpoint URL."""
    port = processes.free_port()
    service = processes.emulator(port, ARTIFACTS / f"emulator-{port}.log").start()
    endpoint = f"http://127.0.0.1:{port}"
    previous = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        yield endpoint
    finally:
        os.environ["AWS_ENDPOINT_URL"] = previous
        service.stop()


@pytest.fixture(scope="session")
def boto_session(emulator: str):
    import boto3

    return boto3.session.Session(region_name="ap-northeast-2")


@pytest.fixture(scope="session")
def local_stack(boto_session) -> Iterator[stack.Deployment]:
    """``maeul-local`` deployed into the test emulator, exactly as ``scripts/deploy local`` does."""
    from ops.deploy import provision_local_secrets
    from ops.outbox import ensure_outbox

    deployment = stack.deploy(boto_session, "local", log=lambda _m: None)
    provision_local_secrets(boto_session, deployment)
    ensure_outbox(boto_session, deployment)
    yield deployment
    # The outbound-message audit, once every test that used this stack is done: every SMS and
    # e-mail the suite made the app send is a template with only a time, a deadline and a link.
    from ops.outbox import sent_email, sent_sms

    sent = sent_sms(os.environ["AWS_ENDPOINT_URL"]) + sent_email(os.environ["AWS_ENDPOINT_URL"])
    offenders = offending_messages(sent)
    assert offenders == [], offenders


@pytest.fixture(scope="session")
def stack_env(local_stack: stack.Deployment, emulator: str, tmp_path_factory) -> dict[str, str]:
    """The local stage's full environment against the test emulator."""
    return stage_environment(int(emulator.rsplit(":", 1)[1]), local_stack, tmp_path_factory)


def stage_environment(aws_port: int, deployment: stack.Deployment,
                      tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The local stage's environment for a stack deployed into the emulator on ``aws_port``: what
    a process started with it (app server, scheduler, tick) needs, ports and stack file included.

    Its clock is this test process's (``MAEUL_CLOCK`` pinned to now): a server started minutes
    later reads the same time as the test that mints its tokens and sets its deadlines, even when
    each process's wall clock is faked on its own (libfaketime starts each one afresh)."""
    from chalicelib.clock import CLOCK_VAR, pinned_now

    ports = Ports(aws=aws_port, app=processes.free_port(), idp=processes.free_port(), sens=processes.free_port())
    env = local_environment(ports, stack_env=deployment.environment())
    # Resident messages go out as plain SMS through SNS here; ``local_site`` and the channel's own
    # tests start the SENS emulator and switch to it (MAEUL_RESIDENT_CHANNEL=sens).
    env["MAEUL_RESIDENT_CHANNEL"] = "sns"
    # Chat translation is off here; ``local_site`` and the translator's own tests start the dev
    # translator and switch it on (MAEUL_CHAT_TRANSLATION=amazon, AWS_ENDPOINT_URL_TRANSLATE).
    env["MAEUL_CHAT_TRANSLATION"] = "off"
    env[CLOCK_VAR] = pinned_now()
    env.update({"MAEUL_AWS_PORT": str(ports.aws), "MAEUL_APP_PORT": str(ports.app),
                "MAEUL_IDP_PORT": str(ports.idp), "MAEUL_SENS_PORT": str(ports.sens)})
    path = tmp_path_factory.mktemp("stack") / "local-stack.json"
    stack.write_env_file(path, deployment.environment())
    env["MAEUL_STACK_ENV_FILE"] = str(path)
    return env


@pytest.fixture(autouse=True)
def _container_put_back() -> Iterator[None]:
    """Tests install containers (fakes, pinned clocks, a snapshot restore's ``None``); whatever one
    leaves installed, the container installed before it is put back, so no later test on the same
    worker, in any tier, runs on a leftover (an integration test's app once answered with a container
    rebuilt from the environment after a unit test left ``None``, and refused the shared one's tokens)."""
    from chalicelib import composition

    before = composition._container
    yield
    composition.use_container(before)


@pytest.fixture(scope="session")
def container(stack_env: dict[str, str]):
    """The production composition root, configured for the test stack."""
    from chalicelib.composition import Container, use_container
    from chalicelib.settings import Settings

    os.environ.update({k: v for k, v in stack_env.items() if k.startswith("AWS_")})
    built = Container(Settings.from_env(stack_env))
    built.tables  # noqa: B018 - bind the pynamodb models to the test stack's tables
    use_container(built)
    yield built
    use_container(None)


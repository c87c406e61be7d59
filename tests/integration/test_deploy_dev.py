"""``scripts/deploy dev`` as an operator runs it from a fresh shell (no region, no ~/.aws), against an
emulator of its own standing in for AWS: declined, then applied, then run again as a no-op."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from ops import processes
from ops.processes import ROOT
from tests.conftest import ARTIFACTS
from tests.integration.conftest import serving

pytestmark = [pytest.mark.emulator, pytest.mark.package]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    yield from serving(processes.emulator, "emulator-deploy-dev", stop_timeout=2.0)


def _fresh_shell(endpoint: str, home: Path, **extra: str) -> dict[str, str]:
    """What a new terminal has: PATH, HOME, credentials; no AWS region anywhere."""
    return {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "operator", "AWS_SECRET_ACCESS_KEY": "operator",
            "AWS_CONFIG_FILE": str(home / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"), **extra}


def _run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=600)
    (ARTIFACTS / "deploy-dev.log").open("a", encoding="utf-8").write(
        f"$ {' '.join(args)}\n{result.stdout}{result.stderr}\n")
    return result


def _succeeded(runs: dict[str, subprocess.CompletedProcess[str]], name: str) -> subprocess.CompletedProcess[str]:
    """The run of that name, asserted to have succeeded (else the end of what it printed)."""
    run = runs[name]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


def _client(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="ap-northeast-2",
                        aws_access_key_id="operator", aws_secret_access_key="operator")


@pytest.fixture(scope="module")
def runs(endpoint: str, tmp_path_factory) -> dict[str, subprocess.CompletedProcess[str]]:
    home = tmp_path_factory.mktemp("home")
    env = _fresh_shell(endpoint, home)
    declined = _run(["scripts/deploy", "dev"], env, stdin="n\n")
    first = _run(["scripts/deploy", "dev", "--yes", "--operator-email", "ops@example.org"], env)
    # the second run deploys the first run's bundle, as the pipeline promotes one (--bundle)
    bundle = home / "deployment.zip"
    shutil.copyfile(ROOT / "build" / "dev" / "deployment.zip", bundle)
    second = _run(["scripts/deploy", "dev", "--yes", "--bundle", str(bundle)], env)
    return {"declined": declined, "first": first, "second": second}


def test_without_confirmation_the_changes_are_shown_and_nothing_is_applied(runs) -> None:
    declined = runs["declined"]
    assert declined.returncode == 1, declined.stdout + declined.stderr
    assert "stack maeul-dev: create with" in declined.stdout
    assert "+ Add    MainTable (AWS::DynamoDB::Table)" in declined.stdout
    assert "nothing applied" in declined.stdout


def test_the_first_deploy_creates_both_stacks_and_shows_what_it_changes(runs, endpoint) -> None:
    first = _succeeded(runs, "first")
    assert "stack maeul-dev: created" in first.stdout
    assert "stack maeul-dev-app: create with" in first.stdout
    assert "+ Add    APIHandler (AWS::Lambda::Function)" in first.stdout
    assert "uploaded to s3://" in first.stdout  # the app template is over the inline limit
    role = _client(endpoint, "iam").get_role(RoleName="maeul-dev-app")["Role"]["Arn"]
    functions = _client(endpoint, "lambda").list_functions()["Functions"]
    handlers = {f["FunctionName"]: f for f in functions if f["FunctionName"].startswith("maeul-dev-app")}
    assert handlers and all(f["Role"] == role for f in handlers.values())
    api = _client(endpoint, "apigateway").get_rest_apis()["items"]
    assert [a["name"] for a in api] == ["maeul-dev"]


def test_the_second_deploy_is_a_no_op_and_keeps_the_operator_email(runs, endpoint) -> None:
    second = _succeeded(runs, "second")
    assert "stack maeul-dev: no changes" in second.stdout
    assert "stack maeul-dev-app: no changes" in second.stdout
    assert "deployed (unchanged)" in second.stdout
    cfn = _client(endpoint, "cloudformation")
    stack = cfn.describe_stacks(StackName="maeul-dev")["Stacks"][0]
    assert {"ParameterKey": "OperatorEmail", "ParameterValue": "ops@example.org"} in stack["Parameters"]
    policy = json.loads(cfn.get_stack_policy(StackName="maeul-dev")["StackPolicyBody"])
    [deny] = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert {"Update:Replace", "Update:Delete"} == set(deny["Action"])
    assert {"AWS::DynamoDB::Table", "AWS::KMS::Key"} == set(deny["Condition"]["StringEquals"]["ResourceType"])


def test_the_jobs_failed_runs_go_to_the_encrypted_job_failures_queue(runs, endpoint) -> None:
    _succeeded(runs, "first")
    # (the emulator's stack leaves most outputs out; the deploy resolves them itself)
    url = _client(endpoint, "sqs").get_queue_url(QueueName="maeul-dev-job-failures")["QueueUrl"]
    attributes = _client(endpoint, "sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    queue = attributes["QueueArn"]
    key = _client(endpoint, "kms").describe_key(KeyId="alias/maeul-dev")["KeyMetadata"]["Arn"]
    assert attributes["KmsMasterKeyId"] == key
    account = _client(endpoint, "sts").get_caller_identity()["Account"]
    topic = f"arn:aws:sns:ap-northeast-2:{account}:maeul-dev-operator-alarms"
    lam = _client(endpoint, "lambda")
    functions = [f["FunctionName"] for f in lam.list_functions()["Functions"]
                 if f["FunctionName"].startswith("maeul-dev-app")]
    destinations = {}
    for name in functions:
        try:
            config = lam.get_function_event_invoke_config(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            continue
        destinations[name] = (config["MaximumRetryAttempts"], config["DestinationConfig"]["OnFailure"]["Destination"])
    assert len(destinations) >= 4 and not any("APIHandler" in n for n in destinations)
    assert set(destinations.values()) == {(0, queue)}
    [alarm] = _client(endpoint, "cloudwatch").describe_alarms(AlarmNames=["maeul-dev-job-failures"])["MetricAlarms"]
    assert alarm["AlarmActions"] == [topic]


def test_set_oauth_secret_works_from_a_fresh_shell(runs, endpoint, tmp_path) -> None:
    _succeeded(runs, "first")
    env = _fresh_shell(endpoint, tmp_path, KAKAO_CLIENT_SECRET="k-secret", NAVER_CLIENT_SECRET="n-secret",
                       KAKAO_ADMIN_KEY="k-admin", SENS_ACCESS_KEY="s-access", SENS_SECRET_KEY="s-secret")
    result = _run(["scripts/set-oauth-secret", "dev"], env)
    assert result.returncode == 0, result.stderr
    assert "k-secret" not in result.stdout + result.stderr and "s-secret" not in result.stdout + result.stderr
    stored = _client(endpoint, "secretsmanager").get_secret_value(SecretId="maeul/dev/oauth")
    assert json.loads(stored["SecretString"])["naver_client_secret"] == "n-secret"

"""`chalice package --stage prod` offline, bound to the infra stack's outputs, lint-clean."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from chalicelib.settings import STACK_OUTPUT_ENV
from ops.deploy import package_app
from ops.processes import BIN

pytestmark = pytest.mark.package

ACCOUNT = "111122223333"
OUTPUTS = {
    "MainTableName": "maeul-prod-main",
    "AuditTableName": "maeul-prod-audit",
    "IdempotencyTableName": "maeul-prod-idempotency",
    "DataKeyArn": f"arn:aws:kms:ap-northeast-2:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "MailEventsTopicArn": f"arn:aws:sns:ap-northeast-2:{ACCOUNT}:maeul-prod-mail-events",
    "MailFromAddress": "alerts@mail.maeul.example",
    "MailReplyTo": "help@maeul.example",
    "MailConfigurationSetName": "maeul-prod",
    "EmailHashKeySecretArn": f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:maeul/prod/email-hash-key-AbCdEf",
    "OperatorAlarmsTopicArn": f"arn:aws:sns:ap-northeast-2:{ACCOUNT}:maeul-prod-operator-alarms",
    "JwtKeysSecretArn": f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:maeul/prod/jwt-keys-AbCdEf",
    "OAuthSecretArn": f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:maeul/prod/oauth-AbCdEf",
    "IdentityKeySecretArn": f"arn:aws:secretsmanager:ap-northeast-2:{ACCOUNT}:secret:maeul/prod/identity-key-AbCdEf",
    "AppRoleArn": f"arn:aws:iam::{ACCOUNT}:role/maeul-prod-app",
    "ArtifactsBucketName": "maeul-prod-artifacts",
    "AttachmentsBucketName": "maeul-prod-attachments-abc123",
    "JobFailuresQueueArn": f"arn:aws:sqs:ap-northeast-2:{ACCOUNT}:maeul-prod-job-failures",
}


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("package") / "prod"
    return package_app("prod", OUTPUTS, out)


@pytest.fixture(scope="module")
def runnable(packaged: Path, tmp_path_factory) -> Path:
    """The packaged bundle with its compiled distributions for this machine's architecture (the
    package is for Lambda's arm64): what the tests that run the bundle here run."""
    import platform
    import shutil

    from ops.deploy import retarget_bundle

    bundle = tmp_path_factory.mktemp("runnable") / "deployment.zip"
    shutil.copyfile(packaged.parent / "deployment.zip", bundle)
    retarget_bundle(bundle, {"aarch64": "arm64"}.get(platform.machine(), platform.machine()))
    return bundle


def test_packaged_template_passes_cfn_lint(packaged: Path) -> None:
    result = subprocess.run([str(BIN / "cfn-lint"), str(packaged)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_admin_network_rule_passes_cfn_lint_too(packaged: Path, tmp_path: Path) -> None:
    """The repository's prod has no admin_cidrs yet (its deploy is refused until it does): the same
    template with them, as a filled-in prod packages it."""
    from ops import front_door

    template = json.loads(packaged.read_text(encoding="utf-8"))
    front_door._restrict_admin(template["Resources"], "prod", {"admin_cidrs": ["203.0.113.0/24", "2001:db8:1::/48"]})
    assert "AdminIpSetV4" in template["Resources"] and "AdminIpSetV6" in template["Resources"]
    target = tmp_path / "sam.json"
    target.write_text(json.dumps(template), encoding="utf-8")
    result = subprocess.run([str(BIN / "cfn-lint"), str(target)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_function_runs_as_the_stack_role_with_the_stack_outputs(packaged: Path) -> None:
    template = json.loads(packaged.read_text())
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert functions
    for function in functions:
        props = function["Properties"]
        assert props["Role"] == OUTPUTS["AppRoleArn"]
        variables = props["Environment"]["Variables"]
        assert variables["MAEUL_STAGE"] == "prod"
        for key, var in STACK_OUTPUT_ENV.items():
            assert variables[var] == OUTPUTS[key]
        assert not any(k.startswith("AWS_ENDPOINT_URL") for k in variables)


def test_functions_run_on_the_lambda_python_the_makefile_names(packaged: Path) -> None:
    """Chalice takes the runtime from the interpreter it packages with: the venv's Python, which the
    Makefile pins (LAMBDA_PYTHON) to a runtime Lambda still supports (python3.11 is deprecated on
    2027-06-30; cfn-lint in the test above flags a deprecated one from that day)."""
    import re
    import sys

    wanted = re.search(r"^LAMBDA_PYTHON := (\S+)$", (Path(__file__).parents[2] / "Makefile").read_text(), re.M)
    assert wanted, "the Makefile names the Lambda Python"
    template = json.loads(packaged.read_text())
    default = template.get("Globals", {}).get("Function", {}).get("Runtime")
    runtimes = {r["Properties"].get("Runtime", default) for r in template["Resources"].values()
                if r["Type"] == "AWS::Serverless::Function"}
    assert runtimes == {f"python{wanted.group(1)}"}
    assert sys.version_info[:2] == tuple(int(n) for n in wanted.group(1).split("."))


def test_the_mail_events_function_reads_the_stacks_mail_events_topic(packaged: Path) -> None:
    resources = json.loads(packaged.read_text())["Resources"]
    events = resources["MailEvents"]["Properties"]["Events"]
    assert [e["Properties"]["Topic"] for e in events.values() if e["Type"] == "SNS"] == [OUTPUTS["MailEventsTopicArn"]]


def test_missing_routes_answer_in_the_api_error_shape(packaged: Path) -> None:
    resources = json.loads(packaged.read_text())["Resources"]
    missing = resources["MissingRouteResponse"]["Properties"]
    assert missing["StatusCode"] == "404"
    body = json.loads(missing["ResponseTemplates"]["application/json"])
    assert body["error"]["code"] == "not_found"
    # browsers (Accept: text/html) get the site's 404 page, not raw JSON
    assert '<html lang="ko">' in missing["ResponseTemplates"]["text/html"]


def test_the_bundle_holds_the_app_and_no_development_tools(packaged: Path) -> None:
    names = zipfile.ZipFile(packaged.parent / "deployment.zip").namelist()
    assert "app.py" in names
    assert any(n.startswith("chalicelib/") for n in names)
    for dev_only in ("devtools/", "ops/", "tests/", "moto/", "chalice/cli/", "playwright/"):
        assert not any(n.startswith(dev_only) for n in names), dev_only
    # the in-memory twins of the stores live with the tests (tests/twins), not beside the adapters
    assert not [n for n in names if n.startswith("chalicelib/") and "memory" in n.rsplit("/", 1)[-1]]


def test_bundle_size_is_reported(packaged: Path) -> None:
    size = (packaged.parent / "deployment.zip").stat().st_size
    assert size < 30 * 1024 * 1024  # the benchmark target (Lambda allows 50 MB zipped)


def test_the_slim_bundle_still_runs_the_app_and_its_aws_clients(runnable: Path, tmp_path: Path) -> None:
    import sys

    from ops.deploy import RUNTIME_SERVICES

    bundle = tmp_path / "bundle"
    zipfile.ZipFile(runnable).extractall(bundle)
    probe = (  # -I -S: only the standard library and the bundle are importable
        f"import sys; sys.path.insert(0, {str(bundle)!r})\n"
        "import boto3, app\n"
        "from chalicelib.api import routing\nrouting.load_all()  # the blueprints the package loads on first use\n"
        "from chalicelib.logs import logger\nlogger().info('the bundle logs')\n"
        f"for service in {list(RUNTIME_SERVICES)!r}:\n"
        "    boto3.client(service, region_name='ap-northeast-2')\n"
        "from chalicelib.adapters.dynamo import attorneys, audit\n"
        # what the slimmed dependencies must still do: check a photo, a HEIC and a PDF, know Korea's
        # holidays in Korean, read a phone number
        "import io\nfrom PIL import Image\nfrom chalicelib.adapters.inspection import inspect\n"
        "from chalicelib.domain.attachments import Kind\n"
        "b = io.BytesIO(); Image.new('RGB', (40, 30), 'white').save(b, 'JPEG')\n"
        "import pillow_heif; pillow_heif.register_heif_opener()\n"
        "h = io.BytesIO(); Image.new('RGB', (40, 30), 'white').save(h, 'HEIF')\n"
        "import pypdf; p = io.BytesIO(); w = pypdf.PdfWriter(); w.add_blank_page(100, 100); w.write(p)\n"
        "for body, kind in ((b, Kind.JPEG), (h, Kind.HEIC), (p, Kind.PDF)):\n"
        "    found = inspect(body.getvalue(), kind); assert found.reason is None and found.body, found\n"
        "import holidays; kr = holidays.country_holidays('KR', years=2027, language='ko')\n"
        "assert '신정' in ''.join(kr.values())\n"
        "import phonenumbers; assert phonenumbers.is_valid_number(phonenumbers.parse('010-2345-6789', 'KR'))\n"
        "print('ok', len(app.app.routes))\n"
    )
    result = subprocess.run([sys.executable, "-I", "-S", "-c", probe], cwd=bundle, capture_output=True,
                            text=True, env={"MAEUL_STAGE": "prod"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert '"message":"the bundle logs"' in result.stdout and result.stdout.splitlines()[-1].startswith("ok")


def test_the_bundle_carries_bytecode_so_a_cold_start_does_not_compile(runnable: Path, tmp_path: Path) -> None:
    """Lambda's code directory is read-only: bytecode must come in the zip (ops/deploy.add_bytecode)."""
    import importlib.util
    import sys

    bundle = tmp_path / "bundle"
    zipfile.ZipFile(runnable).extractall(bundle)
    modules = [bundle / "app.py", *(bundle / "chalicelib").rglob("*.py"), bundle / "botocore" / "session.py"]
    for module in modules:
        cached = Path(importlib.util.cache_from_source(str(module)))
        assert cached.exists(), module.relative_to(bundle)
        flags = int.from_bytes(cached.read_bytes()[4:8], "little")
        assert flags == 0b01, module  # hash-based, unchecked: the zip's timestamps do not matter
    # and it is the bytecode that runs: with the sources' text changed, the old code still loads
    (bundle / "chalicelib" / "settings.py").write_text("raise SystemExit('compiled from source')\n")
    probe = f"import sys; sys.path.insert(0, {str(bundle)!r})\nimport app\nprint('ok')\n"
    result = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", probe], cwd=bundle, capture_output=True,
                            text=True, env={"MAEUL_STAGE": "prod"})
    assert result.stdout.startswith("ok"), result.stderr[-2000:]


def test_every_function_and_the_api_page_the_operators_through_the_alarms_topic(packaged: Path) -> None:
    resources = json.loads(packaged.read_text(encoding="utf-8"))["Resources"]
    functions = {n for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    assert {"APIHandler", "Reminders", "Offers", "WindowKeeper", "MessageNudge"} <= functions
    alarms = {n: r["Properties"] for n, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    for name in functions:
        for metric in ("Errors", "Throttles"):
            props = alarms[f"{name}{metric}Alarm"]
            assert props["MetricName"] == metric and props["Dimensions"] == [
                {"Name": "FunctionName", "Value": {"Ref": name}}]
            assert props["AlarmActions"] == [OUTPUTS["OperatorAlarmsTopicArn"]]
    assert alarms["RemindersErrorsAlarm"]["Threshold"] == 1  # a failed reminders run pages at once
    api = alarms["ApiServerErrorsAlarm"]
    name = resources["RestAPI"]["Properties"]["Name"]
    assert name == "maeul-prod"  # one API name per stage
    assert api["MetricName"] == "5XXError" and {"Name": "ApiName", "Value": name} in api["Dimensions"]


def test_make_package_works_in_a_fresh_shell(tmp_path: Path) -> None:
    """No region in the environment nor in ~/.aws: the stage's region comes from infra/stages.json."""
    import os

    from ops.processes import ROOT

    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none")}
    result = subprocess.run(["make", "-o", "install", "package", f"PACKAGE_DIR={tmp_path / 'out'}"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "No region configured" not in result.stdout + result.stderr
    assert (tmp_path / "out" / "sam.json").exists()


def _resources(packaged: Path) -> dict:
    return json.loads(packaged.read_text(encoding="utf-8"))["Resources"]


def test_the_scheduled_jobs_are_not_retried_and_never_run_twice_at_once(packaged: Path) -> None:
    resources = _resources(packaged)
    for name in ("Reminders", "Offers", "WindowKeeper", "MessageNudge"):
        props = resources[name]["Properties"]
        assert props["EventInvokeConfig"]["MaximumRetryAttempts"] == 0, name
        assert props["ReservedConcurrentExecutions"] == 1, name


def test_the_nightly_ranking_job_may_run_for_the_whole_roster(packaged: Path) -> None:
    """Opening a year and the night's credits read the whole roster (about 3 minutes to open a year of
    120,000 attorneys): the job gets Lambda's longest timeout, every other function keeps 30 s."""
    resources = _resources(packaged)
    timeouts = {name: r["Properties"].get("Timeout") for name, r in resources.items()
                if r.get("Type") == "AWS::Serverless::Function"}
    assert timeouts.pop("RankingYear") == 900
    assert timeouts and set(timeouts.values()) == {30}, timeouts


def test_the_video_room_gets_the_stages_own_turn_servers(packaged: Path) -> None:
    from ops import stages

    servers = stages.ice_servers("prod")
    assert any(u.startswith("turn") for s in servers for u in s["urls"])
    for name, resource in _resources(packaged).items():
        if resource["Type"] == "AWS::Serverless::Function":
            variables = resource["Properties"]["Environment"]["Variables"]
            assert json.loads(variables["MAEUL_ICE_SERVERS"]) == servers, name
            assert "credential" not in variables["MAEUL_ICE_SERVERS"]  # made at run time from the secret


def test_a_failed_job_run_is_recorded_in_the_job_failures_queue(packaged: Path) -> None:
    """Lambda's on-failure destination of every scheduled function (and only those) is the infra
    stack's queue; after SAM's translation it is an EventInvokeConfig with that destination."""
    from ops.deploy import translate_sam

    resources = _resources(packaged)
    scheduled = {n for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function"
                 and any(e["Type"] == "Schedule" for e in r["Properties"].get("Events", {}).values())}
    assert {"Reminders", "Offers", "WindowKeeper", "MessageNudge"} <= scheduled
    for name, resource in resources.items():
        config = resource["Properties"].get("EventInvokeConfig", {}) if "Properties" in resource else {}
        destination = config.get("DestinationConfig", {}).get("OnFailure")
        if name in scheduled:
            assert destination == {"Type": "SQS", "Destination": OUTPUTS["JobFailuresQueueArn"]}, name
        else:
            assert destination is None, name
    template = json.loads(packaged.read_text(encoding="utf-8"))
    for resource in template["Resources"].values():  # as the deploy does, once the bundle is uploaded
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://maeul-prod-artifacts/app/prod/bundle.zip"
    translated = translate_sam(template, "ap-northeast-2")
    configs = {r["Properties"]["FunctionName"]["Ref"]: r["Properties"] for r in translated["Resources"].values()
               if r["Type"] == "AWS::Lambda::EventInvokeConfig"}
    assert set(configs) == scheduled
    assert all(c["DestinationConfig"]["OnFailure"]["Destination"] == OUTPUTS["JobFailuresQueueArn"]
               and c["MaximumRetryAttempts"] == 0 for c in configs.values())
    # the functions run as the infra stack's role: SAM must not add a role or policies of its own
    assert not [r for r in translated["Resources"].values() if r["Type"] in ("AWS::IAM::Role", "AWS::IAM::Policy")]


def test_the_front_door_is_a_regional_custom_domain_mapped_at_the_root(packaged: Path) -> None:
    from ops import stages

    resources = _resources(packaged)
    api = resources["RestAPI"]["Properties"]
    assert api["EndpointConfiguration"] == "REGIONAL"
    domain = resources["ApiDomain"]["Properties"]
    assert domain["DomainName"] == stages.domain("prod")
    assert domain["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert domain["RegionalCertificateArn"] == {"Ref": "ApiCertificate"}
    assert resources["ApiCertificate"]["Properties"]["ValidationMethod"] == "DNS"
    mapping = resources["ApiRootMapping"]["Properties"]
    assert "BasePath" not in mapping  # the root: /auth/ cookies and /api/ routes as they are locally
    assert mapping["RestApiId"] == {"Ref": "RestAPI"}


def test_the_api_is_rate_limited_per_ip_throttled_logged_and_traced(packaged: Path) -> None:
    resources = _resources(packaged)
    acl = resources["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    [rule] = acl["Rules"]
    assert rule["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP" and "Block" in rule["Action"]
    assert "RestAPI" in json.dumps(resources["ApiWebAclAssociation"]["Properties"]["ResourceArn"])
    api = resources["RestAPI"]["Properties"]
    [settings] = api["MethodSettings"]
    assert 0 < settings["ThrottlingRateLimit"] <= settings["ThrottlingBurstLimit"]
    assert api["TracingEnabled"] is True
    access = api["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert "sourceIp" not in access["Format"] and "$context.path" not in access["Format"]  # no personal data
    assert resources["APIHandler"]["Properties"]["ReservedConcurrentExecutions"] >= 1


def test_every_function_logs_to_a_group_with_retention_and_is_traced(packaged: Path) -> None:
    from ops import stages

    resources = _resources(packaged)
    functions = [n for n, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    for name in functions:
        props = resources[name]["Properties"]
        group = resources[props["LoggingConfig"]["LogGroup"]["Ref"]]["Properties"]
        assert group["RetentionInDays"] == stages.settings("prod")["log_retention_days"]
        assert group["LogGroupName"] == f"/aws/lambda/maeul-prod-{name}"  # what the role may write to
        assert props["Tracing"] == "Active"


def test_the_functions_run_on_arm64_and_every_compiled_module_is_built_for_it(packaged: Path) -> None:
    """Every compiled wheel of the bundle exists for manylinux aarch64 (ops/deploy.retarget_bundle
    swaps them in); a module left for x86_64 would not load on Graviton."""
    from ops.deploy import ARCHITECTURE, bundle_architecture

    assert ARCHITECTURE == "arm64"
    functions = [r["Properties"] for r in _resources(packaged).values() if r["Type"] == "AWS::Serverless::Function"]
    assert {tuple(props["Architectures"]) for props in functions} == {("arm64",)}
    bundle = packaged.parent / "deployment.zip"
    assert bundle_architecture(bundle) == "arm64"  # raises when modules of two architectures are mixed
    names = zipfile.ZipFile(bundle).namelist()
    assert "_cffi_backend.cpython-313-aarch64-linux-gnu.so" in names
    assert not any("x86_64" in name for name in names)


def test_the_api_function_starts_from_a_snapstart_snapshot_of_a_published_version(packaged: Path) -> None:
    """SnapStart works on published versions only: each deploy publishes one behind the alias ``live``,
    and API Gateway calls the alias (checked on the template CloudFormation's SAM transform makes)."""
    from ops.deploy import translate_sam

    template = json.loads(packaged.read_text(encoding="utf-8"))
    api = template["Resources"]["APIHandler"]["Properties"]
    assert api["SnapStart"] == {"ApplyOn": "PublishedVersions"} and api["AutoPublishAlias"] == "live"
    for name in ("Reminders", "Offers", "WindowKeeper", "MessageNudge", "MailEvents"):
        assert "SnapStart" not in template["Resources"][name]["Properties"], name  # nobody waits for them

    for resource in template["Resources"].values():  # as deploy_app uploads the bundle
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://maeul-prod-artifacts/app/prod/bundle.zip"
    resources = translate_sam(template, "ap-northeast-2")["Resources"]
    [alias] = [n for n, r in resources.items() if r["Type"] == "AWS::Lambda::Alias"]
    [version] = [n for n, r in resources.items() if r["Type"] == "AWS::Lambda::Version"]
    assert resources[alias]["Properties"]["Name"] == "live"
    assert resources[alias]["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
    assert resources["APIHandler"]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    body = json.dumps(resources["RestAPI"]["Properties"]["Body"])
    assert f"${{{alias}}}" in body and "APIHandler.Arn" not in body
    assert body.count(f"${{{alias}}}") == body.count("/invocations")  # every integration
    permissions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"
                   and r["Properties"]["Principal"] == "apigateway.amazonaws.com"]
    assert permissions and all(p["FunctionName"] == {"Ref": alias} for p in permissions)


def test_a_cold_start_of_the_package_loads_only_the_routes_it_serves(runnable: Path, tmp_path: Path) -> None:
    """With the route table in the bundle (chalicelib/api/routing.py), ``import app`` loads no blueprint
    module; a request loads its own; the OpenAPI document and the error mapping are those of the
    app with every module loaded."""
    import sys

    from ops.deploy import ROUTE_TABLE_ENTRY

    bundle = tmp_path / "bundle"
    zipfile.ZipFile(runnable).extractall(bundle)
    table = json.loads((bundle / ROUTE_TABLE_ENTRY).read_text(encoding="utf-8"))
    assert len(table["routes"]) > 50
    assert {"api.meta", "api.reservations", "api.consultations", "web.pages"} <= set(table["modules"])
    probe = f"""
import json, sys
sys.path.insert(0, {str(bundle)!r})

def event(method, resource, path, params=None):
    return {{"resource": resource, "path": path, "httpMethod": method,
            "headers": {{"accept": "application/json"}},
            "multiValueHeaders": {{}}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": params, "stageVariables": None, "body": None, "isBase64Encoded": False,
            "requestContext": {{"resourcePath": resource, "httpMethod": method, "requestId": "probe",
                                "path": "/api" + path, "stage": "api",
                                "identity": {{"sourceIp": "192.0.2.1"}}}}}}

def loaded():
    return sorted(m.removeprefix("chalicelib.") for m in sys.modules
                  if m.removeprefix("chalicelib.") in {table["modules"]!r})

import app
out = {{"at_import": loaded(), "routes": sum(len(m) for m in app.app.routes.values()),
       "heavy_at_import": sorted(m for m in ("zoneinfo", "pathlib", "random", "boto3", "pynamodb",
                                             "chalicelib.clock", "chalicelib.domain.languages",
                                             "chalicelib.domain.metrics") if m in sys.modules)}}
health = app.app(event("GET", "/api/health", "/api/health"), None)
out["health"] = [health["statusCode"], json.loads(health["body"])]
out["after_health"] = loaded()
missing = app.app(event("GET", "/api/consultations/{{consultation_id}}", "/api/consultations/x",
                        {{"consultation_id": "x"}}), None)
out["unsigned"] = [missing["statusCode"], json.loads(missing["body"])["error"]["code"]]
document = app.app(event("GET", "/api/openapi.json", "/api/openapi.json"), None)
out["document"] = json.loads(document["body"])
out["after_document"] = loaded()
print(json.dumps(out))
"""
    env = {"MAEUL_STAGE": "prod", "AWS_DEFAULT_REGION": "ap-northeast-2", "AWS_ACCESS_KEY_ID": "probe",
           "AWS_SECRET_ACCESS_KEY": "probe"}
    result = subprocess.run([sys.executable, "-I", "-S", "-c", probe], cwd=bundle, capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["at_import"] == [] and out["routes"] == len(table["routes"])
    # nor what only a request or a job's run needs: time zones (an error's moments), paths and the
    # languages (an error's message), randomness (the snapshot's reseed), the AWS clients, the clock and
    # the metrics (a job's run); the app's frame loads little more than Chalice and pydantic
    assert out["heavy_at_import"] == []
    assert out["health"] == [200, {"status": "ok"}]
    assert "api.reservations" not in out["after_health"] and "api.meta" in out["after_health"]
    assert out["unsigned"][0] == 401 and out["unsigned"][1]
    assert out["after_document"] == sorted(table["modules"])

    from app import app as eager  # this process: every blueprint registered at import
    from chalicelib.api.openapi import spec

    assert out["document"] == json.loads(json.dumps(spec.document()))
    assert len(table["routes"]) == sum(len(methods) for methods in eager.routes.values())

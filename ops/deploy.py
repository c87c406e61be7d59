"""``scripts/deploy <stage>``: the infrastructure stack, then (on AWS) the app.

- ``local``: deploys ``infra/template.yaml`` as ``maeul-local`` into the
  emulator through the CloudFormation API, fills the emulator's known gaps,
  provisions the local-only secret values and writes the stack outputs to
  ``.run/local-stack.json`` for the local app.
- ``dev`` / ``staging`` / ``prod``: deploys the same template as
  ``maeul-<stage>`` to AWS (credentials from the usual AWS variables or
  profile), then packages the Chalice app with ``chalice package``, points
  every function at the stack's role and outputs, uploads the bundle and
  deploys ``maeul-<stage>-app``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ops import cfn, stack, stages
from ops.cfn import Change
from ops.processes import BIN, ROOT

APP_STACK_SUFFIX = "-app"

# The functions run on Graviton (arm64): every compiled wheel of the bundle exists for manylinux
# aarch64 and CPython 3.13, and arm64 costs 20% less per GB-second (docs/PERFORMANCE.md).
ARCHITECTURE = "arm64"

LOCAL_OAUTH_SECRET = {
    "kakao_client_secret": "maeul-local-kakao-secret",
    "naver_client_secret": "maeul-local-naver-secret",
    "kakao_admin_key": "maeul-local-kakao-admin-key",
    # the dev SENS emulator's keys (devtools/sens) and the key of the recipients' hashes
    "sens_access_key": "maeul-local-sens-access",
    "sens_secret_key": "maeul-local-sens-secret",
    "recipient_hash_key": "maeul-local-recipient-hash-key",
}


def _session(env: Mapping[str, str] | None = None) -> Any:
    import boto3

    if env:
        os.environ.update(env)
    return boto3.session.Session(region_name=os.environ.get("AWS_DEFAULT_REGION") or
                                 os.environ.get("AWS_REGION") or stages.SEOUL)


def provision_local_secrets(session: Any, deployment: stack.Deployment) -> list[str]:
    """Local-only values: dev-IdP client secrets and a first JWT signing key."""
    done = []
    sm = session.client("secretsmanager")
    oauth_arn = deployment.outputs.get("OAuthSecretArn")
    if oauth_arn:
        current = json.loads(sm.get_secret_value(SecretId=oauth_arn)["SecretString"] or "{}")
        if current != LOCAL_OAUTH_SECRET:
            sm.put_secret_value(SecretId=oauth_arn, SecretString=json.dumps(LOCAL_OAUTH_SECRET))
            done.append("oauth client secrets (dev identity provider)")
    from ops import identity_key

    identity_arn = deployment.outputs.get("IdentityKeySecretArn")
    if identity_arn and identity_key.ensure_key(sm, identity_arn):
        done.append("identity key (abuse limits)")
    try:
        from ops import jwt_keys
    except ImportError:
        return done
    hash_arn = deployment.outputs.get("EmailHashKeySecretArn")
    if hash_arn and len(sm.get_secret_value(SecretId=hash_arn).get("SecretString") or "") < 32:
        import secrets

        sm.put_secret_value(SecretId=hash_arn, SecretString=secrets.token_urlsafe(48))
        done.append("e-mail hash key")
    keys_arn = deployment.outputs.get("JwtKeysSecretArn")
    if keys_arn and jwt_keys.ensure_key(sm, keys_arn):
        done.append("first JWT signing key")
    return done


def deploy_local(log=print) -> stack.Deployment:
    from ops.localstage import STACK_ENV_FILE, aws_environment

    session = _session(aws_environment())
    deployment = stack.deploy(session, "local", log=log)
    for item in provision_local_secrets(session, deployment):
        log(f"  provisioned {item}")
    from ops.outbox import ensure_outbox

    domain = ensure_outbox(session, deployment)
    log(f"  mail domain {domain} verified in the emulator's SES; local outbox queue subscribed to operator "
        "alarms (scripts/outbox lists what was sent)")
    if deployment.missing:
        raise SystemExit("declared resources missing after deploy: " + "; ".join(deployment.missing))
    stack.write_env_file(STACK_ENV_FILE, deployment.environment())
    return deployment


# --- real AWS -----------------------------------------------------------------------

def package_app(stage: str, outputs: Mapping[str, str], out_dir: Path, bundle: Path | None = None,
                architecture: str = ARCHITECTURE) -> Path:
    """``chalice package`` for ``stage``, then bind the functions to the infra stack.

    ``bundle``: a bundle built before (``build_bundle``, the pipeline's artifact) replaces the one
    packaged here, so that every stage runs the very same code. ``architecture``: the Lambda
    architecture of a bundle packaged here (``x86_64`` makes one this machine can run). The
    functions' ``Architectures`` is what the bundle's compiled modules were built for. Returns the SAM
    template's path.
    """
    if out_dir.exists():
        shutil.rmtree(out_dir)
    _chalice_package(stage, out_dir)
    if bundle is not None:
        shutil.copyfile(bundle, out_dir / "deployment.zip")
    else:
        _finish_bundle(out_dir / "deployment.zip", stage, architecture)
    template_path = out_dir / "sam.json"
    template = json.loads(template_path.read_text(encoding="utf-8"))
    bind_app_template(template, stage, outputs, bundle_architecture(out_dir / "deployment.zip"))
    template_path.write_text(json.dumps(template, indent=2, ensure_ascii=False), encoding="utf-8")
    return template_path


def build_bundle(out_dir: Path, architecture: str = ARCHITECTURE) -> Path:
    """The Lambda bundle alone (the same for every stage: stage settings live in the template)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    _chalice_package("prod", out_dir)
    bundle = out_dir / "deployment.zip"
    _finish_bundle(bundle, "prod", architecture)
    return bundle


def _finish_bundle(bundle: Path, stage: str, architecture: str) -> None:
    retarget_bundle(bundle, architecture)
    slim_bundle(bundle)
    add_route_table(bundle, stage)
    add_bytecode(bundle)


def _chalice_package(stage: str, out_dir: Path) -> None:
    subprocess.run([str(BIN / "chalice"), "package", "--stage", stage, str(out_dir)],
                   cwd=ROOT, check=True, env=stages.environment(stage))


# AWS services the app calls at run time. botocore ships the models of every
# AWS service (over half of the bundle); the others are dropped from the zip.
RUNTIME_SERVICES = ("dynamodb", "kms", "sns", "sesv2", "s3", "secretsmanager", "sts", "sso", "sso-oidc")
_BOTOCORE_DATA = "botocore/data/"
_BOTO3_DATA = "boto3/data/"


# Parts of dependencies the app never loads, left out of the bundle: phonenumbers' geocoder,
# carrier and time-zone data (the app only parses and formats numbers); Pillow's AVIF, WebP,
# font and colour-management extensions with the libraries only they link (documents are JPEG,
# PNG, HEIC and PDF, re-encoded as JPEG/PNG; _imaging itself needs only libjpeg, libtiff,
# libopenjp2 and libxcb); holidays' translations other than Korean (the calendar asks for "ko");
# Powertools' event handler (Chalice routes the API; the app uses Powertools' Logger only).
# tests/integration/test_package.py runs the slim bundle's documents check, calendar and numbers.
_UNUSED = ("phonenumbers/geodata/", "phonenumbers/carrierdata/", "phonenumbers/tzdata/",
           "PIL/_avif", "PIL/_webp", "PIL/_imagingft", "PIL/_imagingcms",
           "pillow.libs/libavif", "pillow.libs/libwebp", "pillow.libs/libsharpyuv", "pillow.libs/libfreetype",
           "pillow.libs/libharfbuzz", "pillow.libs/libbrotli", "pillow.libs/libpng16", "pillow.libs/liblcms2",
           "aws_lambda_powertools/event_handler/")


def _keep(name: str) -> bool:
    for prefix, keep in ((_BOTOCORE_DATA, RUNTIME_SERVICES), (_BOTO3_DATA, ("dynamodb",))):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            return "/" not in rest or rest.split("/", 1)[0] in keep
    if name.startswith(_UNUSED):
        return False
    if name.startswith("holidays/locale/"):
        return name.startswith("holidays/locale/ko/")
    return True


def slim_bundle(bundle: Path) -> tuple[int, int]:
    """Rewrite the zip without unused service models; returns (bytes before, after)."""
    import zipfile

    before = bundle.stat().st_size
    slim = bundle.with_suffix(".slim.zip")
    with zipfile.ZipFile(bundle) as src, zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if _keep(info.filename):
                dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    slim.replace(bundle)
    return before, bundle.stat().st_size


ROUTE_TABLE_ENTRY = "chalicelib/api/routes.json"


def add_route_table(bundle: Path, stage: str) -> int:
    """Put the API's route table into the zip (``chalicelib/api/routing.py``): with it, a cold start
    imports a blueprint's module only when one of its routes is first called. Built from the
    blueprints registered eagerly, in a process of its own (registering them on a second app would
    take them from this process's app). Returns the number of routes."""
    import zipfile

    code = "import json\nfrom chalicelib.api import routing\nprint(json.dumps(routing.route_table()))"
    env = {**stages.environment(stage), **stages.chalice_environment(stage)}
    env.pop("AWS_ENDPOINT_URL", None)
    table = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                           text=True).stdout
    routes = len(json.loads(table)["routes"])
    with zipfile.ZipFile(bundle, "a", zipfile.ZIP_DEFLATED) as zipped:
        if ROUTE_TABLE_ENTRY in zipped.namelist():
            raise ValueError(f"{bundle} already has a route table")
        entry = zipfile.ZipInfo(ROUTE_TABLE_ENTRY, date_time=(2020, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16  # readable by the Lambda runtime's user
        zipped.writestr(entry, table, compress_type=zipfile.ZIP_DEFLATED)
    return routes


# Lambda architecture -> (ELF machine of its compiled modules, manylinux platform suffix)
_MACHINES = {"x86_64": (62, "x86_64"), "arm64": (183, "aarch64")}
# Lambda's Python 3.12+ runtimes run on Amazon Linux 2023: glibc 2.34
_LAMBDA_GLIBC_MINOR = 34
WHEEL_CACHE = ROOT / "build" / "wheels"


def bundle_architecture(bundle: Path) -> str:
    """The Lambda architecture the bundle's compiled modules were built for (ELF header); one only."""
    import zipfile

    found = set()
    with zipfile.ZipFile(bundle) as zipped:
        for name in zipped.namelist():
            if name.endswith(".so") or ".so." in name.rsplit("/", 1)[-1]:
                with zipped.open(name) as binary:
                    header = binary.read(20)
                if header[:4] == b"\x7fELF":
                    machine = int.from_bytes(header[18:20], "little")
                    known = {arch for arch, (number, _) in _MACHINES.items() if number == machine}
                    found |= known or {f"elf-{machine}"}
    if len(found) != 1:
        raise ValueError(f"{bundle}: compiled modules for {sorted(found) or 'no architecture'}")
    return found.pop()


def _compiled_distributions(zipped: Any) -> list[tuple[str, str, str]]:
    """(name, version, dist-info directory) of every platform-specific wheel installed in the zip."""
    found = []
    for name in zipped.namelist():
        if name.endswith(".dist-info/WHEEL") and name.count("/") == 1:
            wheel = zipped.read(name).decode("utf-8")
            if "Root-Is-Purelib: false" in wheel:
                dist_info = name.split("/", 1)[0]
                project, version = dist_info[: -len(".dist-info")].rsplit("-", 1)
                found.append((project, version, dist_info))
    return sorted(found)


def _platform_wheel(project: str, version: str, architecture: str) -> Path:
    """The manylinux wheel of ``project==version`` for Lambda's CPython on ``architecture`` (fetched
    once with pip into build/wheels/<architecture>, then reused)."""
    machine = _MACHINES[architecture][1]
    cache = WHEEL_CACHE / architecture
    normalised = project.lower().replace("-", "_")
    for wheel in cache.glob("*.whl"):
        name, wheel_version = wheel.name.split("-")[:2]
        if name.lower().replace("-", "_") == normalised and wheel_version == version:
            return wheel
    cache.mkdir(parents=True, exist_ok=True)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in range(17, _LAMBDA_GLIBC_MINOR + 1)]
    platforms.append(f"manylinux2014_{machine}")
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--python-version", python, "--implementation", "cp",
               "--abi", f"cp{python.replace('.', '')}", "--abi", "abi3", "--dest", str(cache),
               f"{project}=={version}"]
    for platform in platforms:
        command[4:4] = ["--platform", platform]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return _platform_wheel(project, version, architecture)


def retarget_bundle(bundle: Path, architecture: str) -> list[str]:
    """Swap every compiled distribution of the zip for the same version's wheel for ``architecture``.

    ``chalice package`` installs the wheels of this machine's architecture; Lambda on arm64 needs
    the aarch64 builds of the same versions (a distribution's files are those its RECORD lists).
    Returns the swapped distributions (none when the bundle is already for ``architecture``).
    """
    import csv
    import io
    import zipfile

    if bundle_architecture(bundle) == architecture:
        return []
    with zipfile.ZipFile(bundle) as src:
        compiled = _compiled_distributions(src)
        dropped: set[str] = set()
        for _, _, dist_info in compiled:
            record = src.read(f"{dist_info}/RECORD").decode("utf-8")
            dropped |= {row[0] for row in csv.reader(io.StringIO(record)) if row}
        wheels = [_platform_wheel(project, version, architecture) for project, version, _ in compiled]
        swapped = bundle.with_suffix(f".{architecture}.zip")
        with zipfile.ZipFile(swapped, "w", zipfile.ZIP_DEFLATED) as dst:
            written = set()
            for info in src.infolist():
                if info.filename not in dropped:
                    dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
                    written.add(info.filename)
            for wheel in wheels:
                with zipfile.ZipFile(wheel) as built:
                    for info in built.infolist():
                        name = info.filename
                        if name.split("/", 1)[0].endswith(".data"):
                            # <dist>.data/purelib|platlib/<path>: installed at the root
                            parts = name.split("/", 2)
                            if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                                continue
                            name = parts[2]
                        if name in written:  # a directory the bundle lists already
                            continue
                        written.add(name)
                        entry = zipfile.ZipInfo(name, date_time=info.date_time)
                        entry.external_attr = info.external_attr or (0o644 << 16)
                        dst.writestr(entry, built.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    swapped.replace(bundle)
    if bundle_architecture(bundle) != architecture:
        raise ValueError(f"{bundle}: not all compiled modules are for {architecture}")
    return [f"{project}=={version}" for project, version, _ in compiled]


# Large data modules imported only on demand (never by the app): left as source, so that the
# bytecode does not double their share of the bundle.
_LAZY_DATA = ("phonenumbers/geodata/", "phonenumbers/carrierdata/", "phonenumbers/tzdata/", "pydantic/v1/")


def add_bytecode(bundle: Path) -> int:
    """Add compiled bytecode next to every module of the zip; returns how many were compiled.

    Lambda's code directory is read-only, so without ``__pycache__`` in the bundle every cold
    start compiles the app and all its dependencies from source again. The bytecode is for
    this interpreter's version (the one ``chalice package`` declares as the runtime) and uses
    unchecked hashes, so the zip's timestamps do not matter; another Python version simply
    ignores it and compiles, as before.
    """
    import importlib.util
    import py_compile
    import tempfile
    import zipfile

    compiled = 0
    withcode = bundle.with_suffix(".pyc.zip")
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(bundle) as src, \
            zipfile.ZipFile(withcode, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if "__pycache__/" in info.filename:
                continue  # a working tree's own bytecode (timestamp-checked, maybe stale): compiled afresh below
            data = src.read(info.filename)
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            if not info.filename.endswith(".py") or info.filename.startswith(_LAZY_DATA):
                continue
            source = Path(tmp) / "module.py"
            source.write_bytes(data)
            target = Path(importlib.util.cache_from_source(info.filename))
            try:
                py_compile.compile(str(source), cfile=str(Path(tmp) / "module.pyc"), dfile=info.filename,
                                   doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            except py_compile.PyCompileError:
                continue  # e.g. a test fixture file of a dependency with deliberate syntax errors
            entry = zipfile.ZipInfo(str(target), date_time=info.date_time)
            entry.external_attr = 0o644 << 16  # readable by the Lambda runtime's user
            dst.writestr(entry, (Path(tmp) / "module.pyc").read_bytes(), compress_type=zipfile.ZIP_DEFLATED)
            compiled += 1
    withcode.replace(bundle)
    return compiled


def bind_app_template(template: dict[str, Any], stage: str, outputs: Mapping[str, str],
                      architecture: str | None = None) -> None:
    """Role and environment from the infra stack; API errors in the API's own shape; the bundle's
    architecture; SnapStart for the API's function."""
    from chalicelib.settings import STACK_OUTPUT_ENV

    env = {var: outputs[key] for key, var in STACK_OUTPUT_ENV.items() if key in outputs}
    servers = stages.ice_servers(stage)
    if servers:  # the stage's STUN/TURN servers (infra/stages.json); TURN credentials come from its secret
        env["MAEUL_ICE_SERVERS"] = json.dumps(servers, separators=(",", ":"))
    resources = template["Resources"]
    for resource in resources.values():
        if resource.get("Type") == "AWS::Serverless::Function":
            props = resource["Properties"]
            props["Role"] = outputs["AppRoleArn"]
            variables = props.setdefault("Environment", {}).setdefault("Variables", {})
            variables.update(env)
            props.setdefault("Tags", {}).update({"app": "maeul", "stage": stage})
            if architecture:
                props["Architectures"] = [architecture]
            for event in props.get("Events", {}).values():
                if event.get("Type") == "SNS" and "MailEventsTopicArn" in outputs:
                    event["Properties"]["Topic"] = outputs["MailEventsTopicArn"]  # SES events
    if "RestAPI" in resources:  # one API name per stage (it overrides the OpenAPI title)
        resources["RestAPI"]["Properties"]["Name"] = api_name(stage)
    from ops import front_door

    front_door.harden(template, stage, stages.domain(stage), stages.settings(stage),
                      job_failures_arn=outputs.get("JobFailuresQueueArn", ""))
    add_alarms(resources, stage, outputs.get("OperatorAlarmsTopicArn"))
    add_snapstart(resources)
    if "RestAPI" in resources:
        add_gateway_responses(resources)


# Functions restored from a snapshot instead of initialised: the API's (a person waits for its cold
# starts). The scheduled jobs and the mail events are not: nobody waits for them, and every
# function with SnapStart pays for its snapshot's cache all month (docs/PERFORMANCE.md).
SNAPSTART_FUNCTIONS = ("APIHandler",)
SNAPSTART_ALIAS = "live"


def add_snapstart(resources: dict[str, Any]) -> None:
    """Lambda SnapStart: every deploy publishes a version of the function (SnapStart works on
    published versions only) behind the alias ``live``, and API Gateway calls the alias.

    SAM's ``AutoPublishAlias`` publishes the version and the alias (``alias_logical_id``); the REST API's
    integrations and its invoke permission, which Chalice points at the function itself, are
    pointed at the alias here. The function's code takes the snapshot's hooks
    (``chalicelib/snapstart.py``)."""
    for name in SNAPSTART_FUNCTIONS:
        if name not in resources:
            continue
        props = resources[name]["Properties"]
        props["AutoPublishAlias"] = SNAPSTART_ALIAS
        props["SnapStart"] = {"ApplyOn": "PublishedVersions"}
        _point_api_at(resources, name, alias_logical_id(name))


def without_snapstart(template: dict[str, Any]) -> dict[str, Any]:
    """The template with the functions unversioned and the API on the functions again (the
    emulator's CloudFormation has no Lambda aliases)."""
    resources = template["Resources"]
    for name in SNAPSTART_FUNCTIONS:
        if name in resources:
            props = resources[name]["Properties"]
            if props.pop("AutoPublishAlias", None):
                props.pop("SnapStart", None)
                _point_api_at(resources, alias_logical_id(name), name)
    return template


def alias_logical_id(function: str) -> str:
    """The logical ID SAM gives the alias of ``AutoPublishAlias`` (``<function>Alias<alias>``); SAM
    resolves ``<function>.Alias`` in ``Ref`` but not inside ``Fn::Sub``, where the integrations need it."""
    return f"{function}Alias{SNAPSTART_ALIAS}"


def _point_api_at(resources: dict[str, Any], current: str, target: str) -> None:
    """The API's integrations and invoke permissions from ``current`` (a function, whose ARN they
    name, or an alias, whose Ref is its ARN) to ``target``."""
    def reference(logical: str) -> str:
        return f"${{{logical}}}" if logical.endswith(f"Alias{SNAPSTART_ALIAS}") else f"${{{logical}.Arn}}"

    api = resources.get("RestAPI")
    if api is not None:
        body = json.dumps(api["Properties"]["DefinitionBody"])
        api["Properties"]["DefinitionBody"] = json.loads(body.replace(reference(current), reference(target)))
    for resource in resources.values():
        props = resource.get("Properties", {})
        is_permission = resource.get("Type") == "AWS::Lambda::Permission"
        if is_permission and props.get("FunctionName") == {"Ref": current}:
            props["FunctionName"] = {"Ref": target}


def add_gateway_responses(resources: dict[str, Any]) -> None:
    """API Gateway's own answers (no route, refused, other 4xx, 5xx): the site's HTML page for a
    browser (``Accept: text/html``), the API's error shape for everyone else."""
    from chalicelib.api.missing import HTML, JSON, gateway_bodies
    from chalicelib.settings import Policy

    # the phone the pages give is the stage's policy's (MAEUL_POLICY in the API function's environment)
    api_env = resources.get("APIHandler", {}).get("Properties", {}).get("Environment", {}).get("Variables", {})
    policy = Policy.model_validate(json.loads(api_env.get("MAEUL_POLICY") or "{}"))
    bodies = gateway_bodies(policy.fallback_phone)
    unavailable = json.dumps({"error": {"code": "service_unavailable", "message": "The service is unavailable. "
                                        f"Please try again, or call {policy.fallback_phone}."}})
    for logical, kind, status in (("MissingRouteResponse", "MISSING_AUTHENTICATION_TOKEN", "404"),
                                  ("AccessDeniedResponse", "ACCESS_DENIED", "403"),
                                  ("Default4xxResponse", "DEFAULT_4XX", None),
                                  ("Default5xxResponse", "DEFAULT_5XX", None)):
        templates = {JSON: unavailable} if kind == "DEFAULT_5XX" else \
            {JSON: bodies[kind][JSON], HTML: bodies[kind][HTML]}
        props: dict[str, Any] = {"RestApiId": {"Ref": "RestAPI"}, "ResponseType": kind,
                                 "ResponseTemplates": templates}
        if status:
            props["StatusCode"] = status
        resources[logical] = {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": props}


def api_name(stage: str) -> str:
    return f"maeul-{stage}"


# What pages the operators (the alarms topic): any failed run of a scheduled function, a burst
# of failed or throttled API invocations, or of 5xx answers at the API.
_FUNCTION_ERRORS = {"APIHandler": 5}  # errors in 5 minutes; scheduled functions: 1


def add_alarms(resources: dict[str, Any], stage: str, topic_arn: str | None) -> None:
    """CloudWatch alarms on every function of the package and on the API, to the alarms topic."""
    if not topic_arn:
        return

    def alarm(name: str, namespace: str, metric: str, dimensions: list[dict[str, Any]], threshold: int,
              what: str) -> dict[str, Any]:
        return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": f"maeul-{stage}-{name}", "AlarmDescription": what,
            "Namespace": namespace, "MetricName": metric, "Dimensions": dimensions,
            "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": [topic_arn], "OKActions": [topic_arn]}}

    functions = [n for n, r in resources.items() if r.get("Type") == "AWS::Serverless::Function"]
    for name in functions:
        dimension = [{"Name": "FunctionName", "Value": {"Ref": name}}]
        threshold = _FUNCTION_ERRORS.get(name, 1)
        resources[f"{name}ErrorsAlarm"] = alarm(
            f"{name}-errors", "AWS/Lambda", "Errors", dimension, threshold,
            f"{name}: {threshold} or more failed invocations in 5 minutes")
        resources[f"{name}ThrottlesAlarm"] = alarm(
            f"{name}-throttles", "AWS/Lambda", "Throttles", dimension, 1,
            f"{name}: invocations throttled (concurrency limit)")
    if "RestAPI" in resources:
        resources["ApiServerErrorsAlarm"] = alarm(
            "api-5xx", "AWS/ApiGateway", "5XXError",
            [{"Name": "ApiName", "Value": api_name(stage)}, {"Name": "Stage", "Value": "api"}], 5,
            "The API answered 5 or more server errors (5xx, 503 included) in 5 minutes")


def deploy_app(session: Any, stage: str, outputs: Mapping[str, str], log=print,
               confirm: Callable[[list[Change]], bool] | None = None,
               bundle: Path | None = None) -> cfn.Outcome:
    """Package, upload the bundle, deploy ``maeul-<stage>-app`` through a change set."""
    out_dir = ROOT / "build" / stage
    template_path = package_app(stage, outputs, out_dir, bundle)
    template = json.loads(template_path.read_text(encoding="utf-8"))
    bucket = outputs["ArtifactsBucketName"]
    bundle = out_dir / "deployment.zip"
    key = f"app/{stage}/{_digest(bundle)}.zip"
    session.client("s3").upload_file(str(bundle), bucket, key)
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{bucket}/{key}"
    held_back: dict[str, Any] = {}
    if stack.is_emulator():
        # The emulator has no SAM transform: translate it here the way CloudFormation would.
        template = translate_sam(without_snapstart(template), session.region_name)
        log("  the emulator runs the functions unversioned: no SnapStart alias (its CloudFormation has "
            "no AWS::Lambda::Alias)")
        held_back = hold_back_for_emulator(template)
    name = stack.stack_name(stage) + APP_STACK_SUFFIX
    outcome = cfn.StackDeployer(session, bucket=bucket, log=log).deploy(
        name, json.dumps(template, sort_keys=True), {}, confirm=confirm,
        capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"], tags={"app": "maeul", "stage": stage})
    if held_back and outcome.action != "declined":
        fill_emulator_api(session, name, held_back, log)
        fill_emulator_invoke_configs(session, name, template, log)
    return outcome


# What the emulator's CloudFormation cannot build from the translated template: it creates a REST
# API without reading its OpenAPI body, so a deployment of it fails ("no methods"), and all that
# hangs off the stage with it. These are held back from the stack and the API is imported and
# deployed through the API Gateway API instead (``fill_emulator_api``), and the log says so.
_EMULATOR_HELD_BACK = ("AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage",
                       "AWS::ApiGateway::BasePathMapping",
                       "AWS::WAFv2::WebACLAssociation", "AWS::ApiGateway::DomainName",
                       "AWS::CertificateManager::Certificate", "AWS::Route53::RecordSet")


def hold_back_for_emulator(template: dict[str, Any]) -> dict[str, Any]:
    resources = template["Resources"]
    held = {k: resources.pop(k)
            for k in [k for k, r in resources.items() if r["Type"] in _EMULATOR_HELD_BACK]}
    text = json.dumps
    for logical in [k for k, r in resources.items() if any(h in text(r) for h in held)]:
        held[logical] = resources.pop(logical)
    for key in [k for k, o in template.get("Outputs", {}).items() if any(h in text(o) for h in held)]:
        template["Outputs"].pop(key)
    api = next((k for k, r in resources.items() if r["Type"] == "AWS::ApiGateway::RestApi"), None)
    body = resources[api]["Properties"].get("Body") if api else None
    return {"api": api, "body": body, "held": sorted(held)}


def fill_emulator_api(session: Any, name: str, held_back: dict[str, Any], log: Callable[[str], None]) -> None:
    if not held_back.get("api"):
        return
    cf = session.client("cloudformation")
    summaries = [r for page in cf.get_paginator("list_stack_resources").paginate(StackName=name)
                 for r in page["StackResourceSummaries"]]
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in summaries}
    functions = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in summaries
                 if r.get("ResourceType") == "AWS::Lambda::Function"}
    apigw = session.client("apigateway")
    api_id = physical[held_back["api"]]
    if any(s["stageName"] == "api" for s in apigw.get_stages(restApiId=api_id).get("item", [])):
        return
    lam = session.client("lambda")
    values = {"AWS::Partition": "aws", "AWS::Region": session.region_name, "AWS::URLSuffix": "amazonaws.com"}
    for logical, function in functions.items():
        values[f"{logical}.Arn"] = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    body = _substitute(held_back["body"], values)
    if "swagger" in body:  # the emulator imports only OpenAPI 3 documents; it reads paths and integrations
        body = {"openapi": "3.0.1", **{k: v for k, v in body.items() if k != "swagger"}}
    apigw.put_rest_api(restApiId=api_id, mode="overwrite", body=json.dumps(body).encode("utf-8"))
    apigw.create_deployment(restApiId=api_id, stageName="api")
    log(f"  filled emulator gap: API {api_id} imported and deployed to stage api "
        f"(held back from the stack: {', '.join(held_back['held'])})")


def fill_emulator_invoke_configs(session: Any, name: str, template: dict[str, Any],
                                 log: Callable[[str], None]) -> None:
    """The emulator's CloudFormation skips ``AWS::Lambda::EventInvokeConfig`` (the jobs' retries and
    on-failure destination): set through the Lambda API instead, once, and the log says so."""
    configs = {k: r["Properties"] for k, r in template["Resources"].items()
               if r["Type"] == "AWS::Lambda::EventInvokeConfig"}
    if not configs:
        return
    cf, lam = session.client("cloudformation"), session.client("lambda")
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "")
                for page in cf.get_paginator("list_stack_resources").paginate(StackName=name)
                for r in page["StackResourceSummaries"]}
    filled = []
    for logical, props in sorted(configs.items()):
        function = physical.get(props["FunctionName"]["Ref"], "")
        if not function:
            continue
        wanted = {k: props[k] for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")
                  if k in props}
        try:
            current = lam.get_function_event_invoke_config(FunctionName=function)
        except lam.exceptions.ResourceNotFoundException:
            current = {}
        if all(current.get(k) == v for k, v in wanted.items()):
            continue
        lam.put_function_event_invoke_config(FunctionName=function, **wanted)
        filled.append(logical)
    if filled:
        log(f"  filled emulator gap: event invoke configs set through the Lambda API ({', '.join(filled)})")


def _substitute(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"]
            for key, val in values.items():
                text = text.replace("${" + key + "}", val)
            return text
        return {k: _substitute(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, values) for v in value]
    return value


def translate_sam(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The SAM template as plain CloudFormation (aws-sam-translator, the library CloudFormation runs)."""
    from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
    from samtranslator.translator.transform import transform

    class _NoManagedPolicies(ManagedPolicyLoader):  # the functions use the infra stack's role
        def __init__(self) -> None:
            pass

        def load(self) -> dict[str, str]:
            return {}

    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    return transform(template, {"AWS::Region": region}, _NoManagedPolicies())


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _site_origin(stage: str) -> str:
    """scheme://host[:port] of the stage's public base URL (.chalice/config.json)."""
    from urllib.parse import urlsplit

    from ops.localstage import config_environment

    url = urlsplit(config_environment(stage).get("MAEUL_PUBLIC_BASE_URL", ""))
    return f"{url.scheme}://{url.netloc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/deploy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["local", "dev", "staging", "prod"])
    parser.add_argument("--infra-only", action="store_true", help="deploy only the infra stack")
    parser.add_argument("--operator-email", default="",
                        help="subscribe this address to operator alarms "
                             "(kept on later deploys when not given)")
    parser.add_argument("--bundle", type=Path, default=None,
                        help="deploy this bundle (built once by the pipeline, python -m ops.deploy_bundle) "
                             "instead of packaging the working tree's code")
    parser.add_argument("--yes", action="store_true",
                        help="apply the changes without asking (pipelines); without it they are shown and "
                             "applied only after you answer yes")
    parser.add_argument("--mail-domain", default="",
                        help="the stage's SES sending domain (stack parameter MailDomain; kept when not given)")
    parser.add_argument("--mail-reply-to", default="",
                        help="the centre's address for replies (MailReplyTo; kept when not given)")
    args = parser.parse_args(argv)
    if args.stage == "local":
        deployment = deploy_local()
        print(f"maeul-local ready in the emulator; outputs in .run/local-stack.json "
              f"({len(deployment.filled)} emulator gaps filled)")
        return 0
    try:
        return deploy_stage(args.stage, operator_email=args.operator_email, infra_only=args.infra_only,
                            assume_yes=args.yes, bundle=args.bundle, mail_domain=args.mail_domain,
                            mail_reply_to=args.mail_reply_to)
    except cfn.DeployError as exc:
        print(f"deploy of {args.stage} failed: {exc}", file=sys.stderr)
        return 1


def deploy_stage(stage: str, *, operator_email: str = "", infra_only: bool = False, assume_yes: bool = False,
                 bundle: Path | None = None, mail_domain: str = "", mail_reply_to: str = "",
                 log: Callable[[str], None] = print) -> int:
    """``scripts/deploy <stage>`` for an AWS stage (or the emulator, when ``AWS_ENDPOINT_URL`` is it)."""
    session = _session(stages.environment(stage))
    account = session.client("sts").get_caller_identity()["Account"]
    refused = stages.preflight(stage, account, session.region_name)
    if refused:
        log(f"not deploying {stage}:")
        for reason in refused:
            log(f"  - {reason}")
        return 2
    where = "the emulator" if stack.is_emulator() else f"account {account}, {session.region_name}"
    log(f"deploying {stage} to {where}")
    confirm = None if assume_yes else cfn.ask("Apply these changes?")
    params = {key: value for key, value in (("OperatorEmail", operator_email), ("MailDomain", mail_domain),
                                            ("MailReplyTo", mail_reply_to)) if value}
    params["SiteOrigin"] = _site_origin(stage)  # the attachments bucket's CORS allows only the site
    deployment = stack.deploy(session, stage, params, log=log, confirm=confirm)
    if deployment.action == "declined":
        log(f"{stage}: nothing applied")
        return 1
    for warning in deployment.warnings:
        log(f"  note: {warning}")
    if deployment.missing:
        log("declared resources missing: " + "; ".join(deployment.missing))
        return 1
    from ops import jwt_keys

    if jwt_keys.ensure_key(session.client("secretsmanager"), deployment.outputs["JwtKeysSecretArn"]):
        log(f"maeul/{stage}/jwt-keys: first signing key created")
    from ops import identity_key

    if identity_key.ensure_key(session.client("secretsmanager"), deployment.outputs["IdentityKeySecretArn"]):
        log(f"maeul/{stage}/identity-key: key created")
    if infra_only:
        return 0
    if bundle is not None and not bundle.is_file():
        log(f"no bundle at {bundle}")
        return 2
    outcome = deploy_app(session, stage, deployment.outputs, log=log, confirm=confirm, bundle=bundle)
    if outcome.action == "declined":
        log(f"{stage}: app changes not applied")
        return 1
    log(f"maeul-{stage} deployed ({outcome.action}): https://{stages.domain(stage)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ops import stack
from ops.processes import BIN, ROOT

APP_STACK_SUFFIX = "-app"

LOCAL_OAUTH_SECRET = {
    "kakao_client_secret": "maeul-local-kakao-secret",
    "naver_client_secret": "maeul-local-naver-secret",
    "kakao_admin_key": "maeul-local-kakao-admin-key",
}


def _session(env: Mapping[str, str] | None = None) -> Any:
    import boto3

    if env:
        os.environ.update(env)
    return boto3.session.Session(region_name=os.environ.get("AWS_DEFAULT_REGION") or
                                 os.environ.get("AWS_REGION") or "ap-northeast-2")


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
    log(f"  mail domain {domain} verified in the emulator's SES (scripts/outbox lists what was sent)")
    if deployment.missing:
        raise SystemExit("declared resources missing after deploy: " + "; ".join(deployment.missing))
    stack.write_env_file(STACK_ENV_FILE, deployment.environment())
    return deployment


# --- real AWS -----------------------------------------------------------------------

def package_app(stage: str, outputs: Mapping[str, str], out_dir: Path) -> Path:
    """``chalice package`` for ``stage``, then bind the functions to the infra stack.

    Returns the path of the SAM template ready for CloudFormation.
    """
    if out_dir.exists():
        shutil.rmtree(out_dir)
    subprocess.run([str(BIN / "chalice"), "package", "--stage", stage, str(out_dir)],
                   cwd=ROOT, check=True)
    slim_bundle(out_dir / "deployment.zip")
    add_bytecode(out_dir / "deployment.zip")
    template_path = out_dir / "sam.json"
    template = json.loads(template_path.read_text(encoding="utf-8"))
    bind_app_template(template, stage, outputs)
    template_path.write_text(json.dumps(template, indent=2, ensure_ascii=False), encoding="utf-8")
    return template_path


# AWS services the app calls at run time. botocore ships the models of every
# AWS service (over half of the bundle); the others are dropped from the zip.
RUNTIME_SERVICES = ("dynamodb", "kms", "sns", "sesv2", "secretsmanager", "sts", "sso", "sso-oidc")
_BOTOCORE_DATA = "botocore/data/"
_BOTO3_DATA = "boto3/data/"


def _keep(name: str) -> bool:
    for prefix, keep in ((_BOTOCORE_DATA, RUNTIME_SERVICES), (_BOTO3_DATA, ("dynamodb",))):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            return "/" not in rest or rest.split("/", 1)[0] in keep
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


def bind_app_template(template: dict[str, Any], stage: str, outputs: Mapping[str, str]) -> None:
    """Role and environment from the infra stack; API errors in the API's own shape."""
    from chalicelib.settings import STACK_OUTPUT_ENV

    env = {var: outputs[key] for key, var in STACK_OUTPUT_ENV.items() if key in outputs}
    resources = template["Resources"]
    for resource in resources.values():
        if resource.get("Type") == "AWS::Serverless::Function":
            props = resource["Properties"]
            props["Role"] = outputs["AppRoleArn"]
            variables = props.setdefault("Environment", {}).setdefault("Variables", {})
            variables.update(env)
            props.setdefault("Tags", {}).update({"app": "maeul", "stage": stage})
            for event in props.get("Events", {}).values():
                if event.get("Type") == "SNS" and "MailEventsTopicArn" in outputs:
                    event["Properties"]["Topic"] = outputs["MailEventsTopicArn"]  # SES events
    add_alarms(resources, stage, outputs.get("OperatorAlarmsTopicArn"))
    if "RestAPI" in resources:
        body = ('{"error": {"code": "%s", "message": "%s"}}')
        for logical, (kind, status, code, message) in {
            "MissingRouteResponse": ("MISSING_AUTHENTICATION_TOKEN", "404", "not_found",
                                     "There is nothing at this address."),
            "Default4xxResponse": ("DEFAULT_4XX", None, "bad_request",
                                   "The request could not be handled."),
            "Default5xxResponse": ("DEFAULT_5XX", None, "service_unavailable",
                                   "The service is unavailable. Please try again, or call 031-8030-4541."),
        }.items():
            props: dict[str, Any] = {
                "RestApiId": {"Ref": "RestAPI"}, "ResponseType": kind,
                "ResponseTemplates": {"application/json": body % (code, message)},
            }
            if status:
                props["StatusCode"] = status
            resources[logical] = {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": props}


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
            [{"Name": "ApiName", "Value": "maeul"}, {"Name": "Stage", "Value": "api"}], 5,
            "The API answered 5 or more server errors (5xx, 503 included) in 5 minutes")


def deploy_app(session: Any, stage: str, outputs: Mapping[str, str], log=print) -> str:
    out_dir = ROOT / "build" / stage
    template_path = package_app(stage, outputs, out_dir)
    template = json.loads(template_path.read_text(encoding="utf-8"))
    bucket = outputs["ArtifactsBucketName"]
    bundle = out_dir / "deployment.zip"
    key = f"app/{stage}/{_digest(bundle)}.zip"
    session.client("s3").upload_file(str(bundle), bucket, key)
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{bucket}/{key}"
    cfn = session.client("cloudformation")
    name = stack.stack_name(stage) + APP_STACK_SUFFIX
    change_set = cfn.create_change_set(
        StackName=name, ChangeSetName=f"deploy-{_digest(bundle)[:12]}",
        ChangeSetType="UPDATE" if stack._stack_exists(cfn, name) else "CREATE",
        TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=change_set["Id"])
    cfn.execute_change_set(ChangeSetName=change_set["Id"])
    log(f"app stack {name}: change set executed; waiting")
    cfn.get_waiter("stack_update_complete").wait(StackName=name)
    api = {o["OutputKey"]: o["OutputValue"]
           for o in cfn.describe_stacks(StackName=name)["Stacks"][0].get("Outputs", [])}
    return api.get("EndpointURL", "")


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/deploy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["local", "dev", "staging", "prod"])
    parser.add_argument("--infra-only", action="store_true", help="deploy only the infra stack")
    parser.add_argument("--operator-email", default="", help="subscribe this address to operator alarms")
    parser.add_argument("--mail-domain", default="", help="the stage's SES sending domain (stack parameter MailDomain)")
    parser.add_argument("--mail-reply-to", default="", help="the centre's address for replies (MailReplyTo)")
    args = parser.parse_args(argv)
    if args.stage == "local":
        deployment = deploy_local()
        print(f"maeul-local ready in the emulator; outputs in .run/local-stack.json "
              f"({len(deployment.filled)} emulator gaps filled)")
        return 0
    session = _session()
    params = {key: value for key, value in (("OperatorEmail", args.operator_email), ("MailDomain", args.mail_domain),
                                            ("MailReplyTo", args.mail_reply_to)) if value} or None
    deployment = stack.deploy(session, args.stage, params)
    if deployment.missing:
        print("declared resources missing: " + "; ".join(deployment.missing), file=sys.stderr)
        return 1
    from ops import jwt_keys

    if jwt_keys.ensure_key(session.client("secretsmanager"), deployment.outputs["JwtKeysSecretArn"]):
        print(f"maeul/{args.stage}/jwt-keys: first signing key created")
    if args.infra_only:
        return 0
    url = deploy_app(session, args.stage, deployment.outputs)
    print(f"maeul-{args.stage} deployed: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

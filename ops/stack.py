"""Deploy the ``infra/`` stack through the CloudFormation API and check it.

The very same template and the very same calls serve real AWS and the local
emulator. The emulator's CloudFormation leaves a few declared settings or
resources out (moto 5.2: table TTL and point-in-time recovery stay disabled,
Secrets Manager secrets and SNS subscriptions are not created); after
deploying, ``reconcile`` compares what exists with what the template
declares. On ``local`` it fills each known gap explicitly and says so; on any
other stage a gap is an error. ``missing`` is what the tests assert on. Resources
the emulator has no CloudFormation support for (SES) carry the template's
``IsAws`` condition and are not checked on ``local``. Before updating a stack,
the attorney-alerts topic's leftover subscriptions are removed
(``ops/retire_alerts.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import ClientError

from chalicelib.settings import STACK_OUTPUT_ENV
from ops.cfn import Change, StackDeployer, protect_resources

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "template.yaml"


def stack_name(stage: str) -> str:
    return f"maeul-{stage}"


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass
class Deployment:
    stage: str
    action: str  # created | updated | unchanged | declined
    outputs: dict[str, str]
    filled: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def environment(self) -> dict[str, str]:
        """The app's environment variables derived from the stack outputs."""
        env = {"MAEUL_STAGE": self.stage}
        for key, var in STACK_OUTPUT_ENV.items():
            if key in self.outputs:
                env[var] = self.outputs[key]
        return env


# Never replaced or deleted by a stack update: the data and the key that decrypts it.
PROTECTED_TYPES = ("AWS::DynamoDB::Table", "AWS::KMS::Key")


def deploy(session: Any, stage: str, parameters: Mapping[str, str] | None = None,
           log: Callable[[str], None] = print, *, confirm: Callable[[list[Change]], bool] | None = None,
           fill: bool | None = None) -> Deployment:
    """Create or update ``maeul-<stage>`` through a change set, then reconcile and verify.

    Parameters not given keep their previous values. ``confirm`` sees the changes before they
    are applied (None applies them). ``fill`` (default: on the ``local`` stage or when the AWS
    endpoint is the emulator) fills the emulator's known gaps instead of reporting them.
    """
    name = stack_name(stage)
    body = TEMPLATE.read_text(encoding="utf-8")
    cfn = session.client("cloudformation")
    try:
        before = _outputs(cfn, name)
    except ClientError:
        before = {}  # no stack yet

    def approve(changes: list[Change]) -> bool:
        """The operator's answer; once the changes are to be applied, the old attorney-alerts
        topic (if the deployed stack still has it) loses its e-mail subscriptions first."""
        if confirm is not None and not confirm(changes):
            return False
        from ops.retire_alerts import retire_alert_subscriptions

        retire_alert_subscriptions(session, before, log=log)
        return True

    outcome = StackDeployer(session, log=log).deploy(
        name, body, {"Stage": stage, **(parameters or {})}, capabilities=["CAPABILITY_NAMED_IAM"],
        tags={"app": "maeul", "stage": stage}, confirm=approve,
        stack_policy=protect_resources(PROTECTED_TYPES), termination_protection=stage == "prod")
    if outcome.action == "declined":
        return Deployment(stage, "declined", {}, changes=outcome.changes)
    template = load_template()
    values = {"Stage": stage, **_stack_parameters(cfn, name)}
    resources = _physical_ids(cfn, name)
    checker = Reconciler(session, template, values, resources,
                         fill=stage == "local" or is_emulator() if fill is None else fill, log=log)
    checker.run()
    outputs = _outputs_with_gaps(cfn, name, template, checker)
    return Deployment(stage, outcome.action, outputs, checker.filled, checker.missing, checker.warnings,
                      outcome.changes)


def is_emulator() -> bool:
    """True when the AWS endpoint is the local emulator (the standard variable points at this machine)."""
    import os
    from urllib.parse import urlparse

    host = urlparse(os.environ.get("AWS_ENDPOINT_URL", "")).hostname
    return host in ("127.0.0.1", "localhost", "::1")


def _stack_parameters(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}


def describe(session: Any, stage: str) -> Deployment:
    """Outputs of an existing stack (no changes made), reconciled read-only."""
    cfn = session.client("cloudformation")
    name = stack_name(stage)
    template = load_template()
    checker = Reconciler(session, template, {"Stage": stage}, _physical_ids(cfn, name), fill=False,
                         log=lambda _msg: None)
    checker.run()
    outputs = _outputs_with_gaps(cfn, name, template, checker)
    return Deployment(stage, "unchanged", outputs, [], checker.missing)


def _outputs_with_gaps(cfn: Any, name: str, template: dict[str, Any], checker: Reconciler) -> dict[str, str]:
    """The template's outputs: the stack's, plus those the emulator left out, resolved from the
    reconciler (the emulator's change sets keep an output the template no longer has: dropped)."""
    declared = template.get("Outputs", {})
    outputs = {key: value for key, value in _outputs(cfn, name).items() if key in declared}
    for key, spec in declared.items():
        if key not in outputs:
            value = checker.resolve(spec["Value"])
            if value:
                outputs[key] = value
    return outputs


def _outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _physical_ids(cfn: Any, name: str) -> dict[str, str]:
    found: dict[str, str] = {}
    paginator = cfn.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=name):
        for res in page["StackResourceSummaries"]:
            if res.get("LogicalResourceId") and res.get("PhysicalResourceId"):
                found[res["LogicalResourceId"]] = res["PhysicalResourceId"]
    return found


class Reconciler:
    """Compares each declared resource with what exists; fills gaps when allowed."""

    def __init__(self, session: Any, template: dict[str, Any], parameters: Mapping[str, str],
                 physical: dict[str, str], *, fill: bool, log: Callable[[str], None]) -> None:
        self.session = session
        self.template = template
        self.parameters = dict(parameters)
        for name, spec in template.get("Parameters", {}).items():
            self.parameters.setdefault(name, str(spec.get("Default", "")))
        self.physical = dict(physical)
        self.arns: dict[str, str] = {}
        self.fill = fill
        self.log = log
        self.filled: list[str] = []
        self.missing: list[str] = []
        self.warnings: list[str] = []  # declared resources of a type this checker does not know

    # --- template evaluation -------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), = value.items()
            if fn == "Ref":
                if arg in self.parameters:
                    return self.parameters[arg]
                if arg.startswith("AWS::"):
                    return self.pseudo.get(arg)
                return self.physical.get(arg)
            if fn == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.arns.get(logical) if attr == "Arn" else None
            if fn == "Fn::Sub":
                text = arg
                for name, val in {**self.pseudo, **self.parameters}.items():
                    text = text.replace("${" + name + "}", val)
                for logical, arn in self.arns.items():
                    text = text.replace("${" + logical + ".Arn}", arn)
                return text
            if fn == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
        return value

    def resolve_deep(self, value: Any) -> Any:
        """``resolve`` applied through a whole document (e.g. a key policy)."""
        if isinstance(value, dict):
            if len(value) == 1 and next(iter(value)).startswith(("Ref", "Fn::")):
                return self.resolve(value)
            return {k: self.resolve_deep(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve_deep(v) for v in value]
        return value

    @property
    def pseudo(self) -> dict[str, str]:
        if not hasattr(self, "_pseudo"):
            account = self._client("sts").get_caller_identity()["Account"]
            self._pseudo = {"AWS::Partition": "aws", "AWS::AccountId": account,
                            "AWS::Region": self.session.region_name or ""}
        return self._pseudo

    def condition(self, name: str) -> bool:
        return bool(self._eval(self.template.get("Conditions", {})[name]))

    def _eval(self, expr: Any) -> Any:
        if isinstance(expr, dict) and len(expr) == 1:
            (fn, arg), = expr.items()
            if fn == "Fn::Equals":
                return self._eval(arg[0]) == self._eval(arg[1])
            if fn == "Fn::Not":
                return not self._eval(arg[0])
            if fn == "Ref":
                return self.parameters.get(arg)
            if fn == "Condition":
                return self.condition(arg)
        return expr

    # --- checks ------------------------------------------------------------
    def run(self) -> None:
        resources = self.template.get("Resources", {})
        order = sorted(resources, key=lambda k: _ORDER.get(resources[k]["Type"], 50))
        for logical in order:
            spec = resources[logical]
            if "Condition" in spec and not self.condition(spec["Condition"]):
                continue
            check = getattr(self, "_check_" + spec["Type"].replace("::", "_").lower(), None)
            if check is None:  # CloudFormation reported it created; nothing more to compare here
                if logical not in self.physical and not self.fill:
                    self.missing.append(f"{logical}: {spec['Type']} not in the stack")
                elif logical not in self.physical:
                    self.warnings.append(f"{logical}: {spec['Type']} not created by the emulator")
                else:
                    self.warnings.append(
                        f"{logical}: {spec['Type']} not checked beyond the stack's own record")
                continue
            check(logical, spec.get("Properties", {}))

    def _gap(self, logical: str, what: str, fix: Callable[[], None]) -> None:
        if self.fill:
            fix()
            self.filled.append(f"{logical}: {what}")
            self.log(f"  filled emulator gap: {logical}: {what}")
        else:
            self.missing.append(f"{logical}: {what}")

    def _client(self, service: str) -> Any:
        return self.session.client(service)

    def _check_aws_kms_key(self, logical: str, props: dict[str, Any]) -> None:
        kms = self._client("kms")
        key_id = self.physical.get(logical)
        if not key_id:
            self.missing.append(f"{logical}: KMS key not found")
            return
        try:
            json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
        except (ClientError, ValueError, TypeError):
            # moto stores a template's KeyPolicy object unserialised, after which every
            # call that checks the policy (DescribeKey, GenerateDataKey...) fails.
            policy = json.dumps(self.resolve_deep(props["KeyPolicy"]))
            self._gap(logical, "key policy", lambda: kms.put_key_policy(
                KeyId=key_id, PolicyName="default", Policy=policy))
        try:
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        except ClientError as exc:
            self.missing.append(f"{logical}: KMS key not usable ({exc})")
            return
        self.arns[logical] = meta["Arn"]
        if props.get("EnableKeyRotation") and not kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]:
            self._gap(logical, "key rotation", lambda: kms.enable_key_rotation(KeyId=key_id))

    def _check_aws_kms_alias(self, logical: str, props: dict[str, Any]) -> None:
        alias = self.resolve(props["AliasName"])
        names = {a["AliasName"] for page in self._client("kms").get_paginator("list_aliases").paginate()
                 for a in page["Aliases"]}
        if alias not in names:
            target = self.resolve(props["TargetKeyId"])
            self._gap(logical, f"alias {alias}",
                      lambda: self._client("kms").create_alias(AliasName=alias, TargetKeyId=target))

    def _check_aws_dynamodb_table(self, logical: str, props: dict[str, Any]) -> None:
        ddb = self._client("dynamodb")
        name = self.resolve(props["TableName"])
        try:
            table = ddb.describe_table(TableName=name)["Table"]
        except ClientError:
            self.missing.append(f"{logical}: table {name} not found")
            return
        self.physical[logical] = name
        self.arns[logical] = table["TableArn"]
        declared = {g["IndexName"] for g in props.get("GlobalSecondaryIndexes", [])}
        present = {g["IndexName"] for g in table.get("GlobalSecondaryIndexes", [])}
        if declared - present:
            self.missing.append(f"{logical}: indexes {sorted(declared - present)} not found")
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            status = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if status.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or \
                    status.get("AttributeName") != ttl["AttributeName"]:
                self._gap(logical, f"TTL on {ttl['AttributeName']}", lambda: ddb.update_time_to_live(
                    TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"],
                                                             "Enabled": True}))
        pitr = props.get("PointInTimeRecoverySpecification", {})
        if pitr.get("PointInTimeRecoveryEnabled"):
            backups = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
            status = backups.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
            if status != "ENABLED":
                self._gap(logical, "point-in-time recovery", lambda: ddb.update_continuous_backups(
                    TableName=name,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}))
        sse = props.get("SSESpecification", {})
        if sse.get("SSEEnabled") and table.get("SSEDescription", {}).get("Status") not in ("ENABLED", "UPDATING"):
            # moto keeps the setting but does not report it; it cannot be changed through
            # UpdateTable there either. Recorded, not fatal, on local only.
            if self.fill:
                self.filled.append(f"{logical}: encryption at rest not reported by the emulator")
            else:
                self.missing.append(f"{logical}: encryption at rest not enabled")

    def _check_aws_sns_topic(self, logical: str, props: dict[str, Any]) -> None:
        arn = self.physical.get(logical)
        try:
            if not arn:
                raise LookupError(logical)
            self._client("sns").get_topic_attributes(TopicArn=arn)
        except (ClientError, LookupError):
            self.missing.append(f"{logical}: topic not found")
            return
        self.arns[logical] = arn

    def _check_aws_sns_subscription(self, logical: str, props: dict[str, Any]) -> None:
        sns = self._client("sns")
        topic = self.resolve(props["TopicArn"])
        endpoint = self.resolve(props["Endpoint"])
        pages = sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
        subs = [sub for page in pages for sub in page["Subscriptions"]]
        if not any(s["Endpoint"] == endpoint and s["Protocol"] == props["Protocol"] for s in subs):
            self._gap(logical, f"{props['Protocol']} subscription",
                      lambda: sns.subscribe(TopicArn=topic, Protocol=props["Protocol"], Endpoint=endpoint))

    def _check_aws_secretsmanager_secret(self, logical: str, props: dict[str, Any]) -> None:
        sm = self._client("secretsmanager")
        name = self.resolve(props["Name"])
        try:
            arn = sm.describe_secret(SecretId=name)["ARN"]
        except ClientError:
            arn = None
        if arn is None:
            def create() -> None:
                created = sm.create_secret(Name=name, SecretString=props.get("SecretString", "{}"),
                                           KmsKeyId=self.resolve(props["KmsKeyId"]) or "",
                                           Description=props.get("Description", ""))
                self.physical[logical] = created["ARN"]
            self._gap(logical, f"secret {name}", create)
        else:
            self.physical[logical] = arn
        self.arns[logical] = self.physical.get(logical, "")

    def _check_aws_s3_bucket(self, logical: str, props: dict[str, Any]) -> None:
        s3 = self._client("s3")
        name = self.physical.get(logical)
        try:
            if not name:
                raise LookupError(logical)
            s3.head_bucket(Bucket=name)
        except (ClientError, LookupError):
            self.missing.append(f"{logical}: bucket not found")
            return
        self.arns[logical] = f"arn:aws:s3:::{name}"
        # moto 5.2's CloudFormation creates the bucket with its encryption only: the public
        # access block, lifecycle rules and CORS rules are set here on local, checked elsewhere.
        block = props.get("PublicAccessBlockConfiguration")
        if block and not _present(lambda: s3.get_public_access_block(Bucket=name)):
            self._gap(logical, "public access block", lambda: s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=dict(block)))
        rules = props.get("LifecycleConfiguration", {}).get("Rules")
        if rules and not _present(lambda: s3.get_bucket_lifecycle_configuration(Bucket=name)):
            self._gap(logical, "lifecycle rules", lambda: s3.put_bucket_lifecycle_configuration(
                Bucket=name, LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in rules]}))
        cors = props.get("CorsConfiguration", {}).get("CorsRules")
        if cors and not _present(lambda: s3.get_bucket_cors(Bucket=name)):
            resolved = self.resolve_deep(cors)
            self._gap(logical, "CORS rules", lambda: s3.put_bucket_cors(Bucket=name, CORSConfiguration={
                "CORSRules": [_cors_rule(r) for r in resolved]}))
        if props.get("BucketEncryption") and not _present(lambda: s3.get_bucket_encryption(Bucket=name)):
            self.missing.append(f"{logical}: default encryption not enabled")

    def _check_aws_s3_bucketpolicy(self, logical: str, props: dict[str, Any]) -> None:
        s3 = self._client("s3")
        bucket = self.resolve(props["Bucket"])
        if not bucket:
            self.missing.append(f"{logical}: bucket not found")
            return
        if _present(lambda: s3.get_bucket_policy(Bucket=bucket)):
            return
        document = self.resolve_deep(props["PolicyDocument"])
        if self.fill:
            # The emulator serves plain HTTP and evaluates bucket policies: a TLS-only statement
            # would refuse every request there. Local gets the policy without such statements.
            kept = [st for st in document["Statement"] if "aws:SecureTransport" not in json.dumps(st)]
            if len(kept) < len(document["Statement"]):
                self.filled.append(f"{logical}: TLS-only statements left out (the emulator serves plain HTTP)")
            if not kept:
                return
            document = {**document, "Statement": kept}
        policy = json.dumps(document)
        self._gap(logical, "bucket policy", lambda: s3.put_bucket_policy(Bucket=bucket, Policy=policy))

    def _check_aws_iam_role(self, logical: str, props: dict[str, Any]) -> None:
        name = self.resolve(props["RoleName"])
        try:
            self.arns[logical] = self._client("iam").get_role(RoleName=name)["Role"]["Arn"]
        except ClientError:
            self.missing.append(f"{logical}: role {name} not found")

    def _check_aws_sqs_queue(self, logical: str, props: dict[str, Any]) -> None:
        sqs = self._client("sqs")
        name = self.resolve(props["QueueName"])
        key = self.resolve(props.get("KmsMasterKeyId")) or ""
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError:
            url = ""
        if not url:
            attributes = {k: str(props[k]) for k in ("MessageRetentionPeriod", "KmsDataKeyReusePeriodSeconds")
                          if k in props}
            if key:
                attributes["KmsMasterKeyId"] = key

            def create() -> None:
                nonlocal url
                url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            self._gap(logical, f"queue {name}", create)
            if not url:
                return
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.physical[logical] = url
        self.arns[logical] = attributes["QueueArn"]
        if key and not attributes.get("KmsMasterKeyId"):
            self.missing.append(f"{logical}: queue {name} is not encrypted with the stage's key")

    def _check_aws_cloudwatch_alarm(self, logical: str, props: dict[str, Any]) -> None:
        cloudwatch = self._client("cloudwatch")
        name = self.resolve(props["AlarmName"])
        if cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]:
            return
        resolved = self.resolve_deep({k: v for k, v in props.items() if k != "AlarmName"})
        resolved["Threshold"] = float(resolved["Threshold"])  # a parameter's value is a string
        if not all(resolved.get("AlarmActions", [])):
            self.missing.append(f"{logical}: alarm {name}'s topic not found")
            return
        self._gap(logical, f"alarm {name}", lambda: cloudwatch.put_metric_alarm(AlarmName=name, **resolved))


_ORDER = {"AWS::KMS::Key": 0, "AWS::DynamoDB::Table": 10, "AWS::SNS::Topic": 10, "AWS::S3::Bucket": 10,
          "AWS::SecretsManager::Secret": 20, "AWS::S3::BucketPolicy": 20, "AWS::SQS::Queue": 20,
          "AWS::IAM::Role": 30, "AWS::CloudWatch::Alarm": 40}


def _present(read: Callable[[], Any]) -> bool:
    """Whether a bucket setting exists (its Get* call answers rather than NoSuch...)."""
    try:
        read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code", "").startswith("NoSuch"):
            return False
        raise
    return True


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A template's CORS rule in the S3 API's shape."""
    return {"AllowedOrigins": rule["AllowedOrigins"], "AllowedMethods": rule["AllowedMethods"],
            "AllowedHeaders": rule.get("AllowedHeaders", []), "ExposeHeaders": rule.get("ExposedHeaders", []),
            "MaxAgeSeconds": rule.get("MaxAge", 0)}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A template's lifecycle rule in the S3 API's shape."""
    out: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["NoncurrentVersionExpiration"]["NoncurrentDays"]}
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = dict(rule["AbortIncompleteMultipartUpload"])
    return out


def write_env_file(path: Path, env: Mapping[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(env), indent=2, sort_keys=True) + "\n", encoding="utf-8")

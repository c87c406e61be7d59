"""The app role's policy in ``infra/template.yaml`` as an evaluator, and the AWS operations the
app makes mapped to the IAM actions and resources AWS checks them against.

The emulator does not enforce IAM, so the tests record every AWS call made from the app's code
(``ops.awscalls.app_operations``) and ask ``RolePolicy.denied`` which of them the deployed
role would refuse. Evaluation follows IAM's rules for one identity policy: an explicit Deny
wins, else an Allow whose ``Action``/``NotAction`` and ``Resource``/``NotResource`` match
(``*`` and ``?`` wildcards, case-insensitive actions), else implicitly denied. Conditions are
not evaluated (the role's policy has none).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ops import stack

# Operations whose IAM action differs from "<service>:<Operation>": a transaction is authorised
# item by item, as the single-item action on each item's table.
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
             "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
_NO_PERMISSION = {("sts", "GetCallerIdentity")}  # answered for any caller
# Used by the Lambda runtime itself, never by the app's code: not visible to the recording
# (sqs:SendMessage: a scheduled job's failed run, sent to its on-failure destination as the role).
RUNTIME_ACTIONS = frozenset({"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments",
                             "xray:PutTelemetryRecords", "sqs:SendMessage"})


@dataclass(frozen=True, order=True)
class Request:
    action: str
    resource: str


def requests_of(service: str, operation: str, params: dict[str, Any], region: str,
                account: str) -> list[Request]:
    """The (action, resource ARN) pairs IAM checks for one API call."""
    if (service, operation) in _NO_PERMISSION:
        return []
    prefix = {"secretsmanager": "secretsmanager", "dynamodb": "dynamodb", "kms": "kms", "sns": "sns"}.get(
        service, service)
    arn = f"arn:aws:{{}}:{region}:{account}:"

    def table(name: str, index: str | None = None) -> str:
        return arn.format("dynamodb") + f"table/{name}" + (f"/index/{index}" if index else "")

    if service == "dynamodb":
        if operation in ("TransactWriteItems", "TransactGetItems"):
            out = []
            for item in params.get("TransactItems", []):
                (kind, body), = item.items()
                out.append(Request(f"dynamodb:{_TRANSACT[kind]}", table(body["TableName"])))
            return out
        if operation in ("BatchWriteItem", "BatchGetItem"):
            return [Request(f"dynamodb:{operation}", table(name)) for name in params.get("RequestItems", {})]
        return [Request(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))]
    if service == "kms":
        key = params.get("KeyId", "*")
        if "alias/" in key:  # IAM authorises a call through an alias against the key it names
            key = arn.format("kms") + "key/" + key.split("alias/", 1)[1]
        elif not key.startswith("arn:"):
            key = arn.format("kms") + f"key/{key}"
        return [Request(f"kms:{operation}", key)]
    if service == "sns":
        target = params.get("TopicArn") or params.get("TargetArn")
        if params.get("SubscriptionArn"):  # authorised against its topic (the ARN less the ":<id>")
            target = params["SubscriptionArn"].rsplit(":", 1)[0]
        if operation == "Publish" and params.get("PhoneNumber"):
            target = "*"  # an SMS to a phone number: not an SNS resource
        return [Request(f"sns:{operation}", target or "*")]
    if service == "secretsmanager":
        secret = params.get("SecretId", "*")
        if not secret.startswith("arn:"):
            # AWS appends 6 random characters to a secret's name in its ARN
            secret = arn.format("secretsmanager") + f"secret:{secret}-XXXXXX"
        return [Request(f"secretsmanager:{operation}", secret)]
    if service == "s3" and operation == "DeleteObjects" and params.get("Bucket"):
        # authorised object by object, as s3:DeleteObject
        return [Request("s3:DeleteObject", f"arn:aws:s3:::{params['Bucket']}/{o['Key']}")
                for o in params.get("Delete", {}).get("Objects", [])]
    if service == "s3" and operation == "PostObject" and params.get("Bucket"):
        return [Request("s3:PutObject", f"arn:aws:s3:::{params['Bucket']}/{params.get('Key') or '*'}")]
    if service == "sesv2" and operation == "SendEmail":
        # authorised as ses:SendEmail against the sending identity (the From address's domain,
        # unless an identity is named) and the configuration set the message goes through
        sender = str(params.get("FromEmailAddress", "")).rsplit("<", 1)[-1].strip(">").rsplit("@", 1)[-1]
        identity = params.get("FromEmailAddressIdentityArn") or arn.format("ses") + f"identity/{sender}"
        out = [Request("ses:SendEmail", identity)]
        if params.get("ConfigurationSetName"):
            configuration_set = params["ConfigurationSetName"]
            out.append(Request("ses:SendEmail", arn.format("ses") + f"configuration-set/{configuration_set}"))
        return out
    if service == "s3" and params.get("Bucket"):
        key = params.get("Key")
        return [Request(f"s3:{_S3_ACTIONS.get(operation, operation)}",
                        f"arn:aws:s3:::{params['Bucket']}" + (f"/{key}" if key else ""))]
    return [Request(f"{prefix}:{operation}", ANY_RESOURCE)]


# S3 operations whose IAM action has another name.
_S3_ACTIONS = {"HeadObject": "GetObject", "HeadBucket": "ListBucket", "ListObjectsV2": "ListBucket",
               "DeleteObjects": "DeleteObject", "CreateMultipartUpload": "PutObject",
               "UploadPart": "PutObject",
               "CompleteMultipartUpload": "PutObject"}
ANY_RESOURCE = ""  # a service this module does not map resources for: only the action is checked


class RolePolicy:
    def __init__(self, statements: list[dict[str, Any]]) -> None:
        self.statements = statements

    @classmethod
    def from_template(cls, stage: str = "local", role: str = "AppRole") -> RolePolicy:
        """The role's inline policies, resolved for ``stage`` (account and region left as wildcards)."""
        template = stack.load_template()
        props = template["Resources"][role]["Properties"]
        if props.get("ManagedPolicyArns"):
            raise ValueError(f"{role} attaches managed policies, which this evaluator cannot see")
        resolver = _Resolver(template, stage)
        statements = [resolver.resolve(s) for p in props.get("Policies", [])
                      for s in p["PolicyDocument"]["Statement"]]
        return cls(statements)

    def actions(self) -> set[str]:
        return {a for s in self.statements if s["Effect"] == "Allow" for a in _list(s.get("Action"))}

    def allows(self, request: Request) -> bool:
        matching = [s for s in self.statements if _applies(s, request)]
        if any(s["Effect"] == "Deny" for s in matching):
            return False
        return any(s["Effect"] == "Allow" for s in matching)

    def denied(self, requests: Iterable[Request]) -> list[Request]:
        return sorted({r for r in requests if not self.allows(r)})

    def wildcard_actions(self) -> list[str]:
        """Granted actions with a wildcard (``logs:*``, ``dynamodb:*Item``): each must be justified."""
        return sorted(a for a in self.actions() if "*" in a or "?" in a)


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _match(pattern: str, value: str, *, case: bool) -> bool:
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern)


def _applies(statement: dict[str, Any], request: Request) -> bool:
    if "Action" in statement:
        action_ok = any(_match(p, request.action, case=False) for p in _list(statement["Action"]))
    else:
        action_ok = not any(_match(p, request.action, case=False) for p in _list(statement.get("NotAction")))
    if not action_ok:
        return False
    if request.resource == ANY_RESOURCE:
        return "Resource" in statement or "NotResource" in statement
    if "Resource" in statement:
        return any(_match(p, request.resource, case=True) for p in _list(statement["Resource"]))
    return not any(_match(p, request.resource, case=True) for p in _list(statement.get("NotResource")))


class _Resolver:
    """Ref / GetAtt / Sub of the template, to ARN patterns (``*`` for account and region)."""

    def __init__(self, template: dict[str, Any], stage: str) -> None:
        self.template = template
        # other parameters: their defaults (what the tests' stacks are deployed with), else any value
        self.values = {name: str(spec.get("Default", "")) or "*"
                       for name, spec in template.get("Parameters", {}).items()}
        self.values.update({"Stage": stage, "AWS::Partition": "aws", "AWS::Region": "*", "AWS::AccountId": "*"})

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (fn, arg), = value.items()
            if fn == "Ref":
                return self.values.get(arg) or self._arn(arg)
            if fn == "Fn::GetAtt":
                logical, _attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self._arn(logical)
            if fn == "Fn::Sub":
                def sub(match: re.Match[str]) -> str:
                    name = match.group(1)
                    if name in self.values:
                        return self.values[name]
                    return self._arn(name.split(".", 1)[0])
                return re.sub(r"\$\{([^}]+)\}", sub, arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def _arn(self, logical: str) -> str:
        resource = self.template["Resources"][logical]
        props = self.resolve({k: v for k, v in resource.get("Properties", {}).items()
                              if k in ("TableName", "TopicName", "Name", "BucketName", "QueueName")})
        kind = resource["Type"]
        if kind == "AWS::DynamoDB::Table":
            return f"arn:aws:dynamodb:*:*:table/{props['TableName']}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:*:*:{props['TopicName']}"
        if kind == "AWS::SQS::Queue":
            return f"arn:aws:sqs:*:*:{props['QueueName']}"
        if kind == "AWS::SecretsManager::Secret":
            return f"arn:aws:secretsmanager:*:*:secret:{props['Name']}-??????"
        if kind == "AWS::KMS::Key":
            return "arn:aws:kms:*:*:key/*"
        if kind == "AWS::S3::Bucket":  # unnamed: CloudFormation names it <stack>-<logical id>-<suffix>
            name = props.get("BucketName") or f"maeul-{self.values['Stage']}-{logical.lower()}-*"
            return f"arn:aws:s3:::{name}"
        return "*"  # a type without a mapping here: any resource (the action is still checked)

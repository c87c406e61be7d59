"""One CloudFormation stack deployed the way ``aws cloudformation deploy`` does it, and safer.

Every deploy goes through a change set:

- the template is sent inline up to CloudFormation's limit (51,200 bytes) and through the
  artifacts bucket (``TemplateURL``) above it;
- a stack that does not exist is created (change set type ``CREATE``, waited on with
  ``stack_create_complete``), one that exists is updated (``stack_update_complete``);
- a stack left in ``REVIEW_IN_PROGRESS`` (a create that never ran) or ``ROLLBACK_COMPLETE``
  (a create that failed) cannot be updated: it is deleted and created again, and the log says so;
- parameters not given keep the stack's previous values (``UsePreviousValue``), so a redeploy
  without ``--operator-email`` keeps the alarm subscription;
- the changes are listed (replacements flagged) and applied only when ``confirm`` says yes;
- a change set without changes is a no-op, not an error;
- when the stack fails, the events that explain it are in the raised ``DeployError``;
- a stack policy (e.g. no replacing or deleting the tables and the key) is set after each deploy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, WaiterError

INLINE_TEMPLATE_LIMIT = 51_200  # bytes of TemplateBody CloudFormation accepts
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
RECREATE = ("REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE")
STUCK = ("ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED", "IMPORT_ROLLBACK_FAILED")


class DeployError(RuntimeError):
    """A deploy that did not complete; the message says why (stack events included)."""


@dataclass(frozen=True)
class Change:
    action: str  # Add | Modify | Remove | Import | Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # True | False | Conditional ("" when CloudFormation does not say)

    @property
    def replaces(self) -> bool:
        return self.replacement in ("True", "Conditional")

    def line(self) -> str:
        mark = {"Add": "+", "Remove": "-", "Modify": "~"}.get(self.action, "?")
        flag = ""
        if self.replaces:
            flag = "  REPLACED (new physical resource; data in the old one is not carried over)" \
                if self.replacement == "True" else "  MAY BE REPLACED"
        return f"  {mark} {self.action:<6} {self.logical_id} ({self.resource_type}){flag}"


@dataclass
class Outcome:
    stack: str
    action: str  # created | updated | unchanged | declined
    changes: list[Change] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)


def protect_resources(resource_types: Sequence[str]) -> dict[str, Any]:
    """A stack policy that lets every update through except replacing or deleting these types."""
    return {"Statement": [
        {"Effect": "Deny", "Action": ["Update:Replace", "Update:Delete"], "Principal": "*",
         "Resource": "*", "Condition": {"StringEquals": {"ResourceType": list(resource_types)}}},
        {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
    ]}


def ask(question: str) -> Callable[[list[Change]], bool]:
    """A ``confirm`` that asks on the terminal (anything but y/yes declines)."""

    def confirm(_changes: list[Change]) -> bool:
        try:
            answer = input(question + " [y/N] ")
        except EOFError:
            return False
        return answer.strip().lower() in ("y", "yes")

    return confirm


class StackDeployer:
    def __init__(self, session: Any, *, bucket: str | None = None, log: Callable[[str], None] = print,
                 delay: int = 5, max_attempts: int = 720) -> None:
        self.session = session
        self.cfn = session.client("cloudformation")
        self.bucket = bucket
        self.log = log
        self.waiter_config = {"Delay": delay, "MaxAttempts": max_attempts}

    # --- the stack's state ------------------------------------------------------------
    def status(self, name: str) -> tuple[str | None, dict[str, Any] | None]:
        try:
            stacks = self.cfn.describe_stacks(StackName=name)["Stacks"]
        except ClientError as exc:
            if "does not exist" in str(exc):
                return None, None
            raise
        live = [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]
        return (live[0]["StackStatus"], live[0]) if live else (None, None)

    def outputs(self, name: str) -> dict[str, str]:
        stack = self.cfn.describe_stacks(StackName=name)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    # --- deploy -----------------------------------------------------------------------
    def deploy(self, name: str, body: str, parameters: Mapping[str, str], *,
               capabilities: Sequence[str] = (), tags: Mapping[str, str] | None = None,
               confirm: Callable[[list[Change]], bool] | None = None,
               stack_policy: Mapping[str, Any] | None = None,
               termination_protection: bool = False) -> Outcome:
        status, stack = self.status(name)
        if status in RECREATE:
            self.log(f"stack {name} is in {status} (a create that never completed): deleting it to create it "
                     "again")
            self._delete(name)
            status, stack = None, None
        elif status in STUCK:
            raise DeployError(f"stack {name} is in {status}; it needs an operator (see docs/OPERATIONS.md, "
                              f"'A stack stuck after a failure'):\n{self.failure_events(name)}")
        elif status and status.endswith("_IN_PROGRESS"):
            raise DeployError(f"stack {name} is busy ({status}); wait for it to finish and deploy again")
        creating = status is None
        template = _parse(body)
        previous = {p["ParameterKey"] for p in (stack or {}).get("Parameters", [])}
        params = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
        params += [{"ParameterKey": k, "UsePreviousValue": True}
                   for k in template.get("Parameters", {}) if k not in parameters and k in previous]
        request: dict[str, Any] = {
            "StackName": name, "ChangeSetType": "CREATE" if creating else "UPDATE",
            "ChangeSetName": "deploy-" + _digest(body, parameters)[:20],
            "Parameters": params, "Capabilities": list(capabilities),
            "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            **self._template_argument(name, body),
        }
        if not creating:
            self._drop_change_set(name, request["ChangeSetName"])
        try:
            change_set_id = self.cfn.create_change_set(**request)["Id"]
        except ClientError as exc:  # some CloudFormation implementations refuse at once
            if creating or not any(text in str(exc) for text in NO_CHANGES):
                raise
            return self._unchanged(name, stack_policy, termination_protection)
        try:
            self.cfn.get_waiter("change_set_create_complete").wait(
                ChangeSetName=change_set_id, StackName=name, WaiterConfig=self.waiter_config)
        except WaiterError:
            described = self.cfn.describe_change_set(ChangeSetName=change_set_id, StackName=name)
            reason = described.get("StatusReason", "")
            if described.get("Status") == "FAILED" and any(text in reason for text in NO_CHANGES):
                self.cfn.delete_change_set(ChangeSetName=change_set_id, StackName=name)
                return self._unchanged(name, stack_policy, termination_protection)
            why = reason or described.get("Status")
            raise DeployError(f"stack {name}: change set failed: {why}") from None
        changes = self.changes(change_set_id, name)
        if not changes and not creating:
            self.cfn.delete_change_set(ChangeSetName=change_set_id, StackName=name)
            return self._unchanged(name, stack_policy, termination_protection)
        self.log(f"stack {name}: {'create' if creating else 'update'} with {len(changes)} change(s):")
        for change in changes:
            self.log(change.line())
        replaced = [c.logical_id for c in changes if c.replacement == "True"]
        if replaced:
            self.log(f"  {len(replaced)} resource(s) would be REPLACED: {', '.join(replaced)}")
        if confirm is not None and not confirm(changes):
            self.cfn.delete_change_set(ChangeSetName=change_set_id, StackName=name)
            if creating:  # the change set left an empty stack in REVIEW_IN_PROGRESS behind
                self._delete(name)
            self.log(f"stack {name}: not applied")
            return Outcome(name, "declined", changes)
        self.cfn.execute_change_set(ChangeSetName=change_set_id, StackName=name)
        waiter = "stack_create_complete" if creating else "stack_update_complete"
        try:
            self.cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig=self.waiter_config)
        except WaiterError as exc:
            status, _ = self.status(name)
            raise DeployError(f"stack {name} did not {'create' if creating else 'update'} "
                              f"(now {status or exc}). What failed:\n{self.failure_events(name)}") from None
        self._protect(name, stack_policy, termination_protection)
        action = "created" if creating else "updated"
        self.log(f"stack {name}: {action}")
        return Outcome(name, action, changes, self.outputs(name))

    def changes(self, change_set_id: str, name: str) -> list[Change]:
        found: list[Change] = []
        kwargs: dict[str, Any] = {"ChangeSetName": change_set_id, "StackName": name}
        while True:
            page = self.cfn.describe_change_set(**kwargs)
            for change in page.get("Changes", []):
                rc = change.get("ResourceChange", {})
                found.append(Change(rc.get("Action", "?"), rc.get("LogicalResourceId", "?"),
                                    rc.get("ResourceType", "?"), str(rc.get("Replacement", "") or "")))
            if not page.get("NextToken"):
                return found
            kwargs["NextToken"] = page["NextToken"]

    def failure_events(self, name: str) -> str:
        """The failed resources of the latest operation, oldest first, with CloudFormation's reasons."""
        failed: list[str] = []
        try:
            pages = self.cfn.get_paginator("describe_stack_events").paginate(StackName=name)
            for page in pages:
                for event in page["StackEvents"]:  # newest first
                    status = event.get("ResourceStatus", "")
                    if event.get("LogicalResourceId") == name and \
                            event.get("ResourceStatusReason", "") == "User Initiated":
                        return "\n".join(reversed(failed)) or "  (no failed resource reported)"
                    if status.endswith("_FAILED"):
                        failed.append(f"  {event['LogicalResourceId']} ({event.get('ResourceType', '?')}) "
                                      f"{status}: {event.get('ResourceStatusReason', '')}")
        except ClientError as exc:
            failed.append(f"  (stack events unavailable: {exc})")
        return "\n".join(reversed(failed)) or "  (no failed resource reported)"

    # --- helpers ----------------------------------------------------------------------
    def _unchanged(self, name: str, policy: Mapping[str, Any] | None, termination: bool) -> Outcome:
        self.log(f"stack {name}: no changes")
        self._protect(name, policy, termination)
        return Outcome(name, "unchanged", [], self.outputs(name))

    def _template_argument(self, name: str, body: str) -> dict[str, str]:
        size = len(body.encode("utf-8"))
        if size <= INLINE_TEMPLATE_LIMIT:
            return {"TemplateBody": body}
        if not self.bucket:
            raise DeployError(f"template of {name} is {size:,} bytes, over CloudFormation's inline limit "
                              f"of {INLINE_TEMPLATE_LIMIT:,}, and no artifacts bucket was given")
        key = f"templates/{name}/{_digest(body, {})}.json"
        self.session.client("s3").put_object(Bucket=self.bucket, Key=key, Body=body.encode("utf-8"))
        region = self.session.region_name
        self.log(f"  template ({size:,} bytes) uploaded to s3://{self.bucket}/{key}")
        return {"TemplateURL": f"https://{self.bucket}.s3.{region}.amazonaws.com/{key}"}

    def _drop_change_set(self, name: str, change_set: str) -> None:
        """A change set of the same name left by an interrupted run (same template, same parameters)."""
        summaries = self.cfn.list_change_sets(StackName=name).get("Summaries", [])
        if any(c.get("ChangeSetName") == change_set for c in summaries):
            self.cfn.delete_change_set(ChangeSetName=change_set, StackName=name)

    def _delete(self, name: str) -> None:
        self.cfn.delete_stack(StackName=name)
        try:
            self.cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=self.waiter_config)
        except WaiterError as exc:
            raise DeployError(f"stack {name} could not be deleted ({exc}):\n"
                              f"{self.failure_events(name)}") from None

    def _protect(self, name: str, policy: Mapping[str, Any] | None, termination: bool) -> None:
        if policy is not None:
            self.cfn.set_stack_policy(StackName=name, StackPolicyBody=json.dumps(policy))
        if termination:
            self.cfn.update_termination_protection(StackName=name, EnableTerminationProtection=True)


def _parse(body: str) -> dict[str, Any]:
    try:
        return json.loads(body)
    except ValueError:
        import yaml

        return yaml.safe_load(body)


def _digest(body: str, parameters: Mapping[str, str]) -> str:
    text = body + json.dumps(dict(parameters), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

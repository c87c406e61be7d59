"""The stack deployer (ops/cfn.py) against CloudFormation's semantics: the emulator where it
implements them, botocore's Stubber with CloudFormation's documented responses where it does not
(a stack that rolls back, the events that say why)."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ops.awscalls import record_calls
from ops.cfn import INLINE_TEMPLATE_LIMIT, Change, DeployError, StackDeployer, protect_resources

pytestmark = pytest.mark.emulator


def _template(topics: dict[str, str], *, padding: int = 0) -> str:
    """Topics named from a parameter; ``padding`` bytes of description make it large."""
    return json.dumps({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "deployer test " + "x" * padding,
        "Parameters": {"Suffix": {"Type": "String"},
                       "Email": {"Type": "String", "Default": ""}},
        "Resources": {logical: {"Type": "AWS::SNS::Topic",
                                "Properties": {"TopicName": {"Fn::Sub": f"{name}-${{Suffix}}"}}}
                      for logical, name in topics.items()},
        "Outputs": {"Email": {"Value": {"Ref": "Email"}}},
    })


@pytest.fixture
def name() -> str:
    return "deployer-" + uuid.uuid4().hex[:10]


@pytest.fixture
def deployer(boto_session) -> StackDeployer:
    return StackDeployer(boto_session, log=lambda _m: None, delay=1)


def _status(boto_session, name: str) -> str:
    return boto_session.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]


def _pending_change_sets(boto_session, name: str) -> list[str]:
    summaries = boto_session.client("cloudformation").list_change_sets(StackName=name)["Summaries"]
    return [c["ChangeSetName"] for c in summaries
            if c["StackName"] == name and c.get("ExecutionStatus") != "EXECUTE_COMPLETE"]


def test_a_new_stack_is_created_and_waited_for_until_create_complete(deployer, boto_session, name) -> None:
    outcome = deployer.deploy(name, _template({"A": "a"}), {"Suffix": name})
    assert outcome.action == "created"
    assert _status(boto_session, name) == "CREATE_COMPLETE"
    assert [c.logical_id for c in outcome.changes] == ["A"]


def test_an_unchanged_redeploy_is_a_no_op(deployer, boto_session, name) -> None:
    deployer.deploy(name, _template({"A": "a"}), {"Suffix": name})
    again = deployer.deploy(name, _template({"A": "a"}), {"Suffix": name})
    assert again.action == "unchanged" and again.changes == []
    assert _pending_change_sets(boto_session, name) == []  # the empty change set is cleaned up


def test_parameters_not_given_keep_their_previous_values(deployer, boto_session, name) -> None:
    deployer.deploy(name, _template({"A": "a"}), {"Suffix": name, "Email": "ops@example.org"})
    with record_calls() as calls:
        outcome = deployer.deploy(name, _template({"A": "a", "B": "b"}), {"Suffix": name})
    assert outcome.action == "updated"
    sent = next(params for service, op, params in calls if op == "CreateChangeSet")
    assert {"ParameterKey": "Email", "UsePreviousValue": True} in sent["Parameters"]
    stack = boto_session.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    assert {"ParameterKey": "Email", "ParameterValue": "ops@example.org"} in stack["Parameters"]


def test_changes_are_listed_and_not_applied_without_confirmation(deployer, boto_session, name) -> None:
    deployer.deploy(name, _template({"A": "a"}), {"Suffix": name})
    seen: list[list[Change]] = []
    outcome = deployer.deploy(name, _template({"A": "a", "B": "b"}), {"Suffix": name},
                              confirm=lambda changes: seen.append(changes) or False)
    assert outcome.action == "declined"
    assert [(c.action, c.logical_id) for c in seen[0]] == [("Add", "B")]
    cfn = boto_session.client("cloudformation")
    summaries = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    logical = {r["LogicalResourceId"] for r in summaries}
    assert logical == {"A"}
    assert _pending_change_sets(boto_session, name) == []


def test_declining_a_first_deploy_leaves_no_stack_behind(deployer, boto_session, name) -> None:
    outcome = deployer.deploy(name, _template({"A": "a"}), {"Suffix": name}, confirm=lambda _c: False)
    assert outcome.action == "declined"
    assert deployer.status(name) == (None, None)


def test_a_template_over_the_inline_limit_goes_through_the_artifacts_bucket(boto_session, name) -> None:
    bucket = name + "-artifacts"
    boto_session.client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    body = _template({"A": "a"}, padding=INLINE_TEMPLATE_LIMIT)
    deployer = StackDeployer(boto_session, bucket=bucket, log=lambda _m: None, delay=1)
    with record_calls() as calls:
        outcome = deployer.deploy(name, body, {"Suffix": name})
    sent = next(params for service, op, params in calls if op == "CreateChangeSet")
    assert "TemplateBody" not in sent
    url = f"https://{bucket}.s3.ap-northeast-2.amazonaws.com/templates/{name}/"
    assert sent["TemplateURL"].startswith(url)
    assert outcome.action == "created"
    with pytest.raises(DeployError, match="inline limit"):
        StackDeployer(boto_session, log=lambda _m: None).deploy(name + "-b", body, {"Suffix": name})


def test_a_stack_left_in_review_in_progress_is_deleted_and_created(deployer, boto_session, name) -> None:
    cfn = boto_session.client("cloudformation")
    cfn.create_change_set(StackName=name, ChangeSetName="abandoned", ChangeSetType="CREATE",
                          TemplateBody=_template({"A": "a"}),
                          Parameters=[{"ParameterKey": "Suffix", "ParameterValue": name}])
    assert _status(boto_session, name) == "REVIEW_IN_PROGRESS"
    messages: list[str] = []
    outcome = StackDeployer(boto_session, log=messages.append, delay=1).deploy(
        name, _template({"A": "a"}), {"Suffix": name})
    assert outcome.action == "created" and _status(boto_session, name) == "CREATE_COMPLETE"
    assert any("REVIEW_IN_PROGRESS" in m and "deleting" in m for m in messages)


def test_the_stack_policy_is_set_after_each_deploy(deployer, boto_session, name) -> None:
    policy = protect_resources(["AWS::DynamoDB::Table", "AWS::KMS::Key"])
    deployer.deploy(name, _template({"A": "a"}), {"Suffix": name}, stack_policy=policy)
    stored = boto_session.client("cloudformation").get_stack_policy(StackName=name)["StackPolicyBody"]
    deny = json.loads(stored)["Statement"][0]
    assert deny["Effect"] == "Deny" and set(deny["Action"]) == {"Update:Replace", "Update:Delete"}
    assert deny["Condition"]["StringEquals"]["ResourceType"] == ["AWS::DynamoDB::Table", "AWS::KMS::Key"]


def test_a_replacement_is_flagged_in_the_listing() -> None:
    assert "REPLACED" in Change("Modify", "MainTable", "AWS::DynamoDB::Table", "True").line()
    assert "REPLACED" not in Change("Modify", "MainTable", "AWS::DynamoDB::Table", "False").line()


# --- what the emulator cannot show: Stubber with CloudFormation's responses -----------------------

ACCOUNT = "111122223333"
STACK_ID = (f"arn:aws:cloudformation:ap-northeast-2:{ACCOUNT}:stack/maeul-dev-app/"
            "8e2f1f30-0000-11ef-9f6a-0a1b2c3d4e5f")
CHANGE_SET_ID = (f"arn:aws:cloudformation:ap-northeast-2:{ACCOUNT}:changeSet/deploy-0123/"
                 "4b6a9a40-0000-11ef-8d4e-06f1c2d3e4f5")
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


class _StubSession:
    region_name = "ap-northeast-2"

    def __init__(self) -> None:
        self.cfn = boto3.client("cloudformation", region_name="ap-northeast-2",
                                aws_access_key_id="x", aws_secret_access_key="x",
                                endpoint_url="https://cloudformation.ap-northeast-2.amazonaws.com")
        self.stubber = Stubber(self.cfn)

    def client(self, service: str):
        assert service == "cloudformation"
        return self.cfn


def _stack(status: str) -> dict:
    return {"Stacks": [{"StackId": STACK_ID, "StackName": "maeul-dev-app", "CreationTime": T0,
                        "StackStatus": status, "Parameters": []}]}


def _event(logical: str, kind: str, status: str, reason: str = "", minute: int = 0) -> dict:
    return {"StackId": STACK_ID, "EventId": uuid.uuid4().hex, "StackName": "maeul-dev-app",
            "LogicalResourceId": logical, "ResourceType": kind, "ResourceStatus": status,
            "ResourceStatusReason": reason, "Timestamp": T0 + dt.timedelta(minutes=minute)}


def _change_set(status: str, changes: list | None = None, reason: str = "") -> dict:
    out = {"ChangeSetId": CHANGE_SET_ID, "ChangeSetName": "deploy-0123", "StackId": STACK_ID,
           "StackName": "maeul-dev-app", "Status": status, "ExecutionStatus": "AVAILABLE",
           "Changes": changes or []}
    if reason:
        out["StatusReason"] = reason
        out["ExecutionStatus"] = "UNAVAILABLE"
    return out


def _added(logical: str, kind: str) -> dict:
    return {"Type": "Resource", "ResourceChange": {"Action": "Add", "LogicalResourceId": logical,
                                                   "ResourceType": kind}}


def test_a_failed_create_is_reported_with_the_events_that_explain_it() -> None:
    session = _StubSession()
    stub = session.stubber
    stub.add_client_error("describe_stacks", "ValidationError", "Stack with id maeul-dev-app does not exist")
    stub.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID}, {
        "StackName": "maeul-dev-app", "ChangeSetType": "CREATE", "ChangeSetName": ANY, "Parameters": ANY,
        "Capabilities": [], "Tags": [], "TemplateBody": ANY})
    stub.add_response("describe_change_set", _change_set("CREATE_COMPLETE"))  # the waiter
    stub.add_response("describe_change_set",
                      _change_set("CREATE_COMPLETE", [_added("APIHandler", "AWS::Lambda::Function")]))
    stub.add_response("execute_change_set", {})
    stub.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"))  # the waiter's failure state
    stub.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"))
    stub.add_response("describe_stack_events", {"StackEvents": [
        _event("maeul-dev-app", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", minute=5),
        _event("APIHandler", "AWS::Lambda::Function", "DELETE_COMPLETE", minute=4),
        _event("maeul-dev-app", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS",
               "The following resource(s) failed to create: [APIHandler]. Rollback requested by user.", 3),
        _event("APIHandler", "AWS::Lambda::Function", "CREATE_FAILED",
               "Resource handler returned message: \"The role defined for the function cannot be assumed by "
               "Lambda.\"", 2),
        _event("APIHandler", "AWS::Lambda::Function", "CREATE_IN_PROGRESS", minute=1),
        _event("maeul-dev-app", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"),
        _event("maeul-dev-app", "AWS::CloudFormation::Stack", "CREATE_FAILED", "an older attempt", -60),
    ]})
    with stub, pytest.raises(DeployError) as failed:
        StackDeployer(session, log=lambda _m: None, delay=0).deploy(
            "maeul-dev-app", json.dumps({"Resources": {}}), {})
    message = str(failed.value)
    assert "ROLLBACK_COMPLETE" in message
    assert "APIHandler (AWS::Lambda::Function) CREATE_FAILED" in message
    assert "cannot be assumed by Lambda" in message
    assert "an older attempt" not in message  # only the latest operation's events
    stub.assert_no_pending_responses()


def test_a_stack_in_rollback_complete_is_deleted_and_created_again() -> None:
    session = _StubSession()
    stub = session.stubber
    messages: list[str] = []
    stub.add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"))
    stub.add_response("delete_stack", {}, {"StackName": "maeul-dev-app"})
    stub.add_client_error("describe_stacks", "ValidationError", "Stack with id maeul-dev-app does not exist")
    stub.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID}, {
        "StackName": "maeul-dev-app", "ChangeSetType": "CREATE", "ChangeSetName": ANY, "Parameters": ANY,
        "Capabilities": [], "Tags": [], "TemplateBody": ANY})
    stub.add_response("describe_change_set", _change_set("CREATE_COMPLETE"))
    stub.add_response("describe_change_set", _change_set("CREATE_COMPLETE", [_added("A", "AWS::SNS::Topic")]))
    stub.add_response("execute_change_set", {})
    stub.add_response("describe_stacks", _stack("CREATE_COMPLETE"))  # stack_create_complete
    stub.add_response("describe_stacks", _stack("CREATE_COMPLETE"))  # outputs
    with stub:
        outcome = StackDeployer(session, log=messages.append, delay=0).deploy(
            "maeul-dev-app", json.dumps({"Resources": {}}), {})
    assert outcome.action == "created"
    assert any("ROLLBACK_COMPLETE" in m and "deleting" in m for m in messages)
    stub.assert_no_pending_responses()


def test_an_empty_change_set_reported_as_failed_is_a_no_op() -> None:
    """CloudFormation's own answer to an unchanged update: a FAILED change set with this reason."""
    session = _StubSession()
    stub = session.stubber
    stub.add_response("describe_stacks", _stack("UPDATE_COMPLETE"))
    stub.add_response("list_change_sets", {"Summaries": []})
    stub.add_response("create_change_set", {"Id": CHANGE_SET_ID, "StackId": STACK_ID}, {
        "StackName": "maeul-dev-app", "ChangeSetType": "UPDATE", "ChangeSetName": ANY, "Parameters": ANY,
        "Capabilities": [], "Tags": [], "TemplateBody": ANY})
    reason = ("The submitted information didn't contain changes. Submit different information to create a "
              "change set.")
    stub.add_response("describe_change_set", _change_set("FAILED", reason=reason))  # waiter: failure
    stub.add_response("describe_change_set", _change_set("FAILED", reason=reason))
    stub.add_response("delete_change_set", {}, {"ChangeSetName": CHANGE_SET_ID, "StackName": "maeul-dev-app"})
    stub.add_response("describe_stacks", _stack("UPDATE_COMPLETE"))
    with stub:
        outcome = StackDeployer(session, log=lambda _m: None, delay=0).deploy(
            "maeul-dev-app", json.dumps({"Resources": {}}), {})
    assert outcome.action == "unchanged"
    stub.assert_no_pending_responses()


def test_a_stack_busy_or_stuck_is_refused_with_what_to_do() -> None:
    for status, text in (("UPDATE_IN_PROGRESS", "busy"), ("UPDATE_ROLLBACK_FAILED", "needs an operator")):
        session = _StubSession()
        session.stubber.add_response("describe_stacks", _stack(status))
        session.stubber.add_response("describe_stack_events", {"StackEvents": []})
        with session.stubber, pytest.raises(DeployError, match=text):
            StackDeployer(session, log=lambda _m: None, delay=0).deploy(
                "maeul-dev-app", json.dumps({"Resources": {}}), {})

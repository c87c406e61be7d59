"""The deploy removes the attorney-alerts topic's leftover subscriptions: a stack deployed with
the old template (the topic, one e-mail subscription per attorney) updated with today's."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from ops import processes, stack
from tests.conftest import ARTIFACTS

pytestmark = pytest.mark.emulator

OLD_TOPIC = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": "maeul-${Stage}-attorney-alerts"},
                                                         "DisplayName": "Maeul"}}


@pytest.fixture
def session(emulator: str) -> Iterator[object]:
    """An emulator of this test's own (the shared stack must keep its state)."""
    import boto3

    port = processes.free_port()
    own = processes.emulator(port, ARTIFACTS / f"emulator-retire-{port}.log").start()
    shared = os.environ["AWS_ENDPOINT_URL"]
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"
    try:
        yield boto3.session.Session(region_name="ap-northeast-2")
    finally:
        os.environ["AWS_ENDPOINT_URL"] = shared
        own.stop(timeout=2.0)


def test_updating_the_stack_unsubscribes_every_attorney_from_the_old_alerts_topic(session) -> None:
    old = stack.load_template()
    old["Resources"]["AttorneyAlertsTopic"] = OLD_TOPIC
    old["Outputs"]["AttorneyAlertsTopicArn"] = {"Value": {"Ref": "AttorneyAlertsTopic"}}
    cfn, sns = session.client("cloudformation"), session.client("sns")
    # every parameter given, as the change-set deployer's update keeps them (UsePreviousValue)
    values = {name: str(spec.get("Default", "")) for name, spec in old["Parameters"].items()} | {"Stage": "local"}
    cfn.create_stack(StackName="maeul-local", TemplateBody=json.dumps(old), Capabilities=["CAPABILITY_NAMED_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()])
    cfn.get_waiter("stack_create_complete").wait(StackName="maeul-local", WaiterConfig={"Delay": 1})
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in cfn.describe_stacks(StackName="maeul-local")["Stacks"][0]["Outputs"]}
    topic = outputs["AttorneyAlertsTopicArn"]
    for n in range(3):  # what the app used to do for each attorney
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=f"attorney-{n}@example.org",
                      Attributes={"FilterPolicy": json.dumps({"attorney_id": [f"att-{n}"]})})
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 3
    logged: list[str] = []
    # changes shown and declined: nothing applied, so nobody is unsubscribed either
    declined = stack.deploy(session, "local", log=logged.append, confirm=lambda changes: False)
    assert declined.action == "declined"
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 3

    deployment = stack.deploy(session, "local", log=logged.append)

    remaining = [s for s in sns.list_subscriptions()["Subscriptions"] if s["TopicArn"] == topic]
    assert remaining == []
    assert any("3 subscription(s) removed" in line for line in logged), logged
    assert "AttorneyAlertsTopicArn" not in deployment.outputs
    assert "MailEventsTopicArn" in deployment.outputs
    # deploying again finds nothing left to remove
    logged.clear()
    stack.deploy(session, "local", log=logged.append)
    assert not any("removed" in line for line in logged), logged

"""The infra stack in the emulator: deployed through CloudFormation, twice, complete."""

from __future__ import annotations

import pytest

from ops import stack

pytestmark = pytest.mark.emulator


def test_every_declared_resource_exists_after_deploy(local_stack: stack.Deployment) -> None:
    assert local_stack.missing == []
    declared_outputs = set(stack.load_template()["Outputs"])
    assert declared_outputs <= set(local_stack.outputs)
    env = local_stack.environment()
    assert env["MAEUL_MAIN_TABLE"] == "maeul-local-main"
    assert env["MAEUL_KMS_KEY_ARN"].startswith("arn:aws:kms:")
    assert env["MAEUL_JWT_KEYS_SECRET_ARN"].startswith("arn:aws:secretsmanager:")


def test_known_emulator_gaps_are_filled(local_stack: stack.Deployment, boto_session) -> None:
    ddb = boto_session.client("dynamodb")
    for table in ("maeul-local-main", "maeul-local-audit"):
        ttl = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == "expires_at"
        pitr = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
        assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
        indexes = {g["IndexName"] for g in ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"]}
        assert "gsi1" in indexes
    secrets = {s["Name"] for s in boto_session.client("secretsmanager").list_secrets()["SecretList"]}
    assert {"maeul/local/jwt-keys", "maeul/local/oauth"} <= secrets
    kms = boto_session.client("kms")
    key = local_stack.outputs["DataKeyArn"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    assert kms.describe_key(KeyId="alias/maeul-local")["KeyMetadata"]["Arn"] == key


def test_deploying_again_updates_in_place_and_keeps_data(local_stack: stack.Deployment, boto_session) -> None:
    ddb = boto_session.client("dynamodb")
    ddb.put_item(TableName="maeul-local-main", Item={"pk": {"S": "TEST#redeploy"}, "sk": {"S": "x"}})
    again = stack.deploy(boto_session, "local", log=lambda _m: None)
    assert again.action in ("updated", "unchanged")
    assert again.missing == []
    assert again.outputs["DataKeyArn"] == local_stack.outputs["DataKeyArn"]
    item = ddb.get_item(TableName="maeul-local-main", Key={"pk": {"S": "TEST#redeploy"}, "sk": {"S": "x"}})
    assert "Item" in item


def test_a_missing_resource_is_reported_not_filled_outside_local(local_stack, boto_session) -> None:
    template = stack.load_template()
    template["Resources"]["ExtraSecret"] = {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {"Name": "maeul/local/never-created", "SecretString": "{}"},
    }
    checker = stack.Reconciler(boto_session, template, {"Stage": "local"}, {}, fill=False,
                               log=lambda _m: None)
    checker.run()
    assert any("never-created" in m for m in checker.missing)


def test_a_resource_type_the_checker_does_not_know_is_a_warning(local_stack, boto_session) -> None:
    template = stack.load_template()
    template["Resources"]["SomeNewThing"] = {"Type": "AWS::Example::Unknown", "Properties": {}}
    checker = stack.Reconciler(boto_session, template, {"Stage": "local"}, {"SomeNewThing": "physical-id"},
                               fill=False, log=lambda _m: None)
    checker.run()
    assert not any("SomeNewThing" in m for m in checker.missing)
    assert any("SomeNewThing" in w and "AWS::Example::Unknown" in w for w in checker.warnings)
    # one that CloudFormation did not report at all is still missing
    checker = stack.Reconciler(boto_session, template, {"Stage": "local"}, {}, fill=False,
                               log=lambda _m: None)
    checker.run()
    assert any("SomeNewThing" in m for m in checker.missing)


def test_failed_job_runs_land_in_a_queue_under_the_stage_key_that_alarms_the_operators(
        local_stack: stack.Deployment, boto_session) -> None:
    sqs = boto_session.client("sqs")
    url = sqs.get_queue_url(QueueName="maeul-local-job-failures")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["QueueArn"] == local_stack.outputs["JobFailuresQueueArn"]
    assert attributes["KmsMasterKeyId"] == local_stack.outputs["DataKeyArn"]
    assert attributes["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    [alarm] = boto_session.client("cloudwatch").describe_alarms(
        AlarmNames=["maeul-local-job-failures"])["MetricAlarms"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": "maeul-local-job-failures"}]
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"] == [local_stack.outputs["OperatorAlarmsTopicArn"]]

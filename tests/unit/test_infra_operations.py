"""The infra template's operational guarantees: alarms that can be delivered, data kept."""

from __future__ import annotations

import json

from ops import stack


def _resources() -> dict:
    return stack.load_template()["Resources"]


def test_cloudwatch_may_use_the_key_of_the_encrypted_alarms_topic_for_this_stage_only() -> None:
    resources = _resources()
    assert resources["OperatorAlarmsTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "DataKey"}
    statements = resources["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    [cloudwatch] = [s for s in statements if s["Principal"].get("Service") == "cloudwatch.amazonaws.com"]
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cloudwatch["Action"])
    assert cloudwatch["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    source = cloudwatch["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    assert source.endswith(":alarm:maeul-${Stage}-*")


def test_no_service_may_use_the_key_without_a_condition() -> None:
    statements = _resources()["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    for statement in statements:
        if "Service" in statement["Principal"]:
            assert "aws:SourceAccount" in json.dumps(statement.get("Condition", {})), statement["Sid"]


def test_the_operators_are_alarmed_about_sms_spend() -> None:
    alarm = _resources()["SmsSpendAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SNS", "SMSMonthToDateSpentUSD")
    assert alarm["AlarmActions"] == [{"Ref": "OperatorAlarmsTopic"}]
    assert alarm["AlarmName"] == {"Fn::Sub": "maeul-${Stage}-sms-spend"}  # matches the key policy's SourceArn


def test_secrets_bucket_tables_and_key_outlive_the_stack() -> None:
    resources = _resources()
    for name in ("JwtKeysSecret", "OAuthSecret", "ArtifactsBucket", "MainTable", "AuditTable", "DataKey"):
        assert resources[name]["DeletionPolicy"] == "Retain", name
        assert resources[name]["UpdateReplacePolicy"] == "Retain", name


def test_the_thread_eraser_may_batch_delete() -> None:
    statements = _resources()["AppRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    [tables] = [s for s in statements if s["Sid"] == "OperationalTables"]
    assert "dynamodb:BatchWriteItem" in tables["Action"]


def test_the_kept_tables_are_backed_up_daily_and_monthly_on_aws_stages() -> None:
    resources = _resources()
    selection = resources["BackupTables"]["Properties"]["BackupSelection"]
    assert selection["Resources"] == [{"Fn::GetAtt": ["MainTable", "Arn"]}, {"Fn::GetAtt": ["AuditTable", "Arn"]}]
    rules = {r["RuleName"]: r for r in resources["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"]}
    assert rules["daily"]["Lifecycle"]["DeleteAfterDays"] == 35
    assert rules["monthly"]["Lifecycle"]["DeleteAfterDays"] == 365
    assert resources["BackupVault"]["DeletionPolicy"] == "Retain"
    assert all(resources[n]["Condition"] == "IsAws" for n in ("BackupVault", "BackupPlan", "BackupRole",
                                                              "BackupTables"))

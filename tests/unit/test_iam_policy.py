"""The app role's policy evaluated like IAM does (ops/iam.py), and held to least privilege.

Every AWS call the app's code makes anywhere in the suite is checked against this policy by the
``iam_audit`` fixture (tests/conftest.py); these tests pin the evaluator itself."""

from __future__ import annotations

import pytest

from ops.iam import RUNTIME_ACTIONS, Request, RolePolicy, requests_of

ACCOUNT, REGION = "123456789012", "ap-northeast-2"


def _req(service: str, operation: str, **params) -> list[Request]:
    return requests_of(service, operation, params, REGION, ACCOUNT)


@pytest.fixture(scope="module")
def policy() -> RolePolicy:
    return RolePolicy.from_template()


def test_the_thread_eraser_may_batch_delete_messages(policy) -> None:
    erase = _req("dynamodb", "BatchWriteItem", RequestItems={"maeul-local-main": [{"DeleteRequest": {}}]})
    assert policy.denied(erase) == []
    without = RolePolicy([{**s, "Action": [a for a in s["Action"] if a != "dynamodb:BatchWriteItem"]}
                          if isinstance(s.get("Action"), list) else s for s in policy.statements])
    assert without.denied(erase) == erase  # what AWS would have answered DELETE /api/me before


def test_the_audit_trail_is_append_only_for_the_app(policy) -> None:
    assert policy.denied(_req("dynamodb", "PutItem", TableName="maeul-local-audit")) == []
    for operation in ("UpdateItem", "DeleteItem", "BatchWriteItem"):
        table = {"TableName": "maeul-local-audit"} if operation != "BatchWriteItem" else \
            {"RequestItems": {"maeul-local-audit": []}}
        assert policy.denied(_req("dynamodb", operation, **table)), operation


def test_a_transaction_is_authorised_item_by_item(policy) -> None:
    tx = _req("dynamodb", "TransactWriteItems", TransactItems=[
        {"Put": {"TableName": "maeul-local-main"}}, {"ConditionCheck": {"TableName": "maeul-local-main"}},
        {"Update": {"TableName": "maeul-local-audit"}}])
    assert [r.action for r in tx] == ["dynamodb:PutItem", "dynamodb:ConditionCheckItem",
                                      "dynamodb:UpdateItem"]
    assert policy.denied(tx) == [tx[2]]


def test_index_queries_and_other_stages_tables(policy) -> None:
    assert policy.denied(_req("dynamodb", "Query", TableName="maeul-local-main", IndexName="gsi2")) == []
    assert policy.denied(_req("dynamodb", "GetItem", TableName="maeul-prod-main"))  # another stage's table


def test_sms_to_phone_numbers_but_no_other_topic(policy) -> None:
    assert policy.denied(_req("sns", "Publish", PhoneNumber="+821012345678")) == []
    alarms = f"arn:aws:sns:{REGION}:{ACCOUNT}:maeul-local-operator-alarms"
    assert policy.denied(_req("sns", "Publish", TopicArn=alarms)) == []
    assert policy.denied(_req("sns", "Publish", TopicArn=f"arn:aws:sns:{REGION}:{ACCOUNT}:someone-else"))


def test_failed_job_runs_may_go_to_the_stages_job_failures_queue_only(policy) -> None:
    """Lambda sends a scheduled job's failed run to its on-failure destination as the function's
    role (the queue's key: kms:GenerateDataKey, granted on the field key)."""
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:maeul-local-job-failures"
    assert policy.denied([Request("sqs:SendMessage", queue)]) == []
    assert policy.denied([Request("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:maeul-prod-job-failures")])
    assert policy.denied([Request("sqs:ReceiveMessage", queue), Request("sqs:DeleteMessage", queue)])
    assert {a for a in policy.actions() if a.startswith("sqs:")} == {"sqs:SendMessage"} <= RUNTIME_ACTIONS


def test_secrets_by_name_or_arn(policy) -> None:
    assert policy.denied(_req("secretsmanager", "GetSecretValue", SecretId="maeul/local/oauth")) == []
    arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:maeul/local/jwt-keys-AbCdEf"
    assert policy.denied(_req("secretsmanager", "GetSecretValue", SecretId=arn)) == []
    assert policy.denied(_req("secretsmanager", "PutSecretValue", SecretId=arn))  # rotation is the operator's


def test_deny_wins_and_wildcards_match_like_iam() -> None:
    policy = RolePolicy([
        {"Effect": "Allow", "Action": "dynamodb:*Item", "Resource": "arn:aws:dynamodb:*:*:table/t"},
        {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}])
    [get] = _req("dynamodb", "GetItem", TableName="t")
    [delete] = _req("dynamodb", "DeleteItem", TableName="t")
    [query] = _req("dynamodb", "Query", TableName="t")
    assert policy.allows(get) and not policy.allows(delete) and not policy.allows(query)
    assert RolePolicy([{"Effect": "Allow", "Action": "DynamoDB:getitem", "Resource": "*"}]).allows(get)


def test_the_role_grants_no_wildcard_action_and_no_managed_policy(policy) -> None:
    assert policy.wildcard_actions() == []  # e.g. logs:* from AWSLambdaBasicExecutionRole-style grants
    runtime = {a for a in policy.actions() if a.split(":")[0] in ("logs", "xray")}
    assert runtime <= RUNTIME_ACTIONS  # the Lambda runtime's own calls, to this stage's log groups only
    [logs] = [s for s in policy.statements if "logs:PutLogEvents" in s["Action"]]
    assert logs["Resource"] == "arn:aws:logs:*:*:log-group:/aws/lambda/maeul-local-*"


def test_the_field_key_by_arn_or_alias_but_no_other_service(policy) -> None:
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert policy.denied(_req("kms", "GenerateDataKey", KeyId=key)) == []
    assert policy.denied(_req("kms", "Decrypt", KeyId="alias/maeul-local")) == []
    assert policy.denied(_req("kms", "ScheduleKeyDeletion", KeyId=key))
    assert policy.denied(_req("s3", "GetObject", Bucket="maeul-local-artifacts", Key="app/x.zip"))


def test_a_subscription_is_authorised_against_its_topic(policy) -> None:
    subscription = f"arn:aws:sns:{REGION}:{ACCOUNT}:maeul-local-attorney-alerts:01761f3b-4d2d-4b32-b55c"
    [request] = _req("sns", "Unsubscribe", SubscriptionArn=subscription)
    assert request.resource == f"arn:aws:sns:{REGION}:{ACCOUNT}:maeul-local-attorney-alerts"
    # attorney e-mail goes through SES: the app manages no subscriptions (the deploy retires them)
    assert policy.denied([request]) == [request]
    assert not {a for a in policy.actions() if a.startswith(("sns:Subscribe", "sns:Unsubscribe"))}


def test_attorney_mail_only_from_the_stages_domain_through_its_configuration_set(policy) -> None:
    send = _req("sesv2", "SendEmail", FromEmailAddress="Maeul <alerts@mail.maeul.example>",
                ConfigurationSetName="maeul-local")
    assert [r.action for r in send] == ["ses:SendEmail", "ses:SendEmail"]  # identity and configuration set
    assert policy.denied(send) == []
    assert policy.denied(_req("sesv2", "SendEmail", FromEmailAddress="alerts@elsewhere.example",
                              ConfigurationSetName="maeul-local"))
    assert policy.denied(_req("sesv2", "SendEmail", FromEmailAddress="alerts@mail.maeul.example",
                              ConfigurationSetName="maeul-prod"))

"""The infrastructure template: lint-clean and holding what the app needs."""

from __future__ import annotations

import subprocess

from chalicelib.settings import STACK_OUTPUT_ENV
from ops import stack
from ops.processes import BIN, ROOT


def test_template_passes_cfn_lint() -> None:
    result = subprocess.run([str(BIN / "cfn-lint"), "infra/template.yaml"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_stateful_resources_are_protected_and_encrypted() -> None:
    resources = stack.load_template()["Resources"]
    tables = {k: v for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert set(tables) == {"MainTable", "AuditTable", "IdempotencyTable"}
    for name, table in tables.items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, name
        assert props["SSESpecification"]["SSEEnabled"] is True, name
        assert props["TimeToLiveSpecification"]["Enabled"] is True, name
    assert resources["DataKey"]["Properties"]["EnableKeyRotation"] is True
    assert resources["MainTable"]["DeletionPolicy"] == "Retain"


def test_every_app_setting_comes_from_a_stack_output() -> None:
    outputs = set(stack.load_template()["Outputs"])
    assert set(STACK_OUTPUT_ENV) <= outputs
    assert "AppRoleArn" in outputs


def test_the_app_role_cannot_rewrite_the_audit_trail() -> None:
    role = stack.load_template()["Resources"]["AppRole"]["Properties"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    audit = [s for s in statements if any("AuditTable" in str(r) for r in s.get("Resource", []))]
    allowed = [s for s in audit if s["Effect"] == "Allow"]
    assert allowed, "the role must reach the audit table"
    actions = {a for s in allowed for a in s["Action"]}
    assert actions <= {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:DescribeTable"}
    # and an explicit deny, so no later broad grant can open it: records are written once (the puts are
    # conditioned on attribute_not_exists, tests/integration/test_audit_log.py) and never changed
    denied = {a for s in audit if s["Effect"] == "Deny" for a in s["Action"]}
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
            "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"} <= denied

"""The deployment pipeline (.github/workflows/deploy.yml): valid, and the promotion it promises."""

from __future__ import annotations

import itertools
import subprocess

import yaml

from ops.processes import BIN, ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"


def _uses(step: dict, action: str) -> bool:
    return str(step.get("uses", "")).startswith(action)


def _jobs() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]


def test_the_workflow_is_valid_for_github_actions() -> None:
    result = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                             str(WORKFLOW)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_test_package_dev_smoke_staging_prod_in_that_order() -> None:
    jobs = _jobs()
    order = ["test", "package", "deploy-dev", "smoke-dev", "deploy-staging", "deploy-prod"]
    assert list(jobs) == order
    for before, job in itertools.pairwise(order):
        assert jobs[job]["needs"] == before, job
    assert jobs["deploy-staging"]["environment"] == "staging"  # required reviewers: manual approval
    assert jobs["deploy-prod"]["environment"] == "prod"


def test_the_bundle_is_built_once_and_promoted_unchanged() -> None:
    jobs = _jobs()
    uploads = [name for name, job in jobs.items()
               if any(_uses(step, "actions/upload-artifact") for step in job["steps"])]
    assert uploads == ["package"]
    for stage in ("dev", "staging", "prod"):
        steps = jobs[f"deploy-{stage}"]["steps"]
        [download] = [s for s in steps if str(s.get("uses", "")).startswith("actions/download-artifact")]
        assert download["with"]["name"] == "app-bundle"
        runs = " ".join(s.get("run", "") for s in steps)
        assert f"scripts/deploy {stage} --yes --bundle artifact/deployment.zip" in runs
        assert "chalice package" not in runs and "deploy_bundle" not in runs


def test_aws_access_is_by_oidc_role_assumption_only_where_deploying() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    for name, job in _jobs().items():
        assumes = [s for s in job["steps"] if _uses(s, "aws-actions/configure-aws-credentials")]
        if name.startswith("deploy-"):
            assert job["permissions"]["id-token"] == "write", name
            assert assumes and assumes[0]["with"]["role-to-assume"], name
            assert assumes[0]["with"]["aws-region"] == "${{ env.AWS_REGION }}"
        else:
            assert not assumes and "id-token" not in job.get("permissions", {}), name
    assert yaml.safe_load(text)["env"]["AWS_REGION"] == "ap-northeast-2"

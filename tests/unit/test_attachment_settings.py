"""Where browsers send documents and fetch them: derived from the bucket per stage, and allowed by
the pages' content security policy (uploads and images), nothing else widened."""

from __future__ import annotations

from chalicelib.api.security import CSP, csp
from chalicelib.settings import Settings


def test_the_local_stage_uses_the_emulators_endpoint() -> None:
    settings = Settings.from_env({"MAEUL_STAGE": "local", "MAEUL_ATTACHMENTS_BUCKET": "b-1",
                                  "AWS_ENDPOINT_URL": "http://127.0.0.1:4566/"})
    assert settings.attachments_origin == "http://127.0.0.1:4566"


def test_aws_stages_use_the_buckets_own_hosts() -> None:
    settings = Settings.from_env({"MAEUL_STAGE": "prod", "MAEUL_ATTACHMENTS_BUCKET": "maeul-prod-docs",
                                  "AWS_REGION": "ap-northeast-2"})
    assert settings.attachments_origin.split() == ["https://maeul-prod-docs.s3.ap-northeast-2.amazonaws.com",
                                                   "https://maeul-prod-docs.s3.amazonaws.com"]
    assert Settings.from_env({"MAEUL_STAGE": "prod"}).attachments_origin == ""


def test_the_policy_allows_the_bucket_for_uploads_and_images_only() -> None:
    origin = "https://maeul-prod-docs.s3.amazonaws.com"
    policy = dict(part.strip().split(" ", 1) for part in csp(origin).split(";"))
    assert origin in policy["connect-src"] and origin in policy["img-src"]
    assert all(origin not in v for k, v in policy.items() if k not in ("connect-src", "img-src"))
    assert csp("") == CSP

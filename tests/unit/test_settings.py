"""Settings come from the environment; policy numbers live in one typed object."""

from __future__ import annotations

import json

import pytest

from chalicelib.settings import STACK_OUTPUT_ENV, Settings, SettingsError
from ops.localstage import ROOT, config_environment


def test_defaults_follow_the_programme_rules() -> None:
    policy = Settings.from_env({"MAEUL_STAGE": "local"}).policy
    assert [(w.start.isoformat("minutes"), w.end.isoformat("minutes")) for w in policy.service_windows] == [
        ("10:00", "11:30"), ("14:00", "17:00")]
    assert policy.annual_cap == 40
    assert policy.slot_minutes == 30
    assert policy.offer_timeout_seconds == 180
    assert policy.reminder_offsets_minutes == (1440, 60)
    assert policy.fallback_phone == "031-8030-4541"
    assert policy.access_token_minutes <= 15


def test_a_stage_can_override_policy_numbers() -> None:
    settings = Settings.from_env({"MAEUL_STAGE": "dev", "MAEUL_POLICY": json.dumps({"annual_cap": 30})})
    assert settings.policy.annual_cap == 30
    assert settings.main_table == "maeul-dev-main"


@pytest.mark.parametrize("policy", ['{"annual_cap": 0}', '{"unknown": 1}', "not json",
                                    '{"access_token_minutes": 60}'])
def test_a_bad_policy_is_refused_with_a_message(policy: str) -> None:
    with pytest.raises(SettingsError, match="MAEUL_POLICY"):
        Settings.from_env({"MAEUL_STAGE": "dev", "MAEUL_POLICY": policy})


def test_an_unknown_stage_is_refused() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"MAEUL_STAGE": "production"})


def test_admin_subjects_are_a_comma_separated_list() -> None:
    settings = Settings.from_env({"MAEUL_STAGE": "local", "MAEUL_ADMIN_SUBJECTS": "kakao:1, naver:abc"})
    assert settings.admin_subjects == ("kakao:1", "naver:abc")


def test_only_the_local_stage_points_at_the_emulator() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert set(config["stages"]) == {"local", "dev", "staging", "prod"}
    for stage in ("dev", "staging", "prod"):
        env = config_environment(stage)
        assert not any(k.startswith("AWS_ENDPOINT_URL") for k in env), stage
        assert not any(k.startswith("AWS_") for k in env), stage
        assert env["MAEUL_STAGE"] == stage
    assert config_environment("local")["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"


def test_no_secrets_in_the_config_file() -> None:
    text = (ROOT / ".chalice" / "config.json").read_text().lower()
    for word in ("client_secret", "private", "password", "admin_key"):
        assert word not in text


def test_stack_outputs_cover_every_resource_setting() -> None:
    assert set(STACK_OUTPUT_ENV.values()) == {
        "MAEUL_MAIN_TABLE", "MAEUL_AUDIT_TABLE", "MAEUL_IDEMPOTENCY_TABLE", "MAEUL_KMS_KEY_ARN",
        "MAEUL_MAIL_FROM", "MAEUL_MAIL_REPLY_TO", "MAEUL_MAIL_CONFIGURATION_SET", "MAEUL_EMAIL_HASH_SECRET_ARN",
        "MAEUL_OPERATOR_ALARMS_TOPIC_ARN",
        "MAEUL_JWT_KEYS_SECRET_ARN", "MAEUL_OAUTH_SECRET_ARN", "MAEUL_ATTACHMENTS_BUCKET",
        "MAEUL_IDENTITY_KEY_SECRET_ARN"}

"""Where each stage lives, and the refusals before deploying to it (ops/stages.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ops import stages


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def write(prod_url: str = "https://maeul.gg.go.kr", kakao: str = "a1b2c3", account: str = "111122223333",
              dev_account: str = "", prod_ice: list | None = None, dev_ice: list | None = None,
              admin_cidrs: object = ("203.0.113.0/24",), dev_cidrs: object = ()) -> None:
        (tmp_path / "stages.json").write_text(json.dumps({
            "dev": {"region": "ap-northeast-2", "account_id": dev_account, "ice_servers": dev_ice or [],
                    "admin_cidrs": list(dev_cidrs)},
            "prod": {"region": "ap-northeast-2", "account_id": account, "ice_servers": prod_ice or [
                {"urls": ["stun:turn.maeul.gg.go.kr:3478"]},
                {"urls": ["turn:turn.maeul.gg.go.kr:3478?transport=udp", "turns:turn.maeul.gg.go.kr:5349"]}],
                     "admin_cidrs": list(admin_cidrs) if isinstance(admin_cidrs, tuple) else admin_cidrs}}))
        (tmp_path / "config.json").write_text(json.dumps({"stages": {
            "dev": {"environment_variables": {"MAEUL_PUBLIC_BASE_URL": "https://dev.maeul.example"}},
            "prod": {"environment_variables": {"MAEUL_PUBLIC_BASE_URL": prod_url,
                                               "KAKAO_CLIENT_ID": kakao}}}}))
        monkeypatch.setattr(stages, "STAGES_FILE", tmp_path / "stages.json")
        monkeypatch.setattr(stages, "CHALICE_CONFIG", tmp_path / "config.json")
    return write


def test_every_aws_stage_gets_its_region_in_a_fresh_environment() -> None:
    env = stages.environment("prod", base={"PATH": "/usr/bin"})
    assert env["AWS_DEFAULT_REGION"] == env["AWS_REGION"] == "ap-northeast-2"
    assert stages.environment("prod", base={"AWS_DEFAULT_REGION": "us-east-1"})["AWS_DEFAULT_REGION"] == \
        "ap-northeast-2"  # the stage's setting, not whatever the shell had
    assert "AWS_DEFAULT_REGION" not in stages.environment("local", base={})


def test_prod_as_configured_deploys(configured) -> None:
    configured()
    assert stages.preflight("prod", "111122223333", "ap-northeast-2") == []
    assert stages.domain("prod") == "maeul.gg.go.kr"


def test_prod_outside_seoul_is_refused(configured) -> None:
    configured()
    [reason] = stages.preflight("prod", "111122223333", "us-east-1")
    assert "ap-northeast-2" in reason and "us-east-1" in reason


def test_an_unexpected_account_is_refused(configured) -> None:
    configured(dev_account="444455556666")
    [reason] = stages.preflight("prod", "999999999999", "ap-northeast-2")
    assert "111122223333" in reason and "999999999999" in reason
    assert stages.preflight("dev", "999999999999", "ap-northeast-2")
    assert stages.preflight("dev", "444455556666", "ap-northeast-2") == []


def test_prod_without_an_expected_account_is_refused(configured) -> None:
    configured(account="")
    assert any("account_id" in r for r in stages.preflight("prod", "111122223333", "ap-northeast-2"))


def test_placeholder_settings_are_refused_for_prod_only(configured) -> None:
    configured(prod_url="https://maeul.example", kakao="set-in-config-for-prod")
    reasons = stages.preflight("prod", "111122223333", "ap-northeast-2")
    assert any("MAEUL_PUBLIC_BASE_URL" in r for r in reasons)
    assert any("KAKAO_CLIENT_ID" in r for r in reasons)
    assert stages.preflight("dev", "111122223333", "ap-northeast-2") == []  # dev.maeul.example is fine there


def test_the_repository_prod_settings_are_still_placeholders_and_so_refused() -> None:
    """Until an operator fills .chalice/config.json and infra/stages.json (docs/OPERATIONS.md)."""
    reasons = stages.preflight("prod", "111122223333", "ap-northeast-2")
    assert any("set-in-config-for-prod" in r for r in reasons)


def test_prod_with_the_example_turn_server_is_refused(configured) -> None:
    configured(prod_ice=[{"urls": ["turn:turn.maeul.example:3478"]}])
    reasons = stages.preflight("prod", "111122223333", "ap-northeast-2")
    assert any("ice_servers" in r and "turn.maeul.example" in r for r in reasons), reasons


def test_a_turn_credential_written_into_the_repository_is_refused_on_any_stage(configured) -> None:
    configured(dev_ice=[{"urls": ["turn:turn.dev.maeul.gg.go.kr:3478"], "username": "u", "credential": "p"}])
    [reason] = stages.preflight("dev", "111122223333", "ap-northeast-2")
    assert "holds a credential" in reason and "TURN_SHARED_SECRET" in reason
    configured(dev_ice=[{"urls": ["http://turn.example"]}])
    [reason] = stages.preflight("dev", "111122223333", "ap-northeast-2")
    assert "stun:, turn: or turns:" in reason


def test_every_aws_stage_has_its_own_turn_servers() -> None:
    servers = {stage: stages.ice_servers(stage) for stage in stages.AWS_STAGES}
    assert all(any(u.startswith("turn") for s in v for u in s["urls"]) for v in servers.values())
    assert len({json.dumps(v) for v in servers.values()}) == 3  # one set per stage, not one value for all
    assert all(stages.ice_problems(stage) == [] for stage in stages.AWS_STAGES)
    reasons = stages.preflight("prod", "111122223333", "ap-northeast-2")
    assert any("ice_servers" in r for r in reasons)  # the repository's prod TURN host is an example
def test_prod_without_admin_networks_is_refused_and_dev_may_leave_them_open(configured) -> None:
    configured(admin_cidrs=())
    [reason] = stages.preflight("prod", "111122223333", "ap-northeast-2")
    assert "admin_cidrs" in reason and "/api/admin/" in reason
    assert stages.preflight("dev", "111122223333", "ap-northeast-2") == []
    assert stages.admin_networks("dev") == []


@pytest.mark.parametrize("entry", ["203.0.113.7/24", "not-a-network", "0.0.0.0/0", "10.0.0.0/8", "2001:db8::/16"])
def test_a_wrong_or_too_wide_admin_network_is_refused_on_any_stage(configured, entry: str) -> None:
    configured(admin_cidrs=(entry,), dev_cidrs=(entry,))
    for stage in ("prod", "dev"):
        [reason] = stages.preflight(stage, "111122223333", "ap-northeast-2")
        assert entry in reason and "admin_cidrs" in reason
    with pytest.raises(stages.BadAdminNetworkError):
        stages.admin_networks("prod")


def test_admin_networks_are_read_per_stage(configured) -> None:
    configured(admin_cidrs=("203.0.113.0/24", "2001:db8:1234::/48", "198.51.100.7/32"))
    assert [str(n) for n in stages.admin_networks("prod")] == ["203.0.113.0/24", "2001:db8:1234::/48",
                                                               "198.51.100.7/32"]
    with pytest.raises(stages.BadAdminNetworkError):
        stages.parse_admin_networks("203.0.113.0/24")  # a list, not a string

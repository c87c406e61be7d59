"""``scripts/set-oauth-secret``: the provider secret keeps what is not given and gets its hash key once."""

from __future__ import annotations


def test_setting_provider_secrets_keeps_what_is_not_given_and_makes_the_hash_key_once() -> None:
    from ops.oauth_secret import merged

    values, changed = merged({"kakao_client_secret": "k"}, {"kakao_client_secret": "", "sens_access_key": "a"})
    assert values["kakao_client_secret"] == "k" and values["sens_access_key"] == "a"
    assert len(values["recipient_hash_key"]) >= 32 and changed == ["sens_access_key", "recipient_hash_key"]
    again, changed = merged(values, {"sens_secret_key": "s"})
    assert again["recipient_hash_key"] == values["recipient_hash_key"] and changed == ["sens_secret_key"]

"""The TOTP rules (RFC 6238) and the signed login cookie, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.jwt_tokens import JwtCodec, StaticKeySource
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.domain.second_factor import code_at, matching_step, new_secret, provisioning_uri, step_of
from chalicelib.domain.sessions import TokenRejectedError

T0 = datetime(2026, 12, 1, 1, 30, 10, tzinfo=UTC)
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890", RFC 6238 appendix B


def test_the_rfc_6238_test_vector() -> None:
    # SHA-1, T = 59 s → 94287082 in 8 digits; our 6 digits are its last six
    assert code_at(RFC_SECRET, datetime.fromtimestamp(59, UTC)) == "287082"
    assert code_at(RFC_SECRET, datetime.fromtimestamp(1111111109, UTC)) == "081804"


def test_a_code_matches_its_step_and_one_step_of_drift_either_side() -> None:
    secret = new_secret()
    now = step_of(T0)
    for offset in (-1, 0, 1):
        code = code_at(secret, T0 + timedelta(seconds=30 * offset))
        assert matching_step(secret, code, T0) == now + offset
    for offset in (-2, 2):
        assert matching_step(secret, code_at(secret, T0 + timedelta(seconds=30 * offset)), T0) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x", None])
def test_malformed_codes_match_nothing(code) -> None:
    assert matching_step(new_secret(), code, T0) is None


def test_spaces_typed_into_a_code_are_ignored() -> None:
    secret = new_secret()
    code = code_at(secret, T0)
    assert matching_step(secret, f" {code[:3]} {code[3:]} ", T0) == step_of(T0)


def test_the_provisioning_uri_names_the_account_without_personal_data() -> None:
    uri = provisioning_uri(RFC_SECRET, "attorney att-001")
    assert uri.startswith("otpauth://totp/Maeul:attorney%20att-001?")
    assert f"secret={RFC_SECRET}" in uri and "issuer=Maeul" in uri


def test_a_secret_has_160_bits_at_least() -> None:
    assert len(new_secret()) >= 32 and new_secret() != new_secret()


def _codec(audience: str = "maeul-api-local") -> JwtCodec:
    return JwtCodec(KEYS, issuer="http://127.0.0.1:8000", audience=audience, ttl=timedelta(minutes=15))


KEYS = StaticKeySource.generate()


def test_a_login_cookie_is_no_access_token_and_an_access_token_no_login_cookie() -> None:
    codec = _codec()
    cookie = codec.seal_login({"st": "h", "prv": "kakao", "nxt": "/", "non": "n"}, T0, timedelta(minutes=10))
    assert codec.open_login(cookie, T0 + timedelta(minutes=9))["nxt"] == "/"
    with pytest.raises(TokenRejectedError, match="login_expired"):
        codec.open_login(cookie, T0 + timedelta(minutes=10))
    with pytest.raises(TokenRejectedError, match="token_type"):
        codec.verify(cookie, T0)
    access, _ = codec.issue(subject="kakao:1", role=Role.ADMIN, provider=Provider.KAKAO, session_id="s",
                            attorney_id=None, now=T0)
    with pytest.raises(TokenRejectedError, match="login_malformed"):
        codec.open_login(access, T0)
    with pytest.raises(TokenRejectedError):  # another stage's cookie
        _codec("maeul-api-prod").open_login(cookie, T0)
    forged = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    with pytest.raises(TokenRejectedError):
        codec.open_login(forged, T0)


def test_a_principal_is_full_unless_marked_pending() -> None:
    assert not Principal("kakao:1", Role.ATTORNEY, Provider.KAKAO, "s").second_factor_pending

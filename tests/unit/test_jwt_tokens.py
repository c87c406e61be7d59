"""Our access tokens: what is accepted, and the RFC 8725 attacks that must not be."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.adapters.jwt_tokens import (
    JwtCodec,
    KeySet,
    KeySetError,
    SecretsManagerKeySource,
    StaticKeySource,
    new_key_entry,
)
from chalicelib.domain.identity import Provider, Role
from chalicelib.domain.sessions import TokenRejectedError

NOW = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
ISSUER, AUDIENCE = "http://127.0.0.1:8000", "maeul-api-local"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def forge(header: dict, payload: dict, signature: bytes = b"") -> str:
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(payload).encode())
    return f"{head}.{body}.{b64(signature)}"


@pytest.fixture
def keys() -> StaticKeySource:
    return StaticKeySource.generate()


@pytest.fixture
def codec(keys) -> JwtCodec:
    return JwtCodec(keys, issuer=ISSUER, audience=AUDIENCE, ttl=timedelta(minutes=15))


def issue(codec: JwtCodec, now: datetime = NOW, **over) -> str:
    args = dict(subject="kakao:894376729970279445", role=Role.RESIDENT, provider=Provider.KAKAO,
                session_id="sid-1", attorney_id=None, now=now)
    args.update(over)
    return codec.issue(**args)[0]


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def rejected(codec: JwtCodec, token: str, now: datetime = NOW) -> str:
    with pytest.raises(TokenRejectedError) as caught:
        codec.verify(token, now)
    return caught.value.reason


def test_a_fresh_token_is_accepted_with_its_claims(codec) -> None:
    token = issue(codec, role=Role.ATTORNEY, attorney_id="att-001")
    claims = codec.verify(token, NOW + timedelta(minutes=14))
    assert (claims.subject, claims.role, claims.provider, claims.session_id, claims.attorney_id) == \
        ("kakao:894376729970279445", Role.ATTORNEY, Provider.KAKAO, "sid-1", "att-001")
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256" and header["typ"] == "at+jwt" and header["kid"]
    raw = claims_of(token)
    assert {"exp", "iat", "nbf", "iss", "aud", "sub", "jti"} <= set(raw)
    assert raw["exp"] - raw["iat"] == 15 * 60


def test_codec_refuses_lifetimes_over_fifteen_minutes(keys) -> None:
    with pytest.raises(ValueError):
        JwtCodec(keys, issuer=ISSUER, audience=AUDIENCE, ttl=timedelta(minutes=16))


def test_expired_token(codec) -> None:
    token = issue(codec)
    assert rejected(codec, token, NOW + timedelta(minutes=15)) == "token_expired"


def test_token_from_the_future(codec) -> None:
    token = issue(codec, now=NOW + timedelta(minutes=5))
    assert rejected(codec, token, NOW) == "token_not_yet_valid"


def test_alg_none(codec) -> None:
    payload = claims_of(issue(codec))
    kid = jwt.get_unverified_header(issue(codec))["kid"]
    for alg in ("none", "None", "NONE"):
        token = forge({"alg": alg, "typ": "at+jwt", "kid": kid}, payload)
        assert rejected(codec, token) == "token_algorithm"


def test_hs256_signed_with_the_public_key(codec, keys) -> None:
    """HS/RS(ES) confusion: the public key used as an HMAC secret."""
    key = keys.current().active
    public_pem = key.public_key.public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "at+jwt", "kid": key.kid}
    payload = claims_of(issue(codec))
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert rejected(codec, f"{signing_input}.{b64(signature)}") == "token_algorithm"


def test_rs256_with_an_attackers_key(codec, keys) -> None:
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims_of(issue(codec)), attacker, algorithm="RS256",
                       headers={"kid": keys.current().active.kid, "typ": "at+jwt"})
    assert rejected(codec, token) == "token_algorithm"


def test_es256_signed_by_another_key_with_our_kid(codec, keys) -> None:
    other = KeySet.from_document({"active": "x", "keys": [{**new_key_entry(), "kid": "x"}]}).active
    token = jwt.encode(claims_of(issue(codec)), other.private_key, algorithm="ES256",
                       headers={"kid": keys.current().active.kid, "typ": "at+jwt"})
    assert rejected(codec, token) == "token_signature"


def test_tampered_payload(codec) -> None:
    head, body, sig = issue(codec).split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["role"] = "admin"
    assert rejected(codec, f"{head}.{b64(json.dumps(payload).encode())}.{sig}") == "token_signature"


def test_token_for_another_audience_or_issuer(keys, codec) -> None:
    other_aud = JwtCodec(keys, issuer=ISSUER, audience="maeul-api-prod", ttl=timedelta(minutes=15))
    assert rejected(codec, issue(other_aud)) == "token_audience"
    other_iss = JwtCodec(keys, issuer="https://evil.example", audience=AUDIENCE, ttl=timedelta(minutes=15))
    assert rejected(codec, issue(other_iss)) == "token_issuer"


def test_audience_as_a_list_is_refused(codec, keys) -> None:
    key = keys.current().active
    payload = {**claims_of(issue(codec)), "aud": [AUDIENCE, "other"]}
    token = jwt.encode(payload, key.private_key, algorithm="ES256", headers={"kid": key.kid, "typ": "at+jwt"})
    assert rejected(codec, token) == "token_audience"


def test_unknown_kid_and_missing_kid(codec, keys) -> None:
    key = keys.current().active
    payload = claims_of(issue(codec))
    unknown = jwt.encode(payload, key.private_key, algorithm="ES256", headers={"kid": "nope", "typ": "at+jwt"})
    assert rejected(codec, unknown) == "token_unknown_key"
    missing = jwt.encode(payload, key.private_key, algorithm="ES256", headers={"typ": "at+jwt"})
    assert rejected(codec, missing) == "token_unknown_key"


def test_wrong_typ(codec, keys) -> None:
    key = keys.current().active
    token = jwt.encode(claims_of(issue(codec)), key.private_key, algorithm="ES256",
                       headers={"kid": key.kid, "typ": "JWT"})
    assert rejected(codec, token) == "token_type"


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"])
def test_every_registered_claim_is_required(codec, keys, claim) -> None:
    key = keys.current().active
    payload = claims_of(issue(codec))
    del payload[claim]
    token = jwt.encode(payload, key.private_key, algorithm="ES256", headers={"kid": key.kid, "typ": "at+jwt"})
    assert rejected(codec, token) in ("token_claims", "token_audience", "token_issuer")


def test_overlong_lifetime_is_refused_even_if_signed(codec, keys) -> None:
    key = keys.current().active
    payload = {**claims_of(issue(codec)), "exp": int(NOW.timestamp()) + 24 * 3600}
    token = jwt.encode(payload, key.private_key, algorithm="ES256", headers={"kid": key.kid, "typ": "at+jwt"})
    assert rejected(codec, token) == "token_lifetime"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "e30.e30.", "x" * 5000])
def test_garbage(codec, garbage) -> None:
    assert rejected(codec, garbage) in ("token_malformed", "token_algorithm")


def test_rotation_new_key_signs_previous_still_verifies() -> None:
    first = new_key_entry()
    source = StaticKeySource(KeySet.from_document({"active": first["kid"], "keys": [first]}))
    codec = JwtCodec(source, issuer=ISSUER, audience=AUDIENCE, ttl=timedelta(minutes=15))
    old_token = issue(codec)
    second = new_key_entry()
    source.replace(KeySet.from_document({"active": second["kid"], "keys": [second, first]}))
    new_token = issue(codec)
    assert jwt.get_unverified_header(new_token)["kid"] == second["kid"]
    assert codec.verify(old_token, NOW).subject == codec.verify(new_token, NOW).subject
    source.replace(KeySet.from_document({"active": second["kid"], "keys": [second]}))
    assert rejected(codec, old_token) == "token_unknown_key"


class FakeSecrets:
    def __init__(self, doc: dict) -> None:
        self.doc = doc
        self.reads = 0

    def get_secret_value(self, SecretId: str) -> dict:  # noqa: N803 - boto3's name
        self.reads += 1
        return {"SecretString": json.dumps(self.doc)}


def test_secret_key_source_caches_and_reloads_for_a_new_kid_at_most_every_so_often() -> None:
    first = new_key_entry()
    secrets = FakeSecrets({"active": first["kid"], "keys": [first]})
    ticks = [0.0]
    source = SecretsManagerKeySource(secrets, "arn", ttl=300, min_reload=30, monotonic=lambda: ticks[0])
    assert source.current().active.kid == first["kid"] and secrets.reads == 1
    source.current()
    assert secrets.reads == 1
    second = new_key_entry()
    secrets.doc = {"active": second["kid"], "keys": [second, first]}
    assert second["kid"] not in source.reload_for(second["kid"]).keys  # too soon after the last read
    ticks[0] = 31
    assert second["kid"] in source.reload_for(second["kid"]).keys and secrets.reads == 2
    ticks[0] = 40
    source.reload_for("forged-kid")  # within min_reload again: no read
    assert secrets.reads == 2
    ticks[0] = 400
    source.current()
    assert secrets.reads == 3


def test_an_empty_key_set_is_an_error() -> None:
    with pytest.raises(KeySetError):
        KeySet.from_document({"active": None, "keys": []})

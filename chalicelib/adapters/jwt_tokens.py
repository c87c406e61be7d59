"""Access tokens: ES256 JWTs signed with a key set from the stage's secret store.

The key set is a JSON document in Secrets Manager (``maeul/<stage>/jwt-keys``,
created by ``infra/``, filled by ``scripts/jwt-keys``)::

    {"active": "<kid>", "keys": [{"kid", "alg": "ES256", "private_pem", "created_at"}, ...]}

The active key signs; every key in the set verifies, so after a rotation the
previous key keeps verifying the tokens it signed until they expire.

Decoding follows RFC 8725: the algorithm is pinned (never read from the
token), the ``kid`` must name a key of the set, the header ``typ`` must be
``at+jwt``, and ``exp``, ``iat``, ``nbf``, ``iss``, ``aud``, ``sub``, ``jti``
are all required. Times are checked against the app's clock (a port), not the
machine's, so tests with a fixed clock see real expiry rules.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib.domain.identity import Provider, Role
from chalicelib.domain.sessions import AccessClaims, TokenRejectedError

ALGORITHM = "ES256"
TOKEN_TYPE = "at+jwt"
LOGIN_TYPE = "login+jwt"  # the signed login cookie of a pending sign-in (services/login.py)
LOGIN_AUDIENCE_SUFFIX = "#login"
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]
CLOCK_SKEW_SECONDS = 30


class KeySetError(RuntimeError):
    """The key set is missing, empty or unreadable: no token can be issued."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()


@dataclass(frozen=True)
class KeySet:
    active: SigningKey
    keys: Mapping[str, SigningKey]

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> KeySet:
        keys: dict[str, SigningKey] = {}
        for entry in doc.get("keys") or []:
            if entry.get("alg") != ALGORITHM:
                continue
            try:
                private = serialization.load_pem_private_key(entry["private_pem"].encode("ascii"), None)
            except (KeyError, ValueError, TypeError) as exc:
                raise KeySetError(f"key {entry.get('kid')!r} is unreadable") from exc
            if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
                raise KeySetError(f"key {entry.get('kid')!r} is not a P-256 key")
            keys[str(entry["kid"])] = SigningKey(str(entry["kid"]), private)
        active = doc.get("active")
        if not keys or active not in keys:
            raise KeySetError("the JWT key set has no active ES256 key; run scripts/jwt-keys rotate <stage>")
        return cls(keys[active], keys)


def new_key_entry(now: datetime | None = None) -> dict[str, str]:
    """A fresh P-256 key as a key-set entry (used by ``scripts/jwt-keys``)."""
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return {"kid": f"k{moment:%Y%m%d%H%M%S}-{secrets.token_hex(3)}", "alg": ALGORITHM,
            "private_pem": pem, "created_at": moment.isoformat(timespec="seconds")}


class KeySource(Protocol):
    def current(self) -> KeySet: ...

    def reload_for(self, kid: str) -> KeySet:
        """The key set again, re-read if ``kid`` is unknown and the copy is not brand new."""
        ...


class StaticKeySource:
    """A fixed key set (unit and functional tests)."""

    def __init__(self, key_set: KeySet) -> None:
        self._key_set = key_set

    @classmethod
    def generate(cls, count: int = 1) -> StaticKeySource:
        entries = [new_key_entry() for _ in range(count)]
        return cls(KeySet.from_document({"active": entries[-1]["kid"], "keys": entries}))

    def current(self) -> KeySet:
        return self._key_set

    def reload_for(self, kid: str) -> KeySet:
        return self._key_set

    def replace(self, key_set: KeySet) -> None:
        self._key_set = key_set


class SecretsManagerKeySource:
    """The key set from Secrets Manager, cached per container.

    Re-read every ``ttl`` seconds, and on meeting an unknown ``kid`` (another
    container may have seen a rotation first) at most once per ``min_reload``
    seconds, so forged kids cannot turn into a flood of secret reads.
    """

    def __init__(self, client: Any, secret_id: str, *, ttl: float = 300.0, min_reload: float = 30.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if not secret_id:
            raise KeySetError("no JWT key secret is configured (MAEUL_JWT_KEYS_SECRET_ARN)")
        self._client = client
        self._secret_id = secret_id
        self._ttl = ttl
        self._min_reload = min_reload
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cached: KeySet | None = None
        self._loaded_at = 0.0

    def _load(self) -> KeySet:
        raw = self._client.get_secret_value(SecretId=self._secret_id)["SecretString"]
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise KeySetError("the JWT key secret is not JSON") from exc
        self._cached = KeySet.from_document(doc)
        self._loaded_at = self._monotonic()
        return self._cached

    def current(self) -> KeySet:
        with self._lock:
            if self._cached is None or self._monotonic() - self._loaded_at >= self._ttl:
                return self._load()
            return self._cached

    def reload_for(self, kid: str) -> KeySet:
        with self._lock:
            if self._cached is not None and (kid in self._cached.keys
                                             or self._monotonic() - self._loaded_at < self._min_reload):
                return self._cached
            return self._load()


class JwtCodec:
    def __init__(self, keys: KeySource, *, issuer: str, audience: str, ttl: timedelta) -> None:
        if ttl > timedelta(minutes=15):
            raise ValueError("access tokens live at most 15 minutes")
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl

    def issue(self, *, subject: str, role: Role, provider: Provider, session_id: str,
              attorney_id: str | None, now: datetime) -> tuple[str, datetime]:
        key = self._keys.current().active
        issued = int(now.timestamp())
        expires = issued + int(self._ttl.total_seconds())
        claims: dict[str, Any] = {
            "iss": self._issuer, "aud": self._audience, "sub": subject, "iat": issued, "nbf": issued,
            "exp": expires, "jti": secrets.token_urlsafe(12), "sid": session_id, "role": role.value,
            "prv": provider.value,
        }
        if attorney_id:
            claims["att"] = attorney_id
        token = jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                           headers={"kid": key.kid, "typ": TOKEN_TYPE})
        return token, datetime.fromtimestamp(expires, UTC)

    def seal_login(self, payload: Mapping[str, str], now: datetime, ttl: timedelta) -> str:
        """A pending sign-in, signed for the browser's login cookie (typ ``login+jwt``: never an
        access token, and an access token is never one of these)."""
        key = self._keys.current().active
        issued = int(now.timestamp())
        claims = {**payload, "iss": self._issuer, "aud": self._audience + LOGIN_AUDIENCE_SUFFIX,
                  "iat": issued, "exp": issued + int(ttl.total_seconds())}
        return jwt.encode(claims, key.private_key, algorithm=ALGORITHM,
                          headers={"kid": key.kid, "typ": LOGIN_TYPE})

    def open_login(self, token: str, now: datetime) -> dict[str, Any]:
        """The payload of a login cookie we signed that has not expired; ``TokenRejectedError`` otherwise."""
        if not token or len(token) > 4096:
            raise TokenRejectedError("login_malformed")
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            if header.get("alg") != ALGORITHM or header.get("typ") != LOGIN_TYPE or not isinstance(kid, str):
                raise TokenRejectedError("login_malformed")
            keys = self._keys.current()
            if kid not in keys.keys:
                keys = self._keys.reload_for(kid)
            if kid not in keys.keys:
                raise TokenRejectedError("login_unknown_key")
            claims = jwt.decode(token, keys.keys[kid].public_key, algorithms=[ALGORITHM],
                                audience=self._audience + LOGIN_AUDIENCE_SUFFIX, issuer=self._issuer,
                                options={"require": ["exp", "iat", "iss", "aud"], "verify_exp": False,
                                         "verify_iat": False, "verify_nbf": False})
        except jwt.PyJWTError:
            raise TokenRejectedError("login_malformed") from None
        if now.timestamp() >= float(claims["exp"]):
            raise TokenRejectedError("login_expired")
        return claims

    def verify(self, token: str, now: datetime) -> AccessClaims:
        """The claims of a token we issued and that is valid at ``now``; ``TokenRejectedError`` otherwise."""
        if not token or len(token) > 4096:
            raise TokenRejectedError("token_malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenRejectedError("token_malformed") from None
        if header.get("alg") != ALGORITHM:
            raise TokenRejectedError("token_algorithm")
        if header.get("typ") != TOKEN_TYPE:
            raise TokenRejectedError("token_type")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejectedError("token_unknown_key")
        keys = self._keys.current()
        if kid not in keys.keys:
            keys = self._keys.reload_for(kid)
            if kid not in keys.keys:
                raise TokenRejectedError("token_unknown_key")
        try:
            decoded = jwt.decode_complete(
                token, keys.keys[kid].public_key, algorithms=[ALGORITHM], audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS, "strict_aud": True, "verify_signature": True,
                         # times are checked below against the app's clock
                         "verify_exp": False, "verify_nbf": False, "verify_iat": False})
        except jwt.InvalidSignatureError:
            raise TokenRejectedError("token_signature") from None
        except jwt.InvalidAudienceError:
            raise TokenRejectedError("token_audience") from None
        except jwt.InvalidIssuerError:
            raise TokenRejectedError("token_issuer") from None
        except jwt.MissingRequiredClaimError:
            raise TokenRejectedError("token_claims") from None
        except jwt.PyJWTError:
            raise TokenRejectedError("token_malformed") from None
        claims = decoded["payload"]
        moment = now.timestamp()
        try:
            exp, nbf, iat = (float(claims[k]) for k in ("exp", "nbf", "iat"))
            if any(isinstance(claims[k], bool) for k in ("exp", "nbf", "iat")):
                raise TypeError
        except (TypeError, ValueError):
            raise TokenRejectedError("token_claims") from None
        if moment >= exp:
            raise TokenRejectedError("token_expired")
        if nbf > moment + CLOCK_SKEW_SECONDS or iat > moment + CLOCK_SKEW_SECONDS:
            raise TokenRejectedError("token_not_yet_valid")
        if exp - iat > self._ttl.total_seconds() + CLOCK_SKEW_SECONDS:
            raise TokenRejectedError("token_lifetime")
        try:
            return AccessClaims(subject=str(claims["sub"]), role=Role(claims["role"]),
                                provider=Provider(claims["prv"]), session_id=str(claims["sid"]),
                                attorney_id=claims.get("att"),
                                expires_at=datetime.fromtimestamp(exp, UTC))
        except (KeyError, ValueError):
            raise TokenRejectedError("token_claims") from None

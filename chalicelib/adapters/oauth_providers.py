"""Kakao Login and Naver Login: the server side of the authorization-code flow.

Each client builds its authorize URL and turns a returned ``code`` into a
``ProviderIdentity`` (token request, then the user-info request). The
provider's access token is used once and dropped: we keep no provider tokens.

Every failure -- an OAuth ``error`` body (Naver sends those with HTTP 200), a
5xx, a timeout, an unreadable or truncated answer, a user-info answer without
an id -- becomes ``ProviderError`` with a short reason. Nothing logged or
raised here ever carries a code, a token or a secret: provider error bodies
are reduced to their ``error`` / ``error_code`` identifiers.

The base URLs are settings (the dev identity provider serves both providers'
real paths locally); the HTTP transport is injected (``urllib`` by default).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from chalicelib.domain.identity import Provider
from chalicelib.domain.login import ProviderError, ProviderIdentity
from chalicelib.logs import logger

MAX_RESPONSE_BYTES = 64 * 1024
_IDENT_RE = re.compile(r"[A-Za-z0-9_.-]{1,40}")


@dataclass(frozen=True)
class HttpResult:
    status: int
    body: bytes


class HttpTransport(Protocol):
    def __call__(self, method: str, url: str, *, headers: Mapping[str, str],
                 form: Mapping[str, str] | None, timeout: float) -> HttpResult: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # a provider API never redirects
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urllib_transport(method: str, url: str, *, headers: Mapping[str, str],
                     form: Mapping[str, str] | None, timeout: float) -> HttpResult:
    data = urlencode(form).encode("utf-8") if form is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResult(response.status, response.read(MAX_RESPONSE_BYTES + 1))
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read(MAX_RESPONSE_BYTES + 1)
        finally:
            exc.close()
        return HttpResult(exc.code, body)
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise ProviderError("We could not reach the sign-in service. Please try again in a moment.",
                            reason="provider_unreachable") from exc


def _identifier(value: object) -> str:
    """A provider error identifier, safe to log (never free text)."""
    text = str(value) if value is not None else ""
    return text if _IDENT_RE.fullmatch(text) else "unrecognised"


class OAuthClient:
    """What both providers share: the authorization URL, form POST for the token, Bearer GET for the user."""

    provider: Provider
    authorize_path = ""
    token_path = ""
    userinfo_path = ""
    pkce = True  # the authorization request carries an S256 code challenge

    def __init__(self, *, auth_base_url: str, api_base_url: str, client_id: str,
                 client_secret: Callable[[], str], transport: HttpTransport = urllib_transport,
                 timeout: float = 5.0) -> None:
        self._auth = auth_base_url.rstrip("/")
        self._api = api_base_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self._transport = transport
        self._timeout = timeout

    # -- the two requests ---------------------------------------------------

    def _fail(self, step: str, reason: str, **fields: object) -> ProviderError:
        logger().warning("sign-in provider failed", extra={
            "provider": self.provider.value, "step": step, "reason": reason,
            **{k: _identifier(v) for k, v in fields.items()}})
        return ProviderError("The sign-in service did not complete your sign-in. Please try again, "
                             "or call {phone}.", reason=reason)

    def _json(self, step: str, result: HttpResult) -> dict[str, Any]:
        if len(result.body) > MAX_RESPONSE_BYTES:
            raise self._fail(step, "provider_bad_response", status=result.status)
        try:
            doc = json.loads(result.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise self._fail(step, "provider_bad_response", status=result.status) from None
        if not isinstance(doc, dict):
            raise self._fail(step, "provider_bad_response", status=result.status)
        return doc

    def _token(self, form: dict[str, str]) -> str:
        result = self._transport("POST", self._auth + self.token_path, form=form, timeout=self._timeout,
                                 headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8",
                                          "Accept": "application/json"})
        if result.status >= 500:
            raise self._fail("token", "provider_unavailable", status=result.status)
        doc = self._json("token", result)
        if "error" in doc or result.status != 200:
            raise self._fail("token", "provider_token_error", status=result.status,
                             error=doc.get("error"), error_code=doc.get("error_code"))
        token = doc.get("access_token")
        if not isinstance(token, str) or not token:
            raise self._fail("token", "provider_bad_response", status=result.status)
        return token

    def _userinfo(self, access_token: str) -> dict[str, Any]:
        result = self._transport("GET", self._api + self.userinfo_path, form=None, timeout=self._timeout,
                                 headers={"Authorization": f"Bearer {access_token}",
                                          "Accept": "application/json"})
        if result.status >= 500:
            raise self._fail("userinfo", "provider_unavailable", status=result.status)
        if result.status != 200:
            raise self._fail("userinfo", "provider_userinfo_error", status=result.status)
        return self._json("userinfo", result)

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str,
                      login_hint: str | None = None) -> str:
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
                  "state": state}
        if self.pkce:
            params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        if login_hint:
            params["login_hint"] = login_hint
        return f"{self._auth}{self.authorize_path}?{urlencode(params)}"

    def identify(self, *, code: str, redirect_uri: str, state: str, code_verifier: str) -> ProviderIdentity:
        raise NotImplementedError


class KakaoClient(OAuthClient):
    provider = Provider.KAKAO
    authorize_path = "/oauth/authorize"
    token_path = "/oauth/token"
    userinfo_path = "/v2/user/me"

    def identify(self, *, code: str, redirect_uri: str, state: str, code_verifier: str) -> ProviderIdentity:
        token = self._token({"grant_type": "authorization_code", "client_id": self.client_id,
                             "redirect_uri": redirect_uri, "code": code, "client_secret": self._secret(),
                             "code_verifier": code_verifier})
        doc = self._userinfo(token)
        raw_id = doc.get("id")
        # Kakao ids are integers of up to 19 digits: kept as their decimal string.
        if isinstance(raw_id, bool) or not isinstance(raw_id, (int, str)) or not str(raw_id).isdigit():
            raise self._fail("userinfo", "provider_bad_identity")
        found = doc.get("kakao_account")
        account: dict[str, Any] = found if isinstance(found, dict) else {}
        found = account.get("profile")
        profile: dict[str, Any] = found if isinstance(found, dict) else {}
        name = _text(account.get("name")) or _text(profile.get("nickname"))
        return ProviderIdentity(Provider.KAKAO, str(raw_id), name=name,
                                phone=normalise_phone(account.get("phone_number")))


    def unlink(self, user_id: str, admin_key: str) -> bool:
        """Disconnect Maeul from the user's Kakao account with the app's admin key (the user is
        leaving Maeul; no user token is kept). True when Kakao confirmed it."""
        result = self._transport("POST", self._api + "/v1/user/unlink", timeout=self._timeout,
                                 form={"target_id_type": "user_id", "target_id": user_id},
                                 headers={"Authorization": f"KakaoAK {admin_key}",
                                          "Content-Type": "application/x-www-form-urlencoded;charset=utf-8"})
        if result.status != 200:
            raise self._fail("unlink", "provider_unlink_error", status=result.status)
        return str(self._json("unlink", result).get("id")) == user_id


class NaverClient(OAuthClient):
    provider = Provider.NAVER
    authorize_path = "/oauth2.0/authorize"
    token_path = "/oauth2.0/token"
    userinfo_path = "/v1/nid/me"
    pkce = False  # Naver has no PKCE; its token request carries the state instead

    def identify(self, *, code: str, redirect_uri: str, state: str, code_verifier: str) -> ProviderIdentity:
        token = self._token({"grant_type": "authorization_code", "client_id": self.client_id,
                             "client_secret": self._secret(), "code": code, "state": state})
        doc = self._userinfo(token)
        if doc.get("resultcode") != "00" or not isinstance(doc.get("response"), dict):
            raise self._fail("userinfo", "provider_userinfo_error", resultcode=doc.get("resultcode"))
        person = doc["response"]
        raw_id = person.get("id")
        if not isinstance(raw_id, str) or not raw_id:
            raise self._fail("userinfo", "provider_bad_identity")
        name = _text(person.get("name")) or _text(person.get("nickname"))
        phone = normalise_phone(person.get("mobile_e164")) or normalise_phone(person.get("mobile"))
        return ProviderIdentity(Provider.NAVER, raw_id, name=name, phone=phone)


def _text(value: object, limit: int = 100) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value[:limit] if value and value.isprintable() else None


def normalise_phone(value: object) -> str | None:
    """``+82 10-1234-5678`` / ``010-1234-5678`` / ``+821012345678`` → ``+821012345678``."""
    if not isinstance(value, str) or not value.strip():
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(value, "KR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

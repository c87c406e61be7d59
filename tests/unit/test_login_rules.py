"""Sign-in rules without servers: return paths, roles, PKCE, invite codes, provider answers."""

from __future__ import annotations

import json

import pytest

from chalicelib.adapters.oauth_providers import HttpResult, KakaoClient, NaverClient, normalise_phone
from chalicelib.domain.identity import Role
from chalicelib.domain.login import HOME, ProviderError, UnsafeNextError, landing_path, role_for, safe_next
from chalicelib.domain.users import format_invite_code, new_invite_code, normalise_invite_code
from chalicelib.services.login import pkce_challenge, pkce_verifier


@pytest.mark.parametrize("path", ["/", "/api/me", "/consultations/new?step=2#top", "/a%20b", "/%E3%85%8E"])
def test_same_origin_paths_are_accepted(path) -> None:
    assert safe_next(path) == path


def test_no_next_means_the_persons_own_home() -> None:
    assert safe_next(None) == HOME and safe_next("") == HOME
    assert landing_path(HOME, Role.RESIDENT) == "/consultations"
    assert landing_path(HOME, Role.ATTORNEY) == "/attorney"
    assert landing_path(HOME, Role.ADMIN) == "/admin"
    # an asked-for path wins over the home, whatever the role
    assert landing_path("/", Role.ATTORNEY) == "/"
    assert landing_path("/me", Role.ADMIN) == "/me"


def test_the_home_marker_is_never_a_path_a_browser_could_send() -> None:
    with pytest.raises(UnsafeNextError):
        safe_next(HOME)


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example", "evil.example",
    "javascript:alert(1)", "/%2F%2Fevil.example", "/%5cevil.example", "/ok\nLocation: x", "/a b",
    "http:/evil.example", "/" + "a" * 600, "\t/x",
])
def test_foreign_or_tricky_next_is_refused(target) -> None:
    with pytest.raises(UnsafeNextError):
        safe_next(target)


def test_roles_admin_over_attorney_over_resident() -> None:
    admins = {"kakao:1"}
    assert role_for("kakao:1", admins, "att-001") is Role.ADMIN
    assert role_for("kakao:2", admins, "att-001") is Role.ATTORNEY
    assert role_for("kakao:2", admins, None) is Role.RESIDENT


def test_pkce_verifier_is_rfc7636_shaped_and_bound_to_nonce_and_state() -> None:
    verifier = pkce_verifier("n" * 43, "state-1")
    assert len(verifier) == 43 and verifier.replace("-", "").replace("_", "").isalnum()
    assert verifier != pkce_verifier("m" * 43, "state-1") != pkce_verifier("n" * 43, "state-2")
    assert len(pkce_challenge(verifier)) == 43


def test_invite_codes_are_typed_back_forgivingly() -> None:
    code = new_invite_code()
    shown = format_invite_code(code)
    assert shown.count("-") == 3
    assert normalise_invite_code(shown.lower().replace("-", " ")) == code
    assert normalise_invite_code("short") is None
    assert normalise_invite_code("I" * 16) is None  # no look-alike letters


@pytest.mark.parametrize("raw,expected", [("+82 10-1234-5678", "+821012345678"), ("010-1234-5678", "+821012345678"),
                                          ("+821012345678", "+821012345678"), ("nonsense", None), (None, None)])
def test_phone_numbers_are_normalised(raw, expected) -> None:
    assert normalise_phone(raw) == expected


class Transport:
    """Answers by path; remembers what was sent."""

    def __init__(self, answers: dict[str, HttpResult]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, str, dict, dict | None]] = []

    def __call__(self, method, url, *, headers, form, timeout):
        self.sent.append((method, url, dict(headers), dict(form) if form else None))
        for path, result in self.answers.items():
            if url.endswith(path):
                return result
        raise AssertionError(url)


def ok(doc: object) -> HttpResult:
    return HttpResult(200, json.dumps(doc).encode())


KAKAO_USER = {"id": 9223372036854775807, "kakao_account": {"name": "홍길동", "phone_number": "+82 10-1234-5678",
                                                          "profile": {"nickname": "길동"}}}


def kakao(transport) -> KakaoClient:
    return KakaoClient(auth_base_url="http://idp", api_base_url="http://api", client_id="cid",
                       client_secret=lambda: "sekret", transport=transport)


def naver(transport) -> NaverClient:
    return NaverClient(auth_base_url="http://idp", api_base_url="http://api", client_id="cid",
                       client_secret=lambda: "sekret", transport=transport)


def test_kakao_sends_secret_and_verifier_and_keeps_a_19_digit_id_exact() -> None:
    transport = Transport({"/oauth/token": ok({"access_token": "AT", "token_type": "bearer"}),
                           "/v2/user/me": ok(KAKAO_USER)})
    who = kakao(transport).identify(code="C", redirect_uri="http://app/cb", state="S", code_verifier="V" * 43)
    assert who.subject == "kakao:9223372036854775807" and who.name == "홍길동" and who.phone == "+821012345678"
    form = transport.sent[0][3]
    assert form == {"grant_type": "authorization_code", "client_id": "cid", "redirect_uri": "http://app/cb",
                    "code": "C", "client_secret": "sekret", "code_verifier": "V" * 43}
    assert transport.sent[1][2]["Authorization"] == "Bearer AT"


def test_naver_sends_state_reads_resultcode_and_string_expiry() -> None:
    transport = Transport({"/oauth2.0/token": ok({"access_token": "A+b/c", "expires_in": "3600"}),
                           "/v1/nid/me": ok({"resultcode": "00", "message": "success",
                                             "response": {"id": "abc_DEF-123", "nickname": "n",
                                                          "mobile": "010-1234-5678"}})})
    who = naver(transport).identify(code="C", redirect_uri="x", state="S", code_verifier="")
    assert who.subject == "naver:abc_DEF-123" and who.name == "n" and who.phone == "+821012345678"
    assert transport.sent[0][3]["state"] == "S" and transport.sent[1][2]["Authorization"] == "Bearer A+b/c"


@pytest.mark.parametrize("token_answer,reason", [
    (HttpResult(401, b'{"error":"invalid_client","error_code":"KOE010"}'), "provider_token_error"),
    (HttpResult(400, b'{"error":"invalid_grant","error_description":"code C not found"}'), "provider_token_error"),
    (HttpResult(500, b"<html>500</html>"), "provider_unavailable"),
    (HttpResult(200, b'{"access_token": "trunc'), "provider_bad_response"),
    (HttpResult(200, b"[]"), "provider_bad_response"),
    (HttpResult(200, b'{"token_type": "bearer"}'), "provider_bad_response"),
])
def test_kakao_token_failures(token_answer, reason) -> None:
    transport = Transport({"/oauth/token": token_answer, "/v2/user/me": ok(KAKAO_USER)})
    with pytest.raises(ProviderError) as caught:
        kakao(transport).identify(code="C", redirect_uri="x", state="S", code_verifier="V" * 43)
    assert caught.value.reason == reason
    assert "C" not in caught.value.message.split() and "sekret" not in caught.value.message


def test_naver_error_with_http_200_is_a_failure() -> None:
    transport = Transport({"/oauth2.0/token": ok({"error": "invalid_request",
                                                  "error_description": "client authentication failed"})})
    with pytest.raises(ProviderError) as caught:
        naver(transport).identify(code="C", redirect_uri="x", state="S", code_verifier="")
    assert caught.value.reason == "provider_token_error"


@pytest.mark.parametrize("user,reason", [
    ({"resultcode": "024", "message": "Authentication failed"}, "provider_userinfo_error"),
    ({"resultcode": "00", "response": {"name": "no id"}}, "provider_bad_identity"),
])
def test_naver_userinfo_failures(user, reason) -> None:
    transport = Transport({"/oauth2.0/token": ok({"access_token": "A"}), "/v1/nid/me": ok(user)})
    with pytest.raises(ProviderError) as caught:
        naver(transport).identify(code="C", redirect_uri="x", state="S", code_verifier="")
    assert caught.value.reason == reason


@pytest.mark.parametrize("user", [{"id": True}, {"id": "12a"}, {"id": None}, {}])
def test_kakao_user_without_a_numeric_id_is_refused(user) -> None:
    transport = Transport({"/oauth/token": ok({"access_token": "A"}), "/v2/user/me": ok(user)})
    with pytest.raises(ProviderError):
        kakao(transport).identify(code="C", redirect_uri="x", state="S", code_verifier="V" * 43)


def test_authorize_urls_carry_state_and_pkce_for_kakao_only() -> None:
    k = kakao(Transport({})).authorize_url(redirect_uri="http://app/auth/kakao/callback", state="S1",
                                          code_challenge="C" * 43)
    assert "code_challenge=" + "C" * 43 in k and "code_challenge_method=S256" in k and "state=S1" in k
    n = naver(Transport({})).authorize_url(redirect_uri="http://app/auth/naver/callback", state="S2",
                                          code_challenge="C" * 43)
    assert "state=S2" in n and "code_challenge" not in n and n.startswith("http://idp/oauth2.0/authorize?")
    assert "redirect_uri=http%3A%2F%2Fapp%2Fauth%2Fkakao%2Fcallback" in k

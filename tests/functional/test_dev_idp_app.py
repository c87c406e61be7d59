"""The dev IdP's blueprints keep their state per app: two apps in one process share nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from devtools.idp.server import Config, create_app

KAKAO_ID = "maeul-local-kakao"
KAKAO_SECRET = "maeul-local-kakao-secret"
REDIRECT = "http://127.0.0.1:8000/auth/kakao/callback"


def _code(client) -> str:
    resp = client.get("/oauth/authorize", query_string={
        "client_id": KAKAO_ID, "redirect_uri": REDIRECT, "response_type": "code",
        "state": "s", "login_hint": "admin",
    })
    assert resp.status_code == 302
    return parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]


def _redeem(client, code: str):
    return client.post("/oauth/token", data={
        "grant_type": "authorization_code", "client_id": KAKAO_ID,
        "client_secret": KAKAO_SECRET, "redirect_uri": REDIRECT, "code": code,
    })


def test_two_apps_have_their_own_codes_tokens_and_faults():
    first = create_app(Config.from_env({})).test_client()
    second = create_app(Config.from_env({"IDP_SLOW_SECONDS": "7"})).test_client()

    code = _code(first)
    assert _redeem(second, code).get_json()["error"] == "invalid_grant"
    token = _redeem(first, code).get_json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert first.get("/v2/user/me", headers=bearer).status_code == 200
    assert second.get("/v2/user/me", headers=bearer).status_code == 401
    assert [c["account"] for c in first.get("/__dev/connections").get_json()["connections"]] == ["admin"]
    assert second.get("/__dev/connections").get_json() == {"connections": []}

    first.post("/__dev/faults", json={"token": "error500"})
    assert _redeem(first, _code(first)).status_code == 500
    assert _redeem(second, _code(second)).status_code == 200
    assert second.get("/__dev/faults").get_json() == {"token": None, "userinfo": None, "slow_seconds": 7.0}


def test_login_page_escapes_what_the_request_carries():
    client = create_app(Config.from_env({})).test_client()
    page = client.get("/oauth/authorize", query_string={
        "client_id": KAKAO_ID, "redirect_uri": REDIRECT, "response_type": "code",
        "state": "<script>'x'</script>", "login_hint": "<b>",
    }).get_data(as_text=True)
    assert "<script>" not in page and "<b>" not in page
    assert 'value="&lt;script&gt;&#x27;x&#x27;&lt;/script&gt;"' in page
    assert 'name="account" value="&lt;b&gt;"' in page

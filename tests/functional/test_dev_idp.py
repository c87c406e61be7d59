"""Functional tests of the dev identity provider (devtools/idp), run as a real subprocess."""

from __future__ import annotations

import base64
import hashlib
import os
import queue
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from devtools.idp import accounts

REPO_ROOT = Path(__file__).resolve().parents[2]

KAKAO_ID = "maeul-local-kakao"
KAKAO_SECRET = "maeul-local-kakao-secret"
NAVER_ID = "maeul-local-naver"
NAVER_SECRET = "maeul-local-naver-secret"
OTHER_NAVER_ID = "maeul-other-naver"
OTHER_NAVER_SECRET = "maeul-other-naver-secret"

TIMEOUT = 10


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Idp:
    def __init__(self, proc: subprocess.Popen, base: str, app_base: str, lines: queue.Queue):
        self.proc = proc
        self.base = base
        self.app_base = app_base
        self.kakao_redirect = f"{app_base}/auth/kakao/callback"
        self.naver_redirect = f"{app_base}/auth/naver/callback"
        self.stderr_lines = lines

    def url(self, path: str) -> str:
        return self.base + path

    def get(self, path: str, **kw) -> requests.Response:
        return requests.get(self.url(path), allow_redirects=False, timeout=TIMEOUT, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return requests.post(self.url(path), allow_redirects=False, timeout=TIMEOUT, **kw)


def _start_idp() -> Idp:
    app_port = _free_port()  # nothing listens there: redirects are never followed
    app_base = f"http://127.0.0.1:{app_port}"
    env = dict(os.environ)
    env.update(
        PYTHONUNBUFFERED="1",
        IDP_REDIRECT_URIS=f"{app_base}/auth/kakao/callback,{app_base}/auth/naver/callback",
        IDP_EXTRA_CLIENTS=f"naver:{OTHER_NAVER_ID}:{OTHER_NAVER_SECRET}",
    )
    for name in ("KAKAO_CLIENT_ID", "KAKAO_CLIENT_SECRET", "NAVER_CLIENT_ID",
                 "NAVER_CLIENT_SECRET", "MAEUL_IDP_PORT"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.idp", "--host", "127.0.0.1", "--port", "0"],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout_lines: queue.Queue = queue.Queue()
    stderr_lines: queue.Queue = queue.Queue()

    def pump(stream, sink):
        for line in stream:
            sink.put(line)

    threading.Thread(target=pump, args=(proc.stdout, stdout_lines), daemon=True).start()
    threading.Thread(target=pump, args=(proc.stderr, stderr_lines), daemon=True).start()

    try:
        line = stdout_lines.get(timeout=20)
    except queue.Empty:
        proc.kill()
        pytest.fail("dev IdP did not print its ready line")
    match = re.fullmatch(r"dev identity provider listening on (http://127\.0\.0\.1:\d+)\n", line)
    assert match, line
    base = match.group(1)
    deadline = time.monotonic() + 20
    while True:
        try:
            if requests.get(base + "/health", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("dev IdP /health never answered")
        time.sleep(0.1)
    return Idp(proc, base, app_base, stderr_lines)


def _stop_idp(idp: Idp) -> int:
    idp.proc.send_signal(signal.SIGTERM)
    try:
        return idp.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        idp.proc.kill()
        idp.proc.wait()
        raise


@pytest.fixture(scope="module")
def idp_server():
    server = _start_idp()
    try:
        yield server
    finally:
        _stop_idp(server)


@pytest.fixture
def idp(idp_server):
    """The shared server, with every fault switch reset after each test."""
    yield idp_server
    if idp_server.proc.poll() is None:
        requests.delete(idp_server.url("/__dev/faults"), timeout=TIMEOUT)
        requests.post(idp_server.url("/__dev/faults"), json={"slow_seconds": 30}, timeout=TIMEOUT)


# --------------------------------------------------------------------------
# helpers


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query, keep_blank_values=True).items()}


def _assert_redirect_to(resp: requests.Response, redirect_uri: str) -> dict[str, str]:
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    assert location.split("?", 1)[0] == redirect_uri
    return _query(location)


def _kakao_code(idp: Idp, account="admin", state="st-1", challenge=None, **extra) -> str:
    params = {
        "client_id": KAKAO_ID,
        "redirect_uri": idp.kakao_redirect,
        "response_type": "code",
        "state": state,
        "login_hint": account,
        **extra,
    }
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    query = _assert_redirect_to(idp.get("/oauth/authorize", params=params), idp.kakao_redirect)
    assert query["state"] == state
    return query["code"]


def _kakao_token(idp: Idp, code: str, **overrides) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "client_id": KAKAO_ID,
        "client_secret": KAKAO_SECRET,
        "redirect_uri": idp.kakao_redirect,
        "code": code,
    }
    data.update(overrides)
    return idp.post("/oauth/token", data={k: v for k, v in data.items() if v is not None})


def _naver_code(idp: Idp, account="admin", state="nst-1", client_id=NAVER_ID) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": idp.naver_redirect,
        "state": state,
        "login_hint": account,
    }
    query = _assert_redirect_to(idp.get("/oauth2.0/authorize", params=params), idp.naver_redirect)
    assert query["state"] == state
    return query["code"]


def _naver_token(idp: Idp, code: str, state="nst-1", client_id=NAVER_ID,
                 client_secret=NAVER_SECRET) -> requests.Response:
    return idp.post("/oauth2.0/token", data={
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "state": state,
    })


def _naver_login(idp: Idp, account: str, client_id=NAVER_ID, client_secret=NAVER_SECRET) -> dict:
    code = _naver_code(idp, account, client_id=client_id)
    resp = _naver_token(idp, code, client_id=client_id, client_secret=client_secret)
    assert resp.status_code == 200
    return resp.json()


# --------------------------------------------------------------------------
# basics


def test_health(idp):
    resp = idp.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_accounts_derivation_is_deterministic():
    ids = {name: accounts.kakao_id(name) for name in accounts.LISTED_ACCOUNTS}
    assert all(isinstance(v, int) and 0 < v < 10**19 for v in ids.values())
    assert any(len(str(v)) == 19 for v in ids.values())
    assert len(set(ids.values())) == len(ids)
    assert accounts.kakao_id("admin") == accounts.kakao_id("Admin")
    assert accounts.kakao_id("admin") == int.from_bytes(
        hashlib.sha256(b"admin").digest()[:8], "big") & ((1 << 63) - 1)
    assert accounts.email("attorney-001") == "attorney-001@example.invalid"
    assert re.fullmatch(r"\+82100000\d{4}", accounts.phone_e164("admin"))
    assert accounts.display_name("resident-kim") == "resident-kim"
    nid = accounts.naver_id("admin", NAVER_ID)
    assert len(nid) == 43 and nid == accounts.naver_id("admin", NAVER_ID)
    assert nid != accounts.naver_id("admin", OTHER_NAVER_ID)
    with pytest.raises(ValueError):
        accounts.kakao_id("no spaces allowed")


# --------------------------------------------------------------------------
# Kakao


def test_kakao_full_flow_with_login_hint_and_pkce(idp):
    verifier, challenge = _pkce()
    state = "s t+a/te=1&x=é"
    code = _kakao_code(idp, "attorney-001", state=state, challenge=challenge,
                       nonce="n-1", scope="profile_nickname,account_email")
    resp = _kakao_token(idp, code, code_verifier=verifier)
    assert resp.status_code == 200, resp.text
    token = resp.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 21599 and isinstance(token["expires_in"], int)
    assert token["refresh_token_expires_in"] == 5183999
    assert token["access_token"] and token["refresh_token"]
    assert token["scope"] == "profile_nickname account_email"
    assert resp.headers["Cache-Control"] == "no-store"

    headers = {"Authorization": f"Bearer {token['access_token']}"}
    me = idp.get("/v2/user/me", headers=headers)
    assert me.status_code == 200, me.text
    body = me.json()
    assert isinstance(body["id"], int) and body["id"] == accounts.kakao_id("attorney-001")
    assert len(str(body["id"])) == 19
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["connected_at"])
    acct = body["kakao_account"]
    assert acct["email"] == "attorney-001@example.invalid"
    assert acct["is_email_valid"] is True and acct["is_email_verified"] is True
    assert acct["profile"]["nickname"] == "attorney-001"
    assert acct["profile"]["is_default_image"] is True
    assert acct["name"] == "attorney-001"
    assert re.fullmatch(r"\+82 10-0000-\d{4}", acct["phone_number"])
    assert acct["phone_number"].replace(" ", "").replace("-", "") == accounts.phone_e164(
        "attorney-001")

    # POST works too, and the profile image is served locally.
    assert idp.post("/v2/user/me", headers=headers).json() == body
    image = requests.get(acct["profile"]["thumbnail_image_url"], timeout=TIMEOUT)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_kakao_without_pkce(idp):
    resp = _kakao_token(idp, _kakao_code(idp, "resident-lee"))
    assert resp.status_code == 200, resp.text


def test_kakao_code_reuse_is_invalid_grant(idp):
    code = _kakao_code(idp)
    assert _kakao_token(idp, code).status_code == 200
    again = _kakao_token(idp, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert again.json()["error_code"].startswith("KOE")


def test_kakao_unknown_code_is_invalid_grant(idp):
    resp = _kakao_token(idp, "not-a-code")
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_kakao_wrong_client_secret_is_invalid_client(idp):
    code = _kakao_code(idp)
    resp = _kakao_token(idp, code, client_secret="wrong")
    assert resp.status_code == 401
    body = resp.json()
    assert body["error"] == "invalid_client"
    assert set(body) == {"error", "error_description", "error_code"}
    # The client was not authenticated, so its code is still good.
    assert _kakao_token(idp, code).status_code == 200


def test_kakao_missing_client_secret_is_invalid_client(idp):
    resp = _kakao_token(idp, _kakao_code(idp), client_secret=None)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_kakao_unknown_client_id_is_invalid_client(idp):
    resp = _kakao_token(idp, _kakao_code(idp), client_id="someone-else")
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_kakao_wrong_pkce_verifier_is_invalid_grant(idp):
    _verifier, challenge = _pkce()
    other_verifier, _ = _pkce()
    resp = _kakao_token(idp, _kakao_code(idp, challenge=challenge), code_verifier=other_verifier)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_kakao_missing_pkce_verifier_is_invalid_grant(idp):
    _verifier, challenge = _pkce()
    resp = _kakao_token(idp, _kakao_code(idp, challenge=challenge))
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_kakao_token_redirect_uri_mismatch_is_invalid_grant(idp):
    resp = _kakao_token(idp, _kakao_code(idp), redirect_uri=idp.naver_redirect)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_kakao_token_needs_form_body(idp):
    code = _kakao_code(idp)
    resp = idp.post("/oauth/token", json={
        "grant_type": "authorization_code", "client_id": KAKAO_ID,
        "client_secret": KAKAO_SECRET, "redirect_uri": idp.kakao_redirect, "code": code,
    })
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"


def test_kakao_refresh_token(idp):
    token = _kakao_token(idp, _kakao_code(idp, "resident-kim")).json()
    resp = idp.post("/oauth/token", data={
        "grant_type": "refresh_token", "client_id": KAKAO_ID, "client_secret": KAKAO_SECRET,
        "refresh_token": token["refresh_token"],
    })
    assert resp.status_code == 200, resp.text
    fresh = resp.json()["access_token"]
    me = idp.get("/v2/user/me", headers={"Authorization": f"Bearer {fresh}"})
    assert me.json()["id"] == accounts.kakao_id("resident-kim")


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc"])
def test_kakao_user_me_bad_token(idp, header):
    headers = {"Authorization": header} if header else {}
    resp = idp.get("/v2/user/me", headers=headers)
    assert resp.status_code == 401
    assert resp.json() == {"msg": "this access token does not exist", "code": -401}


def test_kakao_naver_token_is_not_a_kakao_token(idp):
    naver = _naver_login(idp, "admin")
    resp = idp.get("/v2/user/me", headers={"Authorization": f"Bearer {naver['access_token']}"})
    assert resp.status_code == 401


@pytest.mark.parametrize("what", ["redirect_uri", "client_id"])
@pytest.mark.parametrize("path", ["/oauth/authorize", "/oauth2.0/authorize"])
def test_authorize_unregistered_client_or_redirect_shows_400_page(idp, what, path):
    params = {
        "client_id": KAKAO_ID if path == "/oauth/authorize" else NAVER_ID,
        "redirect_uri": idp.kakao_redirect,
        "response_type": "code",
        "state": "s",
        "login_hint": "admin",
    }
    params[what] = (
        "http://evil.example/auth/kakao/callback" if what == "redirect_uri" else "unknown"
    )
    resp = idp.get(path, params=params)
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    assert resp.headers["Content-Type"].startswith("text/html")
    assert "evil.example" not in resp.text


def test_authorize_redirect_uri_must_match_exactly(idp):
    resp = idp.get("/oauth/authorize", params={
        "client_id": KAKAO_ID, "redirect_uri": idp.kakao_redirect + "/",
        "response_type": "code", "state": "s", "login_hint": "admin",
    })
    assert resp.status_code == 400 and "Location" not in resp.headers


def test_kakao_prompt_none_without_hint_is_login_required(idp):
    resp = idp.get("/oauth/authorize", params={
        "client_id": KAKAO_ID, "redirect_uri": idp.kakao_redirect, "response_type": "code",
        "state": "s9", "prompt": "none",
    })
    query = _assert_redirect_to(resp, idp.kakao_redirect)
    assert query == {"error": "login_required", "error_description": query["error_description"],
                     "state": "s9"}


def test_kakao_bad_code_challenge_method_redirects_with_error(idp):
    resp = idp.get("/oauth/authorize", params={
        "client_id": KAKAO_ID, "redirect_uri": idp.kakao_redirect, "response_type": "code",
        "state": "s", "login_hint": "admin", "code_challenge": "x" * 43,
        "code_challenge_method": "plain",
    })
    query = _assert_redirect_to(resp, idp.kakao_redirect)
    assert query["error"] == "invalid_request" and "code" not in query


# --------------------------------------------------------------------------
# login page


def _page(idp: Idp, path="/oauth/authorize", **extra) -> requests.Response:
    kakao = path == "/oauth/authorize"
    params = {
        "client_id": KAKAO_ID if kakao else NAVER_ID,
        "redirect_uri": idp.kakao_redirect if kakao else idp.naver_redirect,
        "response_type": "code",
        "state": 'st<"&>',
        **extra,
    }
    return idp.get(path, params=params)


@pytest.mark.parametrize("path", ["/oauth/authorize", "/oauth2.0/authorize"])
def test_login_page_lists_accounts_and_posted_account_gets_code(idp, path):
    resp = _page(idp, path)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    page = resp.text
    assert '<html lang="ko">' in page
    for name in accounts.LISTED_ACCOUNTS:
        assert f'value="{name}"' in page
    assert "<script" not in page
    assert not re.search(r"(src|href)=\"https?://", page)
    assert '<label for="account">' in page
    assert 'value="st&lt;&quot;&amp;&gt;"' in page  # state carried in a hidden field
    assert 'method="post"' in page

    # Submit the form as a browser would: hidden fields + account.
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    hidden = {k: v.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
              .replace("&#x27;", "'").replace("&amp;", "&") for k, v in hidden.items()}
    redirect = idp.kakao_redirect if path == "/oauth/authorize" else idp.naver_redirect
    resp = idp.post(path, data={**hidden, "account": "Resident-Kim"})
    query = _assert_redirect_to(resp, redirect)
    assert query["state"] == 'st<"&>'
    code = query["code"]
    if path == "/oauth/authorize":
        token = _kakao_token(idp, code).json()
        me = idp.get("/v2/user/me", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert me.json()["id"] == accounts.kakao_id("resident-kim")
    else:
        token = _naver_token(idp, code, state='st<"&>').json()
        me = idp.get("/v1/nid/me", headers={"Authorization": f"Bearer {token['access_token']}"})
        assert me.json()["response"]["id"] == accounts.naver_id("resident-kim", NAVER_ID)


@pytest.mark.parametrize("bad", ["", "has space", "x" * 65, "한글", "a/b"])
def test_login_page_rejects_bad_account_names(idp, bad):
    resp = idp.post("/oauth/authorize", data={
        "client_id": KAKAO_ID, "redirect_uri": idp.kakao_redirect, "response_type": "code",
        "state": "s", "account": bad,
    })
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    assert 'role="alert"' in resp.text and 'aria-invalid="true"' in resp.text


def test_invalid_login_hint_shows_page_with_error(idp):
    resp = _page(idp, login_hint="not valid!")
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert 'role="alert"' in resp.text


def test_login_page_post_revalidates_redirect_uri(idp):
    resp = idp.post("/oauth/authorize", data={
        "client_id": KAKAO_ID, "redirect_uri": "http://evil.example/cb", "response_type": "code",
        "state": "s", "account": "admin",
    })
    assert resp.status_code == 400 and "Location" not in resp.headers


@pytest.mark.parametrize("path", ["/oauth/authorize", "/oauth2.0/authorize"])
def test_deny_redirects_with_access_denied_and_state(idp, path):
    kakao = path == "/oauth/authorize"
    redirect = idp.kakao_redirect if kakao else idp.naver_redirect
    resp = idp.post(path, data={
        "client_id": KAKAO_ID if kakao else NAVER_ID, "redirect_uri": redirect,
        "response_type": "code", "state": "deny-state 1", "action": "deny",
    })
    query = _assert_redirect_to(resp, redirect)
    assert query["error"] == "access_denied"
    assert query["error_description"]
    assert query["state"] == "deny-state 1"
    assert "code" not in query


# --------------------------------------------------------------------------
# Naver


def test_naver_full_flow(idp):
    token = _naver_login(idp, "attorney-002")
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == "3600"
    assert token["access_token"] and token["refresh_token"]
    me = idp.get("/v1/nid/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200
    body = me.json()
    assert body["resultcode"] == "00" and body["message"] == "success"
    info = body["response"]
    assert isinstance(info["id"], str) and len(info["id"]) == 43
    assert info["id"] == accounts.naver_id("attorney-002", NAVER_ID)
    assert info["email"] == "attorney-002@example.invalid"
    assert info["nickname"] == info["name"] == "attorney-002"
    assert info["mobile_e164"] == accounts.phone_e164("attorney-002")
    assert re.fullmatch(r"010-0000-\d{4}", info["mobile"])
    assert (info["gender"], info["age"], info["birthday"], info["birthyear"]) == (
        "U", "30-39", "01-01", "1990")

    # Stable for one client; different for another client, same account.
    again = _naver_login(idp, "attorney-002")
    me2 = idp.get("/v1/nid/me", headers={"Authorization": f"Bearer {again['access_token']}"})
    assert me2.json()["response"]["id"] == info["id"]
    other = _naver_login(idp, "attorney-002", OTHER_NAVER_ID, OTHER_NAVER_SECRET)
    me3 = idp.get("/v1/nid/me", headers={"Authorization": f"Bearer {other['access_token']}"})
    assert me3.status_code == 200
    assert me3.json()["response"]["id"] != info["id"]
    assert me3.json()["response"]["email"] == info["email"]


def test_naver_token_by_get_like_naver(idp):
    code = _naver_code(idp, "admin")
    resp = idp.get("/oauth2.0/token", params={
        "grant_type": "authorization_code", "client_id": NAVER_ID,
        "client_secret": NAVER_SECRET, "code": code, "state": "nst-1",
    })
    assert resp.status_code == 200 and resp.json()["expires_in"] == "3600"


def test_naver_missing_state_is_an_error(idp):
    resp = idp.get("/oauth2.0/authorize", params={
        "response_type": "code", "client_id": NAVER_ID, "redirect_uri": idp.naver_redirect,
        "login_hint": "admin",
    })
    assert resp.status_code == 400
    assert "Location" not in resp.headers
    # ... and the token endpoint insists on state too.
    code = _naver_code(idp)
    resp = _naver_token(idp, code, state=None)
    assert resp.status_code == 200 and resp.json()["error"] == "invalid_request"


@pytest.mark.parametrize("change", [
    {"client_secret": "wrong"}, {"client_id": "unknown"}, {"state": "other-state"},
    {"code": "bogus"},
])
def test_naver_token_errors_answer_200(idp, change):
    code = _naver_code(idp)
    kw = {"code": code, **change}
    resp = _naver_token(idp, **kw)
    assert resp.status_code == 200
    body = resp.json()
    assert body["error"] == "invalid_request" and body["error_description"]
    assert "access_token" not in body


def test_naver_code_reuse_is_an_error(idp):
    code = _naver_code(idp)
    assert "access_token" in _naver_token(idp, code).json()
    assert _naver_token(idp, code).json()["error"] == "invalid_request"


@pytest.mark.parametrize("header", [None, "Bearer nope"])
def test_naver_me_bad_token(idp, header):
    resp = idp.get("/v1/nid/me", headers={"Authorization": header} if header else {})
    assert resp.status_code == 401
    assert resp.json() == {"resultcode": "024", "message": "Authentication failed (인증 실패하였습니다.)"}


def test_naver_refresh_and_delete(idp):
    token = _naver_login(idp, "resident-lee")
    resp = idp.post("/oauth2.0/token", data={
        "grant_type": "refresh_token", "client_id": NAVER_ID, "client_secret": NAVER_SECRET,
        "refresh_token": token["refresh_token"],
    })
    refreshed = resp.json()
    assert resp.status_code == 200 and refreshed["expires_in"] == "3600"
    access = refreshed["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    assert idp.get("/v1/nid/me", headers=headers).status_code == 200

    resp = idp.post("/oauth2.0/token", data={
        "grant_type": "delete", "client_id": NAVER_ID, "client_secret": NAVER_SECRET,
        "access_token": access, "service_provider": "NAVER",
    })
    assert resp.json() == {"access_token": access, "result": "success"}
    assert idp.get("/v1/nid/me", headers=headers).status_code == 401
    assert idp.get(
        "/v1/nid/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    ).status_code == 401


# --------------------------------------------------------------------------
# faults, concurrency, shutdown


def test_fault_switch_token_error500_then_reset(idp):
    assert idp.get("/__dev/faults").json() == {
        "token": None, "userinfo": None, "slow_seconds": 30.0}
    code = _kakao_code(idp)
    resp = idp.post("/__dev/faults", json={"token": "error500"})
    assert resp.status_code == 200 and resp.json()["token"] == "error500"
    assert idp.get("/__dev/faults").json()["token"] == "error500"

    for _ in range(2):  # stays on until reset
        assert _kakao_token(idp, code).status_code == 500
    assert idp.post("/oauth2.0/token", data={"grant_type": "authorization_code"}).status_code == 500

    resp = idp.post("/__dev/faults", json={"token": None})
    assert resp.json()["token"] is None
    # The failed attempts did not consume the code.
    assert _kakao_token(idp, code).status_code == 200


def test_fault_switch_malformed_userinfo(idp):
    token = _kakao_token(idp, _kakao_code(idp)).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    idp.post("/__dev/faults", json={"userinfo": "malformed"})
    resp = idp.get("/v2/user/me", headers=headers)
    assert resp.status_code == 200
    with pytest.raises(ValueError):
        resp.json()
    idp.post("/__dev/faults", json={"userinfo": None})
    assert idp.get("/v2/user/me", headers=headers).json()["id"] == accounts.kakao_id("admin")


def test_fault_switch_rejects_unknown_values(idp):
    assert idp.post("/__dev/faults", json={"token": "explode"}).status_code == 400
    assert idp.post("/__dev/faults", json={"bogus": None}).status_code == 400
    assert idp.post("/__dev/faults", data="not json").status_code == 400


def test_slow_fault_does_not_block_other_requests(idp):
    idp.post("/__dev/faults", json={"token": "slow", "slow_seconds": 3})
    code = _kakao_code(idp)
    with pytest.raises(requests.Timeout):
        requests.post(idp.url("/oauth/token"), timeout=0.5, data={
            "grant_type": "authorization_code", "client_id": KAKAO_ID,
            "client_secret": KAKAO_SECRET, "redirect_uri": idp.kakao_redirect, "code": code,
        })
    results: list[float] = []

    def slow_call():
        start = time.monotonic()
        _kakao_token(idp, _kakao_code(idp))
        results.append(time.monotonic() - start)

    worker = threading.Thread(target=slow_call)
    worker.start()
    time.sleep(0.3)
    assert idp.get("/health").status_code == 200
    assert worker.is_alive() and results == []  # answered while the slow call was still in flight
    worker.join(timeout=10)
    assert results and results[0] >= 2.5


def test_sigterm_exits_cleanly_and_logs_no_secrets():
    server = _start_idp()
    try:
        verifier, challenge = _pkce()
        code = _kakao_code(server, challenge=challenge, state="secret-state")
        token = _kakao_token(server, code, code_verifier=verifier).json()
        server.get("/v2/user/me", headers={"Authorization": f"Bearer {token['access_token']}"})
        naver = _naver_login(server, "admin")
        # A slow request is in flight and a keep-alive connection is open.
        server.post("/__dev/faults", json={"userinfo": "slow", "slow_seconds": 60})
        session = requests.Session()
        session.get(server.url("/health"), timeout=TIMEOUT)
        threading.Thread(
            target=lambda: requests.get(server.url("/v1/nid/me"), timeout=30), daemon=True
        ).start()
        time.sleep(0.3)
        start = time.monotonic()
    finally:
        rc = _stop_idp(server)
    assert rc == 0
    assert time.monotonic() - start < 30  # did not wait for the 60-second request in flight
    log = "".join(iter_queue(server.stderr_lines))
    assert "GET /oauth/authorize 302" in log
    assert "POST /oauth/token 200" in log
    for secret in (code, token["access_token"], token["refresh_token"], verifier,
                   naver["access_token"], KAKAO_SECRET, NAVER_SECRET, "secret-state"):
        assert secret not in log


def iter_queue(q: queue.Queue):
    # Give the pump thread a moment to drain the closed pipe.
    time.sleep(0.2)
    while True:
        try:
            yield q.get_nowait()
        except queue.Empty:
            return


def test_expired_code_is_invalid_grant():
    # In-process (Flask test client) with a zero code lifetime.
    from devtools.idp.server import Config, create_app

    config = Config.from_env({"IDP_CODE_TTL_SECONDS": "0"})
    client = create_app(config).test_client()
    redirect = "http://127.0.0.1:8000/auth/kakao/callback"
    resp = client.get("/oauth/authorize", query_string={
        "client_id": KAKAO_ID, "redirect_uri": redirect, "response_type": "code",
        "state": "s", "login_hint": "admin",
    })
    code = _query(resp.headers["Location"])["code"]
    resp = client.post("/oauth/token", data={
        "grant_type": "authorization_code", "client_id": KAKAO_ID,
        "client_secret": KAKAO_SECRET, "redirect_uri": redirect, "code": code,
    })
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_grant"

"""Signing in with Kakao and Naver through the app, against the dev identity provider.

The app runs in-process (``chalice.test``) with the production services over
in-memory twins (``tests/identity_fakes.py``); the identity provider is the
real dev IdP in a subprocess, so codes, states, PKCE, client secrets and its
fault switches are all real. Every attempt must land in the login history,
and nothing secret may reach a log line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chalicelib.composition import use_container
from chalicelib.domain.audit import LoginResult
from devtools.idp import accounts
from ops import processes
from tests.identity_fakes import LOCAL_SECRETS, Clock, signin_container
from tests.support import ApiClient, ApiResponse, assert_error, totp_code, unverified_subject

ADMIN_KAKAO = f"kakao:{accounts.kakao_id('admin')}"
ATTORNEY_KAKAO = f"kakao:{accounts.kakao_id('attorney-001')}"
UA = "Mozilla/5.0 (pytest) Maeul"


@pytest.fixture(scope="module")
def idp() -> Iterator[tuple[str, int]]:
    app_port = processes.free_port()  # nothing listens: the IdP's redirects are read, not followed
    port = processes.free_port()
    service = processes.identity_provider(port, app_port).start()
    yield f"http://127.0.0.1:{port}", app_port
    service.stop()


HOST = "__Host-"
SESSION_COOKIES = frozenset({"session", "csrf", "refresh", "login"})  # the contract's names; the jar's keys


@dataclass
class Browser:
    """A cookie jar in front of the in-process app (what a browser would keep).

    ``prefix``: ``__Host-`` on an HTTPS stage, none on the local stage (plain HTTP)."""

    api: ApiClient
    prefix: str = ""
    jar: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, *, csrf: bool = False, headers: dict | None = None,
                **kwargs) -> ApiResponse:
        hdrs = {"User-Agent": UA, **(headers or {})}
        if self.jar:
            hdrs["Cookie"] = "; ".join(f"{self.prefix if k in SESSION_COOKIES else ''}{k}={v}"
                                       for k, v in self.jar.items())
        if csrf and "csrf" in self.jar:
            hdrs["X-CSRF-Token"] = self.jar["csrf"]
        response = self.api.request(method, path, headers=hdrs, **kwargs)
        raw = response.headers.get("set-cookie") or []
        for line in [raw] if isinstance(raw, str) else raw:
            morsel = next(iter(SimpleCookie(line).values()))
            key = morsel.key
            if key != "lang":  # __Host- (what a browser demands of one: Secure, Path=/, no Domain) or plain
                assert key.startswith(self.prefix) and morsel["path"] == "/" and not morsel["domain"], line
                assert bool(morsel["secure"]) is (self.prefix == HOST), line
                key = key.removeprefix(self.prefix)
                assert key in SESSION_COOKIES, line
            if morsel["max-age"] == "0":
                self.jar.pop(key, None)
            else:
                self.jar[key] = morsel.value
        return response


@dataclass
class Site:
    base_idp: str
    app_port: int
    clock: Clock
    container: object
    api: ApiClient
    seen_secrets: list[str] = field(default_factory=list)

    def browser(self) -> Browser:
        return Browser(self.api, prefix="" if self.container.settings.stage == "local" else HOST)

    def start(self, browser: Browser, provider: str, next_path: str = "/api/me") -> str:
        """GET /auth/<provider>/login → the provider's authorize URL."""
        response = browser.request("GET", f"/auth/{provider}/login?next={next_path}")
        assert response.status == 302, response.body
        return response.headers["location"]

    def authorize(self, url: str, account: str = "resident-kim") -> tuple[str, dict[str, str]]:
        """The dev IdP, as a person picking ``account``: → (callback path with query, its params)."""
        answer = requests.get(url + "&login_hint=" + account, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text[:300]
        back = urlsplit(answer.headers["Location"])
        params = {k: v[0] for k, v in parse_qs(back.query).items()}
        self.seen_secrets += [v for k, v in params.items() if k in ("code", "state")]
        return f"{back.path}?{back.query}", params

    def sign_in(self, provider: str = "kakao", account: str = "resident-kim", next_path: str = "/api/me",
                browser: Browser | None = None) -> Browser:
        browser = browser or self.browser()
        path, _ = self.authorize(self.start(browser, provider, next_path), account)
        response = browser.request("GET", path)
        location = response.headers.get("location", "")
        assert response.status == 302, response.body
        if location.startswith("/second-factor?"):  # staff going elsewhere than their home: the code first
            assert parse_qs(urlsplit(location).query)["next"] == [next_path], location
        else:
            assert location == next_path, location
        pending = browser.request("GET", "/api/me")
        if pending.status == 401 and pending.json["error"]["code"] == "second_factor_required":
            self.pass_second_factor(browser)  # staff: pending until the second factor
        self.seen_secrets += [browser.jar["session"], browser.jar["refresh"], browser.jar["csrf"]]
        return browser

    def pass_second_factor(self, browser: Browser) -> None:
        """What a staff member does on the second-factor page: enrol if asked, enter the code."""
        status = browser.request("GET", "/auth/second-factor")
        assert status.status == 200, status.body
        assert not status.json["verified"]
        code = totp_code(self.container, unverified_subject(browser.jar["session"]), self.clock.advance)
        answer = browser.request("POST", "/auth/second-factor", body={"code": code}, csrf=True)
        assert answer.status == 200, answer.body
        self.seen_secrets.append(code)

    def history(self) -> list:
        return list(self.container.audit.logins)  # the in-memory twin

    def failures(self) -> list[str]:
        return [e.reason for e in self.history() if e.result is LoginResult.FAILURE]

    def fault(self, **switches) -> None:
        requests.post(f"{self.base_idp}/__dev/faults", json=switches, timeout=5).raise_for_status()


def make_site(idp, *, secrets: dict[str, str] | None = None, stage: str = "local") -> Site:
    base, app_port = idp
    env = {"MAEUL_STAGE": stage, "MAEUL_PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
           "KAKAO_AUTH_BASE_URL": base, "KAKAO_API_BASE_URL": base,
           "NAVER_AUTH_BASE_URL": base, "NAVER_API_BASE_URL": base,
           "KAKAO_CLIENT_ID": "maeul-local-kakao", "NAVER_CLIENT_ID": "maeul-local-naver",
           "MAEUL_ADMIN_SUBJECTS": ADMIN_KAKAO}
    clock = Clock()
    container = signin_container(env, clock, attorney_links={ATTORNEY_KAKAO: "att-001"},
                                 attorneys={"att-001", "att-007"}, secrets=secrets)
    use_container(container)
    return Site(base, app_port, clock, container, ApiClient())


@pytest.fixture
def site(idp) -> Iterator[Site]:
    made = make_site(idp)
    yield made
    requests.delete(f"{made.base_idp}/__dev/faults", timeout=5)
    use_container(None)


@pytest.fixture
def https_site(idp) -> Iterator[Site]:
    """The same app with an HTTPS stage's settings (``prod``): its cookies carry ``__Host-``."""
    made = make_site(idp, stage="prod")
    yield made
    use_container(None)


# --- signing in ------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["kakao", "naver"])
def test_sign_in_sets_the_session_cookies_and_returns_to_next(site, provider) -> None:
    browser = site.browser()
    authorize = site.start(browser, provider, "/consultations/new")
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(site.base_idp)
    assert len(query["state"][0]) >= 43  # ≥ 256 bits, base64url
    assert ("code_challenge" in query) is (provider == "kakao")
    assert browser.jar["login"]

    path, _ = site.authorize(authorize)
    response = browser.request("GET", path)
    assert response.status == 302 and response.headers["location"] == "/consultations/new"
    cookies = {line.split("=", 1)[0]: line for line in response.headers["set-cookie"]}
    assert set(cookies) == {"session", "csrf", "refresh", "login"}  # CONTRACT.md "Sessions", local stage
    assert "login" not in browser.jar and "Max-Age=0" in cookies["login"]  # the pending sign-in is spent
    assert "HttpOnly" in cookies["session"] and "SameSite=Lax" in cookies["session"]
    assert "HttpOnly" not in cookies["csrf"]
    assert "HttpOnly" in cookies["refresh"] and "SameSite=Strict" in cookies["refresh"]
    # the local stage is plain HTTP: no Secure (so curl and requests keep them), Path=/
    assert all("Secure" not in c and "; Path=/;" in c and "Domain" not in c for c in cookies.values())
    assert "Max-Age=900" in cookies["session"]

    me = browser.request("GET", "/api/me")
    assert me.status == 200 and me.headers["cache-control"] == "no-store"
    assert me.json["role"] == "resident" and me.json["provider"] == provider
    assert me.json["id"].startswith(f"{provider}:") and me.json["name"] == "resident-kim"

    bearer = site.api.get("/api/me", headers={"Authorization": f"Bearer {browser.jar['session']}"})
    assert bearer.status == 200 and bearer.json["id"] == me.json["id"]
    [event] = site.history()
    assert (event.result, event.reason, event.provider, event.subject, event.user_agent) == \
        (LoginResult.SUCCESS, "ok", provider, me.json["id"], UA)


def test_kakao_ids_are_kept_as_exact_strings(site) -> None:
    me = site.sign_in("kakao", "resident-kim").request("GET", "/api/me").json
    assert me["id"] == "kakao:6771295047285493954"  # 19 digits, beyond a JavaScript number's precision


def test_admin_and_linked_attorney_get_their_roles(site) -> None:
    assert site.sign_in("kakao", "admin").request("GET", "/api/me").json["role"] == "admin"
    attorney = site.sign_in("kakao", "attorney-001").request("GET", "/api/me").json
    assert attorney["role"] == "attorney" and attorney["attorney_id"] == "att-001"
    # never merged by e-mail: the same person through Naver is another, unprivileged user
    naver = site.sign_in("naver", "admin").request("GET", "/api/me").json
    assert naver["role"] == "resident" and naver["id"] != ADMIN_KAKAO


def test_reused_state_is_refused_and_recorded(site) -> None:
    browser = site.browser()
    path, _ = site.authorize(site.start(browser, "kakao"))
    pending = browser.jar["login"]
    assert browser.request("GET", path).status == 302
    again = browser.request("GET", path)  # the login cookie was spent by the first callback
    assert_error(again, 400, "invalid_state")
    # with the spent login cookie put back, the state itself is refused as spent (the provider,
    # which would refuse its single-use code with a 502, is not asked again)
    browser.jar["login"] = pending
    replay = browser.request("GET", path)
    assert_error(replay, 400, "invalid_state")
    assert "already used" in replay.json["error"]["message"]
    assert site.failures() == ["state_browser", "state_reused"]
    assert [e.reason for e in site.history() if e.result is LoginResult.SUCCESS] == ["ok"]


def test_a_state_is_spent_by_its_first_callback_even_when_that_one_fails(site) -> None:
    """The state is spent before the provider is asked: a callback replayed after a provider
    failure is a reused state, and a fresh sign-in still works."""
    browser = site.browser()
    path, _ = site.authorize(site.start(browser, "naver"))
    pending = browser.jar["login"]
    site.fault(token="error500")
    assert_error(browser.request("GET", path), 502, "provider_error")
    site.fault(token=None)
    browser.jar["login"] = pending
    assert_error(browser.request("GET", path), 400, "invalid_state")
    assert site.failures()[-1] == "state_reused" and "session" not in browser.jar
    assert site.sign_in("naver", browser=browser).request("GET", "/api/me").status == 200


def test_state_from_another_browser_is_refused(site) -> None:
    victim, attacker = site.browser(), site.browser()
    path, _ = site.authorize(site.start(attacker, "kakao"), "attacker")
    # the attacker sends the victim their callback link (login CSRF): the victim's browser has no nonce
    assert_error(victim.request("GET", path), 400, "invalid_state")
    assert "session" not in victim.jar
    assert site.failures() == ["state_browser"]


def test_missing_unknown_expired_and_cross_provider_states(site) -> None:
    browser = site.browser()
    assert_error(browser.request("GET", "/auth/kakao/callback?code=abc"), 400, "invalid_state")
    path, _params = site.authorize(site.start(browser, "naver"))
    assert_error(browser.request("GET", "/auth/naver/callback?code=abc&state=made-up"), 400, "invalid_state")
    assert_error(browser.request("GET", path.replace("/naver/", "/kakao/")), 400, "invalid_state")
    path, _ = site.authorize(site.start(browser, "kakao"))
    site.clock.advance(minutes=11)
    assert_error(browser.request("GET", path), 400, "invalid_state")
    assert site.failures() == ["state_missing", "state_unknown", "state_provider", "state_expired"]


def test_foreign_next_is_refused_and_recorded(site) -> None:
    browser = site.browser()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        assert_error(browser.request("GET", f"/auth/kakao/login?next={target}"), 400, "unsafe_next")
    page = browser.request("GET", "/auth/naver/login?next=https://evil.example/",
                           headers={"Accept": "text/html"})
    assert page.status == 400 and page.headers["content-type"].startswith("text/html")
    assert "evil.example" not in page.body.decode()
    assert site.history() == []  # an anonymous visitor's refused start is a log line, not a record


def test_unknown_provider(site) -> None:
    assert_error(site.browser().request("GET", "/auth/google/login"), 404, "unknown_provider")
    assert site.history() == []


def test_starting_a_sign_in_stores_nothing_and_the_nonce_is_fresh_every_time(site) -> None:
    """Anonymous ``GET /auth/<provider>/login`` writes nothing (the pending sign-in lives in a signed
    cookie), and never reuses an incoming cookie: a login cookie planted by an attacker cannot tie
    the victim's sign-in to the attacker's."""
    attacker, victim = site.browser(), site.browser()
    attacker_path, _ = site.authorize(site.start(attacker, "kakao"), "attacker")
    victim.jar["login"] = attacker.jar["login"]  # planted
    first = parse_qs(urlsplit(site.start(victim, "kakao")).query)
    assert victim.jar["login"] != attacker.jar["login"]
    assert_error(victim.request("GET", attacker_path), 400, "invalid_state")  # the attacker's link: refused
    earlier = victim.jar["login"]
    second = parse_qs(urlsplit(site.start(victim, "kakao")).query)
    assert victim.jar["login"] != earlier and second["code_challenge"] != first["code_challenge"]
    for _ in range(5):
        site.start(site.browser(), "naver")
    assert [e.reason for e in site.history()] == ["state_unknown"]  # the refused callback only
    assert not hasattr(site.container, "login_states")  # there is no store of pending sign-ins


def test_cancel_at_the_provider(site) -> None:
    browser = site.browser()
    authorize = site.start(browser, "naver")
    split = urlsplit(authorize)
    denied = requests.post(f"{site.base_idp}{split.path}", data={**{k: v[0] for k, v in parse_qs(split.query).items()},
                                                                   "action": "deny"},
                           allow_redirects=False, timeout=10)
    back = urlsplit(denied.headers["Location"])
    response = browser.request("GET", f"{back.path}?{back.query}", headers={"Accept": "text/html"})
    assert response.status == 400 and "text/html" in response.headers["content-type"]
    assert "session" not in browser.jar
    assert site.failures() == ["provider_denied"]


@pytest.mark.parametrize("switch", [{"token": "error500"}, {"token": "malformed"}, {"userinfo": "error500"},
                                    {"userinfo": "malformed"}])
def test_provider_failures_give_a_friendly_error_and_no_session(site, switch) -> None:
    browser = site.browser()
    path, _ = site.authorize(site.start(browser, "kakao"))
    site.fault(**switch)
    response = browser.request("GET", path)
    error = assert_error(response, 502, "provider_error")
    assert "031-8030-4541" in error["message"]
    assert "session" not in browser.jar
    [reason] = site.failures()
    assert reason in ("provider_unavailable", "provider_bad_response")


def test_wrong_client_secret_is_a_provider_error(idp) -> None:
    site = make_site(idp, secrets={**LOCAL_SECRETS, "kakao_client_secret": "not-the-secret",
                                   "naver_client_secret": "not-the-secret"})
    try:
        for provider in ("kakao", "naver"):
            browser = site.browser()
            path, _ = site.authorize(site.start(browser, provider))
            assert_error(browser.request("GET", path), 502, "provider_error")
            assert "session" not in browser.jar
        assert site.failures() == ["provider_token_error", "provider_token_error"]
    finally:
        use_container(None)


# --- refresh, logout, tokens -------------------------------------------------------------------


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_family(site) -> None:
    browser = site.sign_in()
    first_refresh, first_access = browser.jar["refresh"], browser.jar["session"]
    site.clock.advance(minutes=5)
    rotated = browser.request("POST", "/auth/refresh", csrf=True)
    assert rotated.status == 200 and rotated.json["role"] == "resident"
    assert "access_token" not in rotated.json or rotated.json["access_token"] is None  # cookie clients
    assert browser.jar["refresh"] != first_refresh and browser.jar["session"] != first_access
    second_refresh = browser.jar["refresh"]

    thief = site.browser()
    thief.jar.update({"refresh": first_refresh, "csrf": "x"})
    assert_error(thief.request("POST", "/auth/refresh", csrf=True), 401, "invalid_refresh")
    # the whole family is gone: the newest refresh token and the live access token too
    assert_error(site.api.post("/auth/refresh", body={"refresh_token": second_refresh}), 401, "invalid_refresh")
    assert_error(browser.request("GET", "/api/me"), 401, "invalid_session")
    assert site.failures() == ["refresh_reuse", "session_revoked"]
    # the ended session's access token is in the person's history, but is no sign-in failure
    assert [e.reason for e in site.history() if e.result is LoginResult.REJECTED] == ["session_revoked"]
    assert all(e.subject for e in site.history())


def test_refresh_in_the_body_for_bearer_clients(site) -> None:
    browser = site.sign_in("naver")
    answer = site.api.post("/auth/refresh", body={"refresh_token": browser.jar["refresh"]})
    assert answer.status == 200 and answer.json["token_type"] == "Bearer" and answer.json["expires_in"] == 900
    assert "set-cookie" not in answer.headers
    me = site.api.get("/api/me", headers={"Authorization": f"Bearer {answer.json['access_token']}"})
    assert me.status == 200
    again = site.api.post("/auth/refresh", body={"refresh_token": answer.json["refresh_token"]})
    assert again.status == 200


def test_cookie_refresh_needs_the_csrf_header(site) -> None:
    browser = site.sign_in()
    assert_error(browser.request("POST", "/auth/refresh"), 403, "csrf_failed")
    assert_error(site.api.post("/auth/refresh"), 401, "not_signed_in")
    assert_error(site.api.post("/auth/refresh", body={"refresh_token": "nope"}), 401, "invalid_refresh")
    assert site.failures() == ["refresh_unknown"]


def test_logout_revokes_the_session_server_side(site) -> None:
    browser = site.sign_in()
    access, refresh = browser.jar["session"], browser.jar["refresh"]
    assert_error(browser.request("POST", "/auth/logout"), 403, "csrf_failed")
    out = browser.request("POST", "/auth/logout", csrf=True)
    assert out.status == 200 and "session" not in browser.jar and "refresh" not in browser.jar
    assert_error(site.api.get("/api/me", headers={"Authorization": f"Bearer {access}"}), 401, "invalid_session")
    assert_error(site.api.post("/auth/refresh", body={"refresh_token": refresh}), 401, "invalid_refresh")
    assert [e.reason for e in site.history()] == ["ok", "logout", "session_revoked", "session_revoked"]


def test_bearer_logout_needs_no_csrf(site) -> None:
    access = site.sign_in().jar["session"]
    headers = {"Authorization": f"Bearer {access}"}
    assert site.api.post("/auth/logout", headers=headers).status == 200
    assert_error(site.api.get("/api/me", headers=headers), 401, "invalid_session")


def test_an_expired_access_token_is_refused_and_refresh_still_works(site) -> None:
    browser = site.sign_in()
    headers = {"Authorization": f"Bearer {browser.jar['session']}"}
    site.clock.advance(minutes=15)
    assert_error(site.api.get("/api/me", headers=headers), 401, "invalid_session")
    assert site.failures() == []  # a token running out is no failed sign-in
    assert browser.request("POST", "/auth/refresh", csrf=True).status == 200
    assert browser.request("GET", "/api/me").status == 200


def test_forged_tokens_are_refused_and_recorded(site) -> None:
    import base64
    import json

    def part(doc: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()

    none_token = f"{part({'alg': 'none', 'typ': 'at+jwt'})}.{part({'sub': ADMIN_KAKAO, 'role': 'admin'})}."
    for token in (none_token, "garbage"):
        assert_error(site.api.get("/api/me", headers={"Authorization": f"Bearer {token}"}), 401, "invalid_session")
    assert site.history() == []  # nobody's: a log line only, nothing stored


def test_rejected_access_tokens_do_not_lock_a_network_out_of_signing_in(site) -> None:
    """Twenty requests with ``Bearer x`` from one address (everyone behind one NAT) used to count as
    twenty sign-in failures and lock that address out for 15 minutes."""
    limit = site.container.settings.policy.login_failures_per_ip
    for _ in range(limit + 10):
        assert_error(site.api.get("/api/me", headers={"Authorization": "Bearer x"}), 401, "invalid_session")
        assert_error(site.api.get("/api/attorney/offers", headers={"Authorization": "Bearer x"}), 401)
    assert site.sign_in().request("GET", "/api/me").status == 200
    assert site.failures() == []


def test_cookie_requests_that_change_state_need_the_csrf_header(site) -> None:
    browser = site.sign_in()
    assert_error(browser.request("DELETE", "/api/me"), 403, "csrf_failed")
    assert browser.request("GET", "/api/me").status == 200  # safe methods need none


# --- throttling ---------------------------------------------------------------------------------


def test_repeated_failures_from_one_address_are_throttled_for_a_while(site) -> None:
    browser = site.browser()
    limit = site.container.settings.policy.login_failures_per_ip
    for _ in range(limit):
        assert_error(browser.request("GET", "/auth/kakao/callback?state=guess&code=x"), 400, "invalid_state")
    blocked = browser.request("GET", "/auth/kakao/login")
    assert_error(blocked, 429, "too_many_attempts")
    assert int(blocked.headers["retry-after"]) == 15 * 60
    assert_error(site.api.post("/auth/refresh", body={"refresh_token": "x"}), 429, "too_many_attempts")
    site.clock.advance(minutes=16)
    assert browser.request("GET", "/auth/kakao/login").status == 302
    assert site.failures().count("throttled_ip") == 1  # the refresh; a refused start records nothing


def test_repeated_failures_for_one_account_are_throttled(site) -> None:
    browser = site.sign_in("kakao", "resident-lee")
    limit = site.container.settings.policy.login_failures_per_account
    for _ in range(limit):
        assert_error(browser.request("POST", "/api/me/attorney-link", body={"code": "AAAA-BBBB-CCCC-DDDD"},
                                     csrf=True), 400, "invalid_invite")
    assert_error(browser.request("POST", "/api/me/attorney-link", body={"code": "AAAA-BBBB-CCCC-DDDD"},
                                 csrf=True), 429, "too_many_attempts")
    # signing in again as that account is refused too, after the provider said who it is
    other = site.browser()
    path, _ = site.authorize(site.start(other, "kakao"), "resident-lee")
    assert_error(other.request("GET", path), 429, "too_many_attempts")
    assert "session" not in other.jar
    assert site.failures().count("throttled_account") == 2


# --- history, leaving, invites, unlink -----------------------------------------------------------


def test_my_login_history_is_mine_newest_first(site) -> None:
    browser = site.sign_in("kakao", "resident-park")
    site.clock.advance(minutes=1)
    browser.request("POST", "/auth/refresh", csrf=True)
    site.sign_in("kakao", "someone-else")
    items = browser.request("GET", "/api/me/logins").json["items"]
    assert [i["reason"] for i in items] == ["refreshed", "ok"]
    assert items[0]["at"].endswith("+09:00") and items[0]["ip"] == "127.0.0.1" and items[0]["user_agent"] == UA
    assert_error(browser.request("GET", "/api/me/logins?limit=0"), 400, "invalid_input")


def test_leaving_erases_personal_data_and_ends_every_session(site) -> None:
    from tests.twins.memory import MemoryNotifier

    site.container.__dict__["notifier"] = MemoryNotifier()  # the phone code's SMS
    phone, laptop = site.sign_in("naver", "resident-choi"), site.sign_in("naver", "resident-choi")
    subject = phone.request("GET", "/api/me").json["id"]
    assert site.container.users.profile(subject).name == "resident-choi"
    erased: list[str] = []
    assert site.container.consultation_eraser in site.container.personal_data_erasers
    site.container.personal_data_erasers.append(erased.append)  # stands for any other feature's eraser
    sent = phone.request("POST", "/api/me/phone-verification", body={"phone": "010-2345-6789"}, csrf=True)
    assert sent.status == 202, sent.body  # a code waiting when they leave: it goes too
    gone = phone.request("DELETE", "/api/me", csrf=True)
    assert gone.status == 200 and gone.json == {"status": "deleted", "sessions_ended": 2,
                                                "provider_disconnected": False}  # Naver: no token kept
    assert erased == [subject]
    assert site.container.phone_verification_store.challenges == {}
    assert site.container.users.get(subject) is None and site.container.users.profile(subject) is None
    assert_error(laptop.request("GET", "/api/me"), 401, "invalid_session")
    assert_error(laptop.request("POST", "/auth/refresh", csrf=True), 401, "invalid_refresh")
    assert "account_deleted" in [e.reason for e in site.history()]


def _connected(site, account: str) -> bool:
    listed = requests.get(f"{site.base_idp}/__dev/connections", timeout=5).json()["connections"]
    return any(c["account"] == account and c["client_id"] == "maeul-local-kakao" for c in listed)


def test_leaving_disconnects_maeul_from_the_kakao_account(site) -> None:
    browser = site.sign_in("kakao", "resident-leaving")
    assert _connected(site, "resident-leaving")
    gone = browser.request("DELETE", "/api/me", csrf=True)
    assert gone.status == 200 and gone.json["provider_disconnected"] is True
    assert not _connected(site, "resident-leaving")  # Kakao was asked with the app's admin key
    assert site.container.users.get(f"kakao:{accounts.kakao_id('resident-leaving')}") is None


def test_leaving_still_works_when_kakao_refuses_the_disconnect(idp) -> None:
    site = make_site(idp, secrets={**LOCAL_SECRETS, "kakao_admin_key": "not-the-admin-key"})
    browser = site.sign_in("kakao", "resident-stays-linked")
    gone = browser.request("DELETE", "/api/me", csrf=True)
    assert gone.status == 200 and gone.json["provider_disconnected"] is False  # the page says what to do
    assert _connected(site, "resident-stays-linked")
    assert browser.request("GET", "/api/me").status == 401  # the account is gone anyway
    assert site.container.users.get(f"kakao:{accounts.kakao_id('resident-stays-linked')}") is None


def test_kakao_unlink_callback_checks_the_admin_key(site) -> None:
    browser = site.sign_in("kakao", "resident-jung")
    user_id = str(accounts.kakao_id("resident-jung"))
    form = f"app_id=1&user_id={user_id}&referrer_type=UNLINK_FROM_APPS".encode()
    wrong = site.api.post("/auth/kakao/unlink", raw=form, headers={
        "Authorization": "KakaoAK wrong", "Content-Type": "application/x-www-form-urlencoded"})
    assert_error(wrong, 401, "invalid_admin_key")
    assert browser.request("GET", "/api/me").status == 200
    right = site.api.post("/auth/kakao/unlink", raw=form, headers={
        "Authorization": f"KakaoAK {LOCAL_SECRETS['kakao_admin_key']}",
        "Content-Type": "application/x-www-form-urlencoded"})
    assert right.status == 200
    assert_error(browser.request("GET", "/api/me"), 401, "invalid_session")
    assert site.container.users.get(f"kakao:{user_id}") is None
    assert "unlink_bad_key" in site.failures() and "provider_unlinked" in [e.reason for e in site.history()]


def test_attorney_invite_links_an_account_once(site) -> None:
    admin = site.sign_in("kakao", "admin")
    resident = site.sign_in("naver", "new-attorney")
    assert_error(resident.request("POST", "/api/admin/attorneys/att-007/invites", csrf=True), 403, "wrong_role")
    assert_error(admin.request("POST", "/api/admin/attorneys/att-999/invites", csrf=True), 404, "not_found")
    created = admin.request("POST", "/api/admin/attorneys/att-007/invites", csrf=True)
    assert created.status == 201 and created.headers["cache-control"] == "no-store"
    code = created.json["code"]

    linked = resident.request("POST", "/api/me/attorney-link", body={"code": code.lower()}, csrf=True)
    assert linked.status == 200 and linked.json["attorney_id"] == "att-007" and linked.json["role"] == "attorney"
    # staff now: nothing but the second factor until it is set up and passed
    assert_error(resident.request("GET", "/api/me"), 401, "second_factor_required")
    assert_error(resident.request("GET", "/api/attorney/offers"), 401, "second_factor_required")
    site.pass_second_factor(resident)
    me = resident.request("GET", "/api/me").json
    assert me["role"] == "attorney" and me["attorney_id"] == "att-007"
    another = site.sign_in("kakao", "someone")
    used = another.request("POST", "/api/me/attorney-link", body={"code": code}, csrf=True)
    assert assert_error(used, 400, "invalid_invite")["message"]
    log = site.container.audit.access
    assert [e.action for e in log] == ["invite_created", "attorney_linked"]


def test_admin_reads_the_access_log(site) -> None:
    admin = site.sign_in("kakao", "admin")
    admin.request("POST", "/api/admin/attorneys/att-007/invites", csrf=True)
    entries = admin.request("GET", "/api/admin/access-log?from=2026-11-30&to=2026-12-01").json["items"]
    assert [e["action"] for e in entries] == ["invite_created"] and entries[0]["actor"] == ADMIN_KAKAO
    assert_error(admin.request("GET", "/api/admin/access-log?from=2026-12-02&to=2026-12-01"), 400)
    assert_error(admin.request("GET", "/api/admin/access-log?to=0"), 400, "invalid_input")  # not 1970-01-01
    resident = site.sign_in("kakao", "resident-kim")
    assert_error(resident.request("GET", "/api/admin/access-log"), 403, "wrong_role")


# --- no secrets in the logs -------------------------------------------------------------------


def test_no_token_code_or_secret_reaches_a_log_line(idp, capfd, caplog) -> None:
    site = make_site(idp)
    try:
        caplog.set_level("DEBUG")
        browser = site.sign_in("kakao")
        browser.request("POST", "/auth/refresh", csrf=True)
        site.seen_secrets += [browser.jar["refresh"], browser.jar["session"]]
        site.sign_in("naver")
        failing = site.browser()
        path, _ = site.authorize(site.start(failing, "kakao"))
        site.fault(token="malformed")
        failing.request("GET", path)
        site.fault(token=None)
        failing.request("GET", path)  # reused state
        site.api.get("/api/me", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."})
        site.api.post("/auth/kakao/unlink", raw=b"user_id=1", headers={
            "Authorization": "KakaoAK guessed-admin-key", "Content-Type": "application/x-www-form-urlencoded"})
    finally:
        requests.delete(f"{site.base_idp}/__dev/faults", timeout=5)
        use_container(None)
    out, err = capfd.readouterr()
    # urllib3's debug lines are the test's own HTTP client playing the browser, not the app
    app_records = [r for r in caplog.records if not r.name.startswith("urllib3")]
    logged = out + err + "\n".join(r.getMessage() + str(r.__dict__) for r in app_records)
    assert "authentication failed" in logged  # the failures were logged...
    secrets = site.seen_secrets + list(LOCAL_SECRETS.values()) + ["guessed-admin-key"]
    assert len(secrets) > 10
    for secret in secrets:  # ...without any of these
        assert secret not in logged, secret[:12]


@pytest.mark.parametrize("provider", ["kakao", "naver"])
def test_an_https_stage_sets_host_prefixed_secure_cookies(https_site, provider) -> None:
    browser = https_site.browser()  # its jar checks each Set-Cookie: __Host-, Secure, Path=/, no Domain
    path, _ = https_site.authorize(https_site.start(browser, provider, "/consultations/new"))
    response = browser.request("GET", path)
    assert response.status == 302 and response.headers["location"] == "/consultations/new"
    cookies = {line.split("=", 1)[0]: line for line in response.headers["set-cookie"]}
    assert set(cookies) == {"__Host-session", "__Host-csrf", "__Host-refresh", "__Host-login"}
    assert all("; Secure" in c and "; Path=/;" in c and "Domain" not in c for c in cookies.values())
    assert "HttpOnly" in cookies["__Host-session"] and "SameSite=Lax" in cookies["__Host-session"]
    assert "HttpOnly" not in cookies["__Host-csrf"] and "SameSite=Strict" in cookies["__Host-refresh"]
    assert browser.request("GET", "/api/me").json["provider"] == provider
    refreshed = browser.request("POST", "/auth/refresh", csrf=True)
    assert refreshed.status == 200 and all(line.startswith("__Host-") for line in refreshed.headers["set-cookie"])
    assert browser.request("POST", "/auth/logout", csrf=True).status == 200
    assert "session" not in browser.jar and "csrf" not in browser.jar
    page = browser.request("GET", "/consultations/new", headers={"Accept": "text/html"})
    assert b'<meta name="csrf-cookie" content="__Host-csrf">' in page.body  # the pages' scripts are told the name


def test_an_https_stage_reads_only_host_prefixed_cookies(https_site) -> None:
    """A cookie a sibling subdomain or a plain-HTTP page could plant (no ``__Host-`` prefix) is ignored."""
    browser = https_site.sign_in()
    token = browser.jar["session"]
    assert https_site.api.get("/api/me", headers={"Cookie": f"__Host-session={token}"}).status == 200
    assert_error(https_site.api.get("/api/me", headers={"Cookie": f"session={token}"}), 401, "not_signed_in")
    forged_csrf = {"Cookie": f"__Host-session={token}; csrf=planted", "X-CSRF-Token": "planted"}
    assert_error(https_site.api.request("DELETE", "/api/me", headers=forged_csrf), 403, "csrf_failed")
    planted_refresh = https_site.api.request("POST", "/auth/refresh", headers={
        "Cookie": f"refresh={browser.jar['refresh']}; __Host-csrf={browser.jar['csrf']}",
        "X-CSRF-Token": browser.jar["csrf"]})
    assert_error(planted_refresh, 401, "not_signed_in")


def test_the_local_stage_reads_its_plain_cookie_names_only(site) -> None:
    browser = site.sign_in()
    token = browser.jar["session"]
    assert site.api.get("/api/me", headers={"Cookie": f"session={token}"}).status == 200
    assert_error(site.api.get("/api/me", headers={"Cookie": f"__Host-session={token}"}), 401, "not_signed_in")
    page = browser.request("GET", "/consultations/new", headers={"Accept": "text/html"})
    assert b'<meta name="csrf-cookie" content="csrf">' in page.body

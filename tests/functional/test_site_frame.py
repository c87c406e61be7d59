"""The site's frame without a browser: where each person lands after signing in (through the dev
identity provider), the signed-in start page, the answer for an address no route serves (HTML for
browsers, the error shape for API clients, locally and in API Gateway's gateway responses), the
footer, and the privacy policy built from the stored records and the retention settings."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from chalicelib.api.missing import gateway_bodies, missing_route, wants_html
from chalicelib.domain.identity import Principal, Provider, Role
from chalicelib.services.privacy_policy import privacy_policy, span
from chalicelib.settings import Policy
from ops.deploy import add_gateway_responses
from tests.fakes import FakeAuthenticator
from tests.functional.conftest import TUESDAY_MORNING
from tests.functional.test_signin import Browser, Site, idp, site  # noqa: F401 - fixtures
from tests.support import ApiClient

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def sign_in_without_next(site: Site, provider: str, account: str) -> tuple[Browser, str]:  # noqa: F811
    browser = site.browser()
    started = browser.request("GET", f"/auth/{provider}/login")
    assert started.status == 302, started.body
    path, _ = site.authorize(started.headers["location"], account)
    back = browser.request("GET", path)
    assert back.status == 302, back.body
    pending = browser.request("GET", "/api/me")
    if pending.status == 401 and pending.json["error"]["code"] == "second_factor_required":
        site.pass_second_factor(browser)  # staff: their home asks for the code first
    return browser, back.headers["location"]


# --- landing after sign-in (CONTRACT.md "Additions (round two)") ------------------------------------

@pytest.mark.parametrize("provider,account,home", [
    ("kakao", "resident-kim", "/consultations"),
    ("naver", "resident-lee", "/consultations"),
    ("kakao", "attorney-001", "/attorney"),
    ("kakao", "admin", "/admin"),
])
def test_without_next_each_person_lands_on_their_home(site, provider, account, home) -> None:  # noqa: F811
    browser, location = sign_in_without_next(site, provider, account)
    assert location == home
    page = browser.request("GET", home, headers={"Accept": BROWSER_ACCEPT})
    assert page.status == 200, page.body[:300]  # their page, not the 403 "볼 수 없는 화면입니다"


def test_an_asked_for_page_still_wins_over_the_home(site) -> None:  # noqa: F811
    browser = site.browser()
    path, _ = site.authorize(site.start(browser, "kakao", "/me"), "attorney-001")
    # (a staff member reaches it through the second factor)
    assert browser.request("GET", path).headers["location"] == "/second-factor?next=%2Fme"
    path, _ = site.authorize(site.start(browser, "kakao", "/me"), "resident-kim")
    assert browser.request("GET", path).headers["location"] == "/me"


def test_the_start_page_shows_a_signed_in_resident_their_home(site) -> None:  # noqa: F811
    anonymous = site.browser().request("GET", "/").body.decode()
    assert 'href="/auth/kakao/login"' in anonymous and 'href="/attorney/join"' in anonymous
    browser, _ = sign_in_without_next(site, "kakao", "resident-kim")
    html = browser.request("GET", "/").body.decode()
    assert "/auth/kakao/login" not in html and "/auth/naver/login" not in html
    assert 'href="/consultations">내 상담 보기<' in html
    assert 'href="/attorney/join"' in html  # a resident may still be a volunteer with a code


def test_the_start_page_sends_staff_to_their_console(site) -> None:  # noqa: F811
    browser, _ = sign_in_without_next(site, "kakao", "attorney-001")
    html = browser.request("GET", "/").body.decode()
    assert 'class="btn primary" href="/attorney"' in html
    assert "/auth/kakao/login" not in html and 'href="/attorney/join"' not in html


def test_the_invite_page_asks_for_a_code_and_tells_an_attorney_they_are_linked(site) -> None:  # noqa: F811
    anonymous = site.browser().request("GET", "/attorney/join", headers={"Accept": BROWSER_ACCEPT})
    assert anonymous.status == 401 and "/auth/kakao/login?next=/attorney/join" in anonymous.body.decode()
    resident, _ = sign_in_without_next(site, "kakao", "resident-kim")
    form = resident.request("GET", "/attorney/join").body.decode()
    assert 'id="invite-code"' in form and "/static/join.js" in form
    attorney, _ = sign_in_without_next(site, "kakao", "attorney-001")
    linked = attorney.request("GET", "/attorney/join").body.decode()
    assert 'id="invite-code"' not in linked and "이미 노무사 계정으로 연결" in linked


# --- unknown addresses ----------------------------------------------------------------------------

@pytest.mark.parametrize("accept,html", [
    (BROWSER_ACCEPT, True), ("text/html", True), ("application/json", False), (None, False), ("*/*", False),
    ("application/json, text/html;q=0.5", False), ("text/html;q=0", False),
])
def test_only_a_request_for_html_gets_the_page(accept, html) -> None:
    assert wants_html(accept) is html


@pytest.mark.parametrize("cookie,lang,title", [(None, "ko", "찾을 수 없습니다"), ("lang=en", "en", "Not found")])
def test_an_unknown_path_gives_browsers_the_404_page_in_their_language(api, cookie, lang, title) -> None:
    headers = {"Accept": BROWSER_ACCEPT, **({"Cookie": cookie} if cookie else {})}
    response = missing_route("GET", "/no/such/page?x=1", headers).to_dict()
    assert response["statusCode"] == 404
    assert response["headers"]["Content-Type"].startswith("text/html")
    body = response["body"]
    assert f'<html lang="{lang}">' in body and f"<h1>{title}</h1>" in body
    assert "031-8030-4541" in body and 'href="/privacy"' in body  # the whole frame, footer included


def test_query_lang_picks_the_404_language_too(api) -> None:
    body = missing_route("GET", "/nowhere?lang=en", {"Accept": BROWSER_ACCEPT}).to_dict()["body"]
    assert '<html lang="en">' in body


@pytest.mark.parametrize("method,accept", [("GET", "application/json"), ("GET", None),
                                           ("POST", BROWSER_ACCEPT), ("DELETE", "application/json")])
def test_api_clients_keep_the_json_error_shape(api, method, accept) -> None:
    response = missing_route(method, "/api/nothing", {"Accept": accept} if accept else {}).to_dict()
    assert response["statusCode"] == 404
    assert response["headers"]["Content-Type"] == "application/json"
    assert json.loads(response["body"]) == {"error": {"code": "not_found",
                                                      "message": "There is nothing at this address."}}


def test_gateway_responses_carry_html_for_browsers_and_json_for_the_api() -> None:
    resources: dict = {"RestAPI": {"Type": "AWS::Serverless::Api"}}
    add_gateway_responses(resources)
    missing = resources["MissingRouteResponse"]["Properties"]
    assert missing["ResponseType"] == "MISSING_AUTHENTICATION_TOKEN" and missing["StatusCode"] == "404"
    html = missing["ResponseTemplates"]["text/html"]
    assert html.startswith("<!doctype html>") and '<html lang="ko">' in html and "<h1>찾을 수 없습니다</h1>" in html
    assert '<section class="other-language" lang="en">' in html and "Not found" in html
    assert "$" not in html  # gateway templates substitute $-variables
    assert json.loads(missing["ResponseTemplates"]["application/json"])["error"]["code"] == "not_found"
    denied = resources["AccessDeniedResponse"]["Properties"]
    assert denied["StatusCode"] == "403" and "볼 수 없는 화면입니다" in denied["ResponseTemplates"]["text/html"]
    assert json.loads(resources["Default5xxResponse"]["Properties"]["ResponseTemplates"]["application/json"])
    assert set(gateway_bodies("031-8030-4541")) == {"MISSING_AUTHENTICATION_TOKEN", "ACCESS_DENIED", "DEFAULT_4XX"}


def test_gateway_responses_give_the_phone_of_the_stages_policy() -> None:
    resources: dict = {"RestAPI": {"Type": "AWS::Serverless::Api"}, "APIHandler": {"Properties": {"Environment": {
        "Variables": {"MAEUL_POLICY": json.dumps({"fallback_phone": "02-1234-5678"})}}}}}
    add_gateway_responses(resources)
    unavailable = resources["Default5xxResponse"]["Properties"]["ResponseTemplates"]["application/json"]
    missing = resources["MissingRouteResponse"]["Properties"]["ResponseTemplates"]["text/html"]
    assert "02-1234-5678" in json.loads(unavailable)["error"]["message"] and "02-1234-5678" in missing
    assert "8030-4541" not in unavailable + missing


# --- footer and the information pages ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/privacy", "/terms", "/accessibility"])
def test_every_page_has_the_operator_phone_and_policy_links(api: ApiClient, path: str) -> None:
    page = api.get(path)
    assert page.status == 200
    html = page.body.decode()
    assert "경기도노동권익센터" in html and "운영: 경기도" in html
    assert re.search(r'<a class="nowrap" href="tel:03180304541">031-8030-4541</a>', html)
    for link in ('href="/privacy"', 'href="/terms"', 'href="/accessibility"'):
        assert link in html


def test_the_privacy_policy_lists_what_is_kept_for_as_long_as_the_settings_say(api: ApiClient) -> None:
    html = api.get("/privacy").body.decode()
    assert "<h1>개인정보처리방침</h1>" in html
    assert "상담 종료 후 3년까지 보관" in html  # retention_days_after_close = 3 × 365
    assert "기록한 뒤 2년까지 보관" in html  # login_history_days = 2 × 366
    assert "보낸 뒤 4년까지 보관" in html  # messages: the consultation's retention + 1 year
    assert "10분 뒤 삭제" in html  # signalling data (IP addresses) 600 s
    for item in ("휴대전화 번호", "상담 내용", "IP 주소", "노동조합 가입 여부"):
        assert item in html
    english = api.get("/privacy?lang=en").body.decode()
    assert '<html lang="en">' in english and "3 years after the consultation closes" in english


def test_a_changed_retention_setting_changes_the_published_policy() -> None:
    policy = privacy_policy(Policy(retention_days_after_close=5 * 365, login_history_days=400,
                                   signal_ttl_seconds=300), booking_keep_days=30)
    kept = {r.name.en: r.kept for r in policy.records}
    assert kept["Consultation request"].ko == "상담 종료 후 5년까지 보관, 이후 지체 없이 파기"
    assert kept["Consultation messages"].en.startswith("6 years after it was sent")
    assert kept["Sign-in history"].ko.startswith("기록한 뒤 400일")
    assert "5분" in kept["Video and voice connection data"].ko
    assert span(732).ko == "2년" and span(30).en == "30 days" and span(1).en == "1 day"


def test_the_sign_in_buttons_follow_the_providers_guidelines(api: ApiClient) -> None:
    html = api.get("/").body.decode()
    kakao = re.search(r'<a class="btn kakao"[^>]*>(.*?)</a>', html, re.S).group(1)
    naver = re.search(r'<a class="btn naver"[^>]*>(.*?)</a>', html, re.S).group(1)
    assert "<svg" in kakao and 'aria-hidden="true"' in kakao and "<span>카카오 로그인</span>" in kakao
    assert "<svg" in naver and 'fill="#fff"' in naver and "<span>네이버 로그인</span>" in naver
    css = api.get("/static/app.css").body.decode()
    assert re.search(r"\.btn\.kakao \{ background: #fee500;", css)
    assert re.search(r"\.btn\.naver \{ background: #03c75a;", css)



# --- the intake form's server-given facts (the site's clock, not the browser's) -------------------------

@pytest.mark.parametrize("moment,open_now", [
    (TUESDAY_MORNING, True),
    (datetime(2026, 12, 5, 10, 30, tzinfo=UTC), False),  # Saturday 19:30 KST
])
def test_the_form_says_whether_real_time_is_open_by_the_sites_clock(clock_at, moment, open_now) -> None:
    container = clock_at(moment)
    auth = FakeAuthenticator()
    container.__dict__["authenticator"] = auth
    token = auth.issue(Principal("kakao:9", Role.RESIDENT, Provider.KAKAO, "s9", None))
    html = ApiClient().get("/consultations/new", headers={"Authorization": f"Bearer {token}"}).body.decode()
    today = container.calendar.local_date(moment).isoformat()
    assert f'data-today="{today}"' in html
    assert f'data-realtime-open="{"yes" if open_now else "no"}"' in html
    if open_now:
        assert "지금 상담 시간입니다" in html and "지금 닫힘" not in html
    else:
        assert "지금은 닫혀 있습니다" in html and "12월 7일(월) 10:00" in html and "(지금 닫힘)" in html
    # the required consent lists only the required items; the optional ones have their own consent
    assert 'id="consent_optional"' in html and "[선택] 추가 정보 수집·이용 동의" in html
    assert "카카오톡이 아닙니다" in html

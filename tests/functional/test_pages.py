"""Pages through the app: the landing page, language, static files, security headers."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support import ApiClient


def test_landing_page_in_korean_shows_hours_phone_and_both_sign_ins(api: ApiClient) -> None:
    page = api.get("/")
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.body.decode()
    assert '<html lang="ko">' in html
    assert "지금 상담 중입니다" in html  # Tuesday 10:30 KST
    assert "031-8030-4541" in html
    # no ``next``: after signing in each person lands on their own home (CONTRACT "landing after sign-in")
    assert 'href="/auth/kakao/login"' in html and "카카오 로그인" in html
    assert 'href="/auth/naver/login"' in html and "네이버 로그인" in html


def test_landing_page_when_closed_names_the_next_opening(clock_at) -> None:
    clock_at(datetime(2026, 12, 5, 3, 0, tzinfo=UTC))  # Saturday noon
    html = ApiClient().get("/").body.decode()
    assert "지금은 상담 시간이 아닙니다" in html
    assert "12월 7일(월) 10:00" in html


def test_english_is_one_click_away_and_remembered(api: ApiClient) -> None:
    page = api.get("/?lang=en")
    assert '<html lang="en">' in page.body.decode()
    assert "We are open now" in page.body.decode()
    assert "lang=en" in page.headers["set-cookie"]
    again = api.get("/", headers={"Cookie": "lang=en"})
    assert '<html lang="en">' in again.body.decode()


def test_every_response_carries_strict_security_headers(api: ApiClient) -> None:
    for path in ("/", "/api/health", "/api/meta?bad=1"):
        headers = api.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"


def test_static_files_are_served_and_paths_cannot_escape(api: ApiClient) -> None:
    css = api.get("/static/app.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    assert api.get("/static/..%2Fapp.py").status == 404
    assert api.get("/static/missing.css").status == 404


def test_no_inline_scripts_or_styles_in_pages(api: ApiClient) -> None:
    html = api.get("/").body.decode()
    assert "<script>" not in html and "style=" not in html and "onclick" not in html


def test_the_catalogues_have_the_same_keys() -> None:
    from chalicelib.domain.languages import own_messages as _load

    assert set(_load("ko")) == set(_load("en"))

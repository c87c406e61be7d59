"""Languages through the app: Accept-Language, the lang cookie, ?lang=, <html lang>, /api/meta, errors."""

from __future__ import annotations

import re
from datetime import UTC

import pytest

from chalicelib.domain.languages import CODES, LANGUAGES
from tests.support import ApiClient, assert_error


def _html_lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', html)
    assert found, html[:200]
    return found.group(1)


@pytest.mark.parametrize(("header", "lang", "sample"), [
    ("vi-VN,vi;q=0.9,en;q=0.8", "vi", "Chúng tôi giúp gì cho bạn?"),
    ("zh-CN,zh;q=0.9", "zh", "我们能帮您什么？"),
    ("ko-KR,ko;q=0.9,en-US;q=0.8", "ko", "무엇을 도와드리나요?"),
    ("en-US,en;q=0.9", "en", "What we help with"),
    ("de-DE,fr;q=0.8", "ko", "무엇을 도와드리나요?"),            # none of ours: Korean
    ("de-DE, en;q=0.2, vi;q=0.5", "vi", "Chúng tôi giúp gì cho bạn?"),
])
def test_pages_follow_accept_language(api: ApiClient, header: str, lang: str, sample: str) -> None:
    page = api.get("/", headers={"Accept-Language": header})
    html = page.body.decode()
    assert _html_lang(html) == lang
    assert sample in html
    assert "set-cookie" not in {k.lower() for k in page.headers}  # only a choice is remembered
    assert "Accept-Language" in page.headers["vary"]


def test_the_cookie_beats_accept_language_and_the_link_beats_both(api: ApiClient) -> None:
    by_cookie = api.get("/", headers={"Accept-Language": "vi", "Cookie": "lang=zh"}).body.decode()
    assert _html_lang(by_cookie) == "zh"
    chosen = api.get("/?lang=ko-x-easy", headers={"Accept-Language": "vi", "Cookie": "lang=zh"})
    assert _html_lang(chosen.body.decode()) == "ko-x-easy"
    assert "월급을 못 받았을 때(임금체불)" in chosen.body.decode()
    assert chosen.headers["set-cookie"].startswith("lang=ko-x-easy;")
    assert "SameSite=Lax" in chosen.headers["set-cookie"]
    # an unknown cookie or ?lang= is ignored, not an error
    odd = api.get("/?lang=xx", headers={"Accept-Language": "vi", "Cookie": "lang=fr"})
    assert odd.status == 200 and _html_lang(odd.body.decode()) == "vi"


def test_the_picker_offers_every_language_in_its_own_name_on_every_page(api: ApiClient) -> None:
    for path in ("/", "/consultations/new", "/me", "/attorney"):
        html = api.get(path, headers={"Accept": "text/html", "Accept-Language": "zh"}).body.decode()
        for language in LANGUAGES:
            assert (f'<a href="?lang={language.code}" hreflang="{language.code}" lang="{language.code}"'
                    in html), (path, language.code)
            assert f">{language.name}</a>" in html
        assert 'aria-current="true">中文(简体)</a>' in html


def test_the_next_opening_is_written_the_way_the_language_writes_dates(clock_at) -> None:
    from datetime import datetime

    clock_at(datetime(2026, 12, 5, 3, 0, tzinfo=UTC))  # Saturday noon
    client = ApiClient()
    assert "12월 7일(월) 10:00" in client.get("/?lang=ko").body.decode()
    assert "2026年12月7日(周一) 10:00" in client.get("/?lang=zh").body.decode()
    assert "10:00, T2 07/12/2026" in client.get("/?lang=vi").body.decode()
    assert "2026-12-07 10:00" in client.get("/?lang=en").body.decode()


def test_meta_lists_the_languages_and_names_things_in_the_one_asked_for(api: ApiClient) -> None:
    meta = api.get("/api/meta").json
    assert [x["code"] for x in meta["languages"]] == list(CODES)
    assert {x["code"]: x["name"] for x in meta["languages"]}["vi"] == "Tiếng Việt"
    assert {x["code"]: x["name"] for x in meta["languages"]}["ko-x-easy"] == "쉬운 한국어"
    assert all(x["html_lang"] == x["code"] for x in meta["languages"])
    assert meta["lang"] == "ko" and meta["methods"][0]["name"] == "메신저 상담"
    vi = api.get("/api/meta?lang=vi").json
    assert vi["lang"] == "vi"
    assert vi["categories"][0] == {"code": "wage_arrears", "name_ko": "임금체불", "name_en": "Wage arrears",
                                   "name": "Nợ lương (chậm trả lương)", "share_percent": 43}
    assert {r["code"]: r["name"] for r in vi["regions"]}["ansan"] == "Ansan"
    by_header = api.get("/api/meta", headers={"Accept-Language": "zh-CN"}).json
    assert by_header["lang"] == "zh" and by_header["modes"][0]["name"] == "实时咨询"
    assert_error(api.get("/api/meta?lang=fr"), 400, "invalid_input")


def test_api_errors_speak_the_persons_language_and_english_without_one(api: ApiClient) -> None:
    plain = api.get("/api/consultations")
    assert_error(plain, 401)
    assert plain.json["error"]["message"].isascii()
    vi = api.get("/api/consultations", headers={"Accept-Language": "vi"})
    assert vi.status == 401 and vi.json["error"]["code"] == plain.json["error"]["code"]
    assert "đăng nhập" in vi.json["error"]["message"]
    zh = api.get("/api/consultations", headers={"Cookie": "lang=zh"})
    assert "登录" in zh.json["error"]["message"]
    invalid = api.get("/api/meta?lang=fr", headers={"Accept-Language": "ko"}).json["error"]
    assert invalid["code"] == "invalid_input"
    assert invalid["message"] == "다음 항목을 확인해 주세요: lang"
    assert invalid["details"][0]["field"] == "lang"


@pytest.fixture
def signed_in(clock_at):
    from chalicelib.domain.identity import Principal, Provider, Role
    from tests.fakes import FakeAuthenticator
    from tests.functional.conftest import TUESDAY_MORNING

    container = clock_at(TUESDAY_MORNING)
    auth = FakeAuthenticator()
    container.__dict__["authenticator"] = auth
    tokens = {role: {"Authorization": "Bearer " + auth.issue(Principal(
        f"kakao:{i}", role, Provider.KAKAO, f"s{i}", "att-001" if role is Role.ATTORNEY else None))}
        for i, role in enumerate(Role)}
    return ApiClient(), tokens


@pytest.mark.parametrize(("lang", "samples"), [
    ("vi", ["Thời gian lưu giữ", "Lưu giữ 3 năm sau khi kết thúc tư vấn", "Nợ lương (chậm trả lương)",
            "Tư vấn qua tin nhắn"]),
    ("zh", ["保存期限", "咨询结束后保存 3 年", "拖欠工资", "聊天咨询"]),
    ("ko-x-easy", ["얼마나 보관하나요", "상담이 끝나고 3년 동안 보관합니다", "월급을 못 받음 (임금체불)"]),
])
def test_every_signed_in_page_renders_in_the_language_with_the_consent_text_in_it(signed_in, lang,
                                                                                  samples) -> None:
    from chalicelib.domain.identity import Role

    api, tokens = signed_in
    form = api.get("/consultations/new", headers={**tokens[Role.RESIDENT], "Cookie": f"lang={lang}"})
    assert form.status == 200
    html = form.body.decode()
    assert _html_lang(html) == lang
    for sample in samples:
        assert sample in html
    for path, role in (("/consultations", Role.RESIDENT), ("/me", Role.RESIDENT),
                       ("/attorney", Role.ATTORNEY), ("/admin", Role.ADMIN)):
        page = api.get(path, headers={**tokens[role], "Accept-Language": lang})
        assert page.status == 200 and _html_lang(page.body.decode()) == lang, path


def test_the_consent_api_carries_the_notice_in_every_language(api: ApiClient) -> None:
    notice = api.get("/api/consent").json
    purpose = notice["privacy"]["purpose"]
    assert set(purpose) == set(CODES)
    assert purpose["ko"].startswith("노동 상담 신청 접수")
    assert purpose["vi"].startswith("Để tiếp nhận yêu cầu tư vấn")
    assert "031-8030-4541" in notice["privacy"]["refusal"]["zh"]


def test_a_resident_in_another_language_is_told_how_an_interpreted_consultation_goes(signed_in) -> None:
    from chalicelib.domain.identity import Role

    api, tokens = signed_in
    path = "/consultations/12345678-1234-4234-8234-123456789012"
    vi = api.get(path, headers={**tokens[Role.RESIDENT], "Cookie": "lang=vi"}).body.decode()
    assert "Nếu bạn cần phiên dịch" in vi and 'href="tel:16440644">1644-0644</a>' in vi
    ko = api.get(path, headers={**tokens[Role.RESIDENT], "Cookie": "lang=ko"}).body.decode()
    assert 'id="interpreting"' not in ko


def test_the_account_language_follows_the_person_over_cookie_and_header() -> None:
    from chalicelib.composition import use_container
    from chalicelib.domain.identity import Principal, Provider, Role
    from chalicelib.domain.users import UserProfile
    from tests.fakes import FakeAuthenticator
    from tests.functional.conftest import TUESDAY_MORNING
    from tests.identity_fakes import signin_container

    container = signin_container({}, lambda: TUESDAY_MORNING)
    auth = FakeAuthenticator()
    container.__dict__["authenticator"] = auth
    use_container(container)
    try:
        resident = {"Authorization": "Bearer " + auth.issue(Principal("kakao:1", Role.RESIDENT, Provider.KAKAO,
                                                                      "s1"))}
        users = container.users
        users.signed_in("kakao:1", Provider.KAKAO, UserProfile(), TUESDAY_MORNING)
        api = ApiClient()
        before = api.get("/me", headers={**resident, "Cookie": "lang=vi", "Accept-Language": "zh"}).body.decode()
        assert _html_lang(before) == "vi"  # no account setting yet: the cookie
        assert api.get("/api/me", headers=resident).json["language"] is None
        chosen = api.request("PUT", "/api/me/language", body={"language": "zh"}, headers=resident)
        assert chosen.status == 200 and chosen.json == {"language": "zh"}
        assert chosen.headers["set-cookie"].startswith("lang=zh;")
        assert users.language("kakao:1") == "zh"
        assert api.get("/api/me", headers=resident).json["language"] == "zh"
        for path in ("/me", "/consultations", "/consultations/new"):
            page = api.get(path, headers={**resident, "Cookie": "lang=vi", "Accept-Language": "th"}).body.decode()
            assert _html_lang(page) == "zh", path
        # a choice made right now (?lang=) still wins, and is remembered in the cookie
        assert _html_lang(api.get("/me?lang=ko-x-easy", headers=resident).body.decode()) == "ko-x-easy"
        refused = api.request("PUT", "/api/me/language", body={"language": "fr"}, headers=resident)
        assert_error(refused, 400, "invalid_input")
        assert users.language("kakao:1") == "zh"
        # an account that is gone: 404, nothing stored
        users.erase("kakao:1")
        assert_error(api.request("PUT", "/api/me/language", body={"language": "vi"}, headers=resident), 404)
    finally:
        use_container(None)

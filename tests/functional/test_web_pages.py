"""The signed-in pages without a browser: who sees what, security headers on every page,
and nothing personal in any URL a page writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chalicelib.domain.identity import Principal, Provider, Role
from tests.fakes import FakeAuthenticator
from tests.functional.conftest import TUESDAY_MORNING
from tests.support import ApiClient

CID = "12345678-1234-4234-8234-123456789012"
PAGES = {"/consultations/new": Role.RESIDENT, "/consultations": Role.RESIDENT,
         f"/consultations/{CID}": Role.RESIDENT, "/me": Role.RESIDENT, "/attorney": Role.ATTORNEY,
         "/admin": Role.ADMIN}


@pytest.fixture
def site(clock_at):
    container = clock_at(TUESDAY_MORNING)
    auth = FakeAuthenticator()
    container.__dict__["authenticator"] = auth
    tokens = {role: auth.issue(Principal(f"kakao:{i}", role, Provider.KAKAO, f"s{i}",
                                         "att-001" if role is Role.ATTORNEY else None))
              for i, role in enumerate(Role)}
    return ApiClient(), tokens


def _as(tokens, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


@pytest.mark.parametrize("path,role", PAGES.items())
def test_each_page_renders_for_its_role_with_security_headers(site, path, role) -> None:
    api, tokens = site
    page = api.get(path, headers=_as(tokens, role))
    assert page.status == 200, page.body[:500]
    h = page.headers
    assert h["content-type"].startswith("text/html")
    csp = h["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert h["x-frame-options"] == "DENY" and h["x-content-type-options"] == "nosniff"
    assert h["cache-control"] == "no-store"
    html = page.body.decode()
    assert "<script>" not in html and " style=" not in html and "onclick" not in html
    data = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert data and json.loads(data.group(1))["messages"]


@pytest.mark.parametrize("path", PAGES)
def test_without_a_session_the_sign_in_buttons_come_back_to_the_page(site, path) -> None:
    api, _ = site
    page = api.get(path)
    assert page.status == 401
    html = page.body.decode()
    assert "/auth/kakao/login?next=" in html and "/auth/naver/login?next=" in html
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_other_roles_get_403(site) -> None:
    api, tokens = site
    assert api.get("/admin", headers=_as(tokens, Role.RESIDENT)).status == 403
    assert api.get("/attorney", headers=_as(tokens, Role.RESIDENT)).status == 403
    assert api.get("/consultations/new", headers=_as(tokens, Role.ATTORNEY)).status == 403
    assert api.get("/consultations/not-an-id", headers=_as(tokens, Role.RESIDENT)).status == 404


def test_english_and_korean_show_the_consent_text(site) -> None:
    api, tokens = site
    ko = api.get("/consultations/new", headers=_as(tokens, Role.RESIDENT)).body.decode()
    en = api.get("/consultations/new?lang=en", headers=_as(tokens, Role.RESIDENT)).body.decode()
    assert "보유 기간" in ko and 'lang="ko"' in ko
    assert "Retention" in en and 'lang="en"' in en and "destroyed without delay" in en


def test_page_catalogues_have_the_same_keys() -> None:
    root = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "i18n"
    ko = json.loads((root / "ko" / "pages.json").read_text(encoding="utf-8"))
    en = json.loads((root / "en" / "pages.json").read_text(encoding="utf-8"))
    assert ko.keys() == en.keys()
    for key in ko:
        assert set(re.findall(r"{(\w+)}", ko[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_scripts_never_use_storage_or_put_personal_fields_in_urls() -> None:
    static = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "static"
    for name in ("api.js", "intake.js", "status.js", "mine.js", "me.js", "attorney.js", "admin.js"):
        script = static / name
        text = script.read_text(encoding="utf-8")
        assert "localStorage" not in text and "sessionStorage" not in text and "indexedDB" not in text, script
        assert "innerHTML" not in text, script
        for url in re.findall(r'"(/[^"]*\?[^"]*)"', text):
            assert not re.search(r"name|phone|email|description", url), (script, url)


def test_the_assigned_attorney_by_display_name_for_readers_only(site) -> None:
    from datetime import timedelta

    from chalicelib.composition import get_container
    from chalicelib.domain.attorneys import Attorney
    from chalicelib.domain.categories import Method, Mode
    from chalicelib.domain.consultations import Consultation, Language, Status
    from tests.twins.memory import MemoryConsultationRepository, MemoryRoster

    api, tokens = site
    consultations, roster = MemoryConsultationRepository(365), MemoryRoster()
    get_container().__dict__.update(consultations=consultations, attorneys=roster)
    roster.save(Attorney("att-001", "김민준 노무사", frozenset({"dismissal"}), frozenset({"suwon"})))
    owner = f"kakao:{list(Role).index(Role.RESIDENT)}"
    base = dict(owner=owner, category="dismissal", region="suwon", mode=Mode.REALTIME, method=Method.CHAT,
                language=Language.KO, created_at=TUESDAY_MORNING - timedelta(minutes=5),
                updated_at=TUESDAY_MORNING, month="2026-12", consent_version="v1")
    consultations.items[CID] = Consultation(id=CID, status=Status.MATCHED, attorney_id="att-001", **base)
    other = CID[:-1] + "3"
    consultations.items[other] = Consultation(id=other, status=Status.SUBMITTED, **{**base, "owner": "kakao:99"})
    seen = api.get(f"/api/consultations/{CID}/attorney", headers=_as(tokens, Role.RESIDENT))
    assert seen.status == 200 and seen.json == {"assigned": True,
                                                "attorney": {"id": "att-001", "display_name": "김민준 노무사"}}
    assert seen.headers["cache-control"] == "no-store"
    assert api.get(f"/api/consultations/{other}/attorney", headers=_as(tokens, Role.RESIDENT)).status == 404
    assert api.get(f"/api/consultations/{other}/attorney", headers=_as(tokens, Role.ADMIN)).json == \
        {"assigned": False, "attorney": None}
    assert api.get("/api/consultations/nope/attorney", headers=_as(tokens, Role.ADMIN)).status == 404

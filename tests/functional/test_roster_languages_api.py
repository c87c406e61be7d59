"""Languages in the roster (admin API) and in the statistics: requests per language."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta

from chalicelib.domain.categories import Method, Mode
from chalicelib.domain.consultations import Consultation, Language, Status
from tests.functional.conftest import TUESDAY_MORNING
from tests.functional.test_admin_console_api import NEW, console  # noqa: F401 - the fixture
from tests.support import assert_error


def test_an_attorneys_languages_are_set_listed_kept_and_changed(console) -> None:  # noqa: F811
    api, admin, _, roster, _, _, _ = console
    created = api.post("/api/admin/attorneys", headers=admin,
                       body={**NEW, "id": "att-700", "languages": ["vi", "ko", "zh", "vi"]})
    assert created.status == 201, created.body
    assert created.json["languages"] == ["vi", "zh"]  # Korean goes without saying
    assert roster.get("att-700").speaks("vi") and not roster.get("att-700").speaks("th")
    listed = {a["id"]: a for a in api.get("/api/admin/attorneys", headers=admin).json["items"]}
    assert listed["att-700"]["languages"] == ["vi", "zh"]
    change = {k: NEW[k] for k in ("display_name", "categories", "regions")}
    kept = api.request("PUT", "/api/admin/attorneys/att-700", body=change, headers=admin)
    assert kept.status == 200 and kept.json["languages"] == ["vi", "zh"]  # left out: unchanged
    changed = api.request("PUT", "/api/admin/attorneys/att-700", body={**change, "languages": ["th"]}, headers=admin)
    assert changed.json["languages"] == ["th"] and roster.get("att-700").languages == frozenset({"th"})
    cleared = api.request("PUT", "/api/admin/attorneys/att-700", body={**change, "languages": []}, headers=admin)
    assert cleared.json["languages"] == [] and roster.get("att-700").languages == frozenset()
    plain = api.post("/api/admin/attorneys", body={**NEW, "id": "att-701"}, headers=admin)
    assert plain.json["languages"] == []


def test_an_unknown_language_is_refused_with_the_field_named(console) -> None:  # noqa: F811
    api, admin, *_ = console
    response = api.post("/api/admin/attorneys", body={**NEW, "languages": ["vi", "fr"]}, headers=admin)
    assert_error(response, 400, "invalid_input")
    assert response.json["error"]["details"][0]["field"] == "languages"
    assert "fr" in response.json["error"]["details"][0]["message"]


def test_statistics_count_requests_per_language(console) -> None:  # noqa: F811
    api, admin, _, _, _, _, consultations = console
    base = Consultation(id="00000000-0000-0000-0000-000000000000", owner="kakao:1", status=Status.SUBMITTED,
                        category="wage_arrears", region="ansan", mode=Mode.REALTIME, method=Method.CHAT,
                        language=Language.KO, created_at=TUESDAY_MORNING - timedelta(hours=1),
                        updated_at=TUESDAY_MORNING, month="2026-12", consent_version="v1")
    for n, language in enumerate([Language.VI, Language.VI, Language.NE, Language.KO, Language.KO_X_EASY,
                                  Language.VI]):
        c = replace(base, id=f"00000000-0000-0000-0000-{n:012d}", owner=f"kakao:{n}", language=language)
        consultations.items[c.id] = c
    s = api.get("/api/admin/stats?month=2026-12", headers=admin).json
    assert [(r["code"], r["count"]) for r in s["by_language"]] == [("vi", 3), ("ko", 1), ("ko-x-easy", 1),
                                                                   ("ne", 1)]
    table = list(csv.reader(io.StringIO(api.get("/api/admin/stats?month=2026-12&format=csv",
                                                headers=admin).body.decode("utf-8-sig"))))
    assert ["2026-12", "language", "vi", "3", ""] in table

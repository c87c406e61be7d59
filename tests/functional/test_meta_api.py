"""The first endpoints through the app: health, programme facts, the API description."""

from __future__ import annotations

from datetime import UTC, datetime

from openapi_spec_validator import validate

from tests.support import ApiClient, assert_error


def test_health(api: ApiClient) -> None:
    response = api.get("/api/health")
    assert response.status == 200
    assert response.json == {"status": "ok"}


def test_meta_lists_31_regions_and_the_categories(api: ApiClient) -> None:
    meta = api.get("/api/meta").json
    assert len(meta["regions"]) == 31
    assert {r["code"] for r in meta["regions"]} >= {"suwon", "goyang", "yeoncheon", "gapyeong"}
    assert all(r["admin_code"].startswith("41") for r in meta["regions"])
    codes = [c["code"] for c in meta["categories"]]
    assert codes[:3] == ["wage_arrears", "dismissal", "industrial_accident"]
    assert {c["name_ko"] for c in meta["categories"]} >= {"임금체불", "산업재해"}
    assert [m["code"] for m in meta["methods"]] == ["chat", "video", "phone"]
    assert [m["code"] for m in meta["modes"]] == ["realtime", "reservation"]
    assert meta["fallback_phone"] == "031-8030-4541"
    assert meta["service_hours"]["windows"] == [{"start": "10:00", "end": "11:30"},
                                                {"start": "14:00", "end": "17:00"}]


def test_meta_says_open_now_on_a_tuesday_morning(api: ApiClient) -> None:
    today = api.get("/api/meta").json["today"]
    assert today == {"date": "2026-12-01", "is_service_day": True, "holiday_name": None,
                     "open_now": True, "next_opening": "2026-12-01T14:00:00+09:00"}


def test_meta_on_christmas_names_the_holiday_and_the_next_opening(clock_at) -> None:
    clock_at(datetime(2026, 12, 25, 3, 0, tzinfo=UTC))  # 12:00 KST, Friday
    today = ApiClient().get("/api/meta").json["today"]
    assert today["is_service_day"] is False
    assert today["holiday_name"] and "기독탄신일" in today["holiday_name"]
    assert today["open_now"] is False
    assert today["next_opening"] == "2026-12-28T10:00:00+09:00"


def test_meta_rejects_unknown_parameters_with_a_json_error(api: ApiClient) -> None:
    error = assert_error(api.get("/api/meta?colour=blue"), 400, "invalid_input")
    assert "colour" in error["message"]
    assert_error(api.get("/api/meta?lang=fr"), 400, "invalid_input")
    assert api.get("/api/meta?lang=en").status == 200


def test_wrong_method_is_a_json_4xx(api: ApiClient) -> None:
    response = api.post("/api/meta", body={"x": 1})
    assert 400 <= response.status < 500
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.body.decode()


def test_unknown_route_is_a_json_4xx_without_a_trace(api: ApiClient) -> None:
    # Chalice's API Gateway emulation answers 403 with a JSON body; on AWS the
    # packaged template's gateway responses turn it into our 404 envelope
    # (tests/integration/test_package.py checks they are there).
    response = api.get("/api/does-not-exist")
    assert 400 <= response.status < 500
    assert isinstance(response.json, dict)
    assert "Traceback" not in response.body.decode()


def test_openapi_document_is_valid_and_built_from_the_models(api: ApiClient) -> None:
    doc = api.get("/api/openapi.json").json
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    meta_op = doc["paths"]["/api/meta"]["get"]
    schema_ref = meta_op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    meta_schema = doc["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"categories", "regions", "service_hours", "fallback_phone"} <= set(meta_schema["properties"])
    assert "400" in meta_op["responses"]  # documented because the route takes a query model


def test_unexpected_errors_become_a_json_500_without_internals(clock_at) -> None:
    def broken_clock() -> datetime:
        raise RuntimeError("secret internal detail")

    container = clock_at(datetime(2026, 12, 1, tzinfo=UTC))
    container.clock = broken_clock
    response = ApiClient().get("/api/meta")
    error = assert_error(response, 500, "internal_error")
    assert "secret internal detail" not in response.body.decode()
    assert "031-8030-4541" in error["message"]

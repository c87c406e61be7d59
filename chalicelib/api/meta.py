"""Public, anonymous endpoints: health, programme facts, the OpenAPI spec."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.http import json_response, parse_query
from chalicelib.api.openapi import spec
from chalicelib.composition import get_container
from chalicelib.services import programme

bp = ApiBlueprint(__name__)


class Health(BaseModel):
    status: Literal["ok"]


class MetaQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: Literal["ko", "en"] | None = None


@spec.operation("GET", "/api/health", "Liveness check", tags=("meta",),
                responses={200: Health})
@bp.route("/api/health", methods=["GET"])
def health() -> object:
    return json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})


@spec.operation("GET", "/api/meta", "Categories, regions, service hours, methods and the phone line",
                tags=("meta",), query=MetaQuery, responses={200: programme.Meta})
@bp.route("/api/meta", methods=["GET"])
def meta() -> object:
    parse_query(bp.current_request, MetaQuery)
    container = get_container()
    facts = programme.describe(container.settings.policy, container.calendar, container.clock())
    return json_response(facts, headers={"Cache-Control": "public, max-age=60"})


@spec.operation("GET", "/api/openapi.json", "This API's OpenAPI 3.1 document", tags=("meta",))
@bp.route("/api/openapi.json", methods=["GET"])
def openapi() -> object:
    return json_response(spec.document())

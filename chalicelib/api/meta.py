"""Public, anonymous endpoints: health, programme facts, the OpenAPI spec."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.http import json_response, parse_query
from chalicelib.api.openapi import spec
from chalicelib.composition import Container
from chalicelib.domain import languages
from chalicelib.services import programme
from chalicelib.web.html import request_language

bp = ApiBlueprint(__name__)


class Health(BaseModel):
    status: Literal["ok"]


class MetaQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lang: Literal[languages.CODES] | None = None  # type: ignore[valid-type]


@operation(bp, "GET", "/api/health", "Liveness check", tags=("meta",),
           responses={200: Health})
def health() -> object:
    return json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})


@operation(bp, "GET", "/api/meta", "Categories, regions, service hours, methods, the phone line and "
           "the languages Maeul speaks",
           tags=("meta",), query=MetaQuery, responses={200: programme.Meta})
def meta(*, container: Container) -> object:
    query = parse_query(bp.current_request, MetaQuery)
    lang = query.lang or request_language(bp.current_request)
    facts = container.programme.describe(lang)
    return json_response(facts, headers={"Cache-Control": "public, max-age=60",
                                         "Vary": "Accept-Language, Cookie"})


@operation(bp, "GET", "/api/openapi.json", "This API's OpenAPI 3.1 document", tags=("meta",))
def openapi() -> object:
    from chalicelib.api import routing

    routing.load_all()  # every module's operations (the package loads them on first use)
    return json_response(spec.document())

"""OpenAPI 3.1 document built from the routes' pydantic models.

Routes describe themselves through ``endpoint.operation(...)``, which registers the Chalice
route and calls ``spec.operation`` with the same method and path; the document is assembled
from those descriptions and the models' JSON schemas, so it cannot drift from the code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

F = TypeVar("F", bound=Callable[..., Any])


class ErrorDetail(BaseModel):
    field: str
    message: str
    type: str | None = None  # the rule broken (e.g. "bidi_controls", "invisible_text"), for localised messages


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] | dict[str, Any] | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tags: tuple[str, ...]
    request: type[BaseModel] | None
    responses: dict[int, type[BaseModel] | type[list[Any]] | None]
    errors: tuple[int, ...]
    auth: bool
    query: type[BaseModel] | None
    headers: tuple[tuple[str, bool, str], ...]
    # other media types a success response can have besides JSON: {status: {media type: schema}}
    media: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    module: str = ""  # the module that describes it (the document lists modules in a fixed order)


@dataclass
class ApiSpec:
    title: str
    version: str
    description: str = ""
    operations: list[Operation] = field(default_factory=list)

    def operation(self, method: str, path: str, summary: str, *, tags: tuple[str, ...] = (),
                  request: type[BaseModel] | None = None,
                  responses: dict[int, Any] | None = None, errors: tuple[int, ...] = (),
                  auth: bool = False, query: type[BaseModel] | None = None,
                  headers: tuple[tuple[str, bool, str], ...] = (),
                  media: dict[int, dict[str, dict[str, Any]]] | None = None,
                  module: str | None = None) -> Callable[[F], F]:
        if module is None:
            module = sys._getframe(1).f_globals.get("__name__", "")  # the route module describing itself
        op = Operation(method.lower(), path, summary, tags, request, responses or {200: None},
                       errors, auth, query, headers, media or {}, module)
        self.operations.append(op)

        def decorate(func: F) -> F:
            return func

        return decorate

    def document(self) -> dict[str, Any]:
        models: set[type[BaseModel]] = {ErrorEnvelope}
        for op in self.operations:
            if op.request:
                models.add(op.request)
            for model in op.responses.values():
                inner = _list_item(model)
                if inner is not None:
                    models.add(inner)
                elif isinstance(model, type) and issubclass(model, BaseModel):
                    models.add(model)
        ordered = sorted(models, key=lambda m: m.__name__)
        _, defs = models_json_schema([(m, "serialization") for m in ordered],
                                     ref_template="#/components/schemas/{model}")
        schemas = defs.get("$defs", {})
        paths: dict[str, dict[str, Any]] = {}
        for op in sorted(self.operations, key=_module_position):
            paths.setdefault(op.path, {})[op.method] = self._operation(op)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version, "description": self.description},
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                },
            },
        }

    def _operation(self, op: Operation) -> dict[str, Any]:
        doc: dict[str, Any] = {"summary": op.summary, "operationId": _operation_id(op),
                               "responses": {}}
        if op.tags:
            doc["tags"] = list(op.tags)
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in _path_params(op.path)]
        if op.query is not None:
            schema = op.query.model_json_schema()
            required = set(schema.get("required", []))
            for name, prop in schema.get("properties", {}).items():
                prop = {k: v for k, v in prop.items() if k != "title"}
                params.append({"name": name, "in": "query", "required": name in required,
                               "schema": prop})
        for name, required, description in op.headers:
            params.append({"name": name, "in": "header", "required": required,
                           "description": description, "schema": {"type": "string"}})
        if params:
            doc["parameters"] = params
        if op.request is not None:
            doc["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _ref(op.request)}}}
        for status, model in op.responses.items():
            response: dict[str, Any] = {"description": _reason(status)}
            schema = _schema_for(model)
            if schema is not None:
                response["content"] = {"application/json": {"schema": schema}}
            for media_type, media_schema in op.media.get(status, {}).items():
                response.setdefault("content", {})[media_type] = {"schema": media_schema}
            doc["responses"][str(status)] = response
        # a JSON body goes through ``http.parse_body``: too large 413, not JSON 415, invalid 400;
        # a signed-in route reads the session store: 503 ``service_unavailable`` while it is down;
        # a state-changing request signed in by cookie without its CSRF token gets 403 (``guard``)
        unsafe = op.method not in ("get", "head", "options")
        for status in sorted(set(op.errors) | ({400, 413, 415} if op.request else set())
                             | ({400} if op.query else set()) | ({401, 503} if op.auth else set())
                             | ({403} if op.auth and unsafe else set())):
            doc["responses"][str(status)] = {
                "description": _reason(status),
                "content": {"application/json": {"schema": _ref(ErrorEnvelope)}},
            }
        if op.auth:
            doc["security"] = [{"bearer": []}, {"session": []}]
        return doc


def _list_item(model: Any) -> type[BaseModel] | None:
    args = getattr(model, "__args__", None)
    if getattr(model, "__origin__", None) is list and args:
        item = args[0]
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def _schema_for(model: Any) -> dict[str, Any] | None:
    if model is None:
        return None
    inner = _list_item(model)
    if inner is not None:
        return {"type": "array", "items": _ref(inner)}
    if isinstance(model, dict):
        return model
    return _ref(model)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def _operation_id(op: Operation) -> str:
    words = [p.strip("{}") for p in op.path.split("/") if p and p != "api"]
    return op.method + "".join(w.replace("-", "_").title().replace("_", "") for w in words)


_REASONS = {200: "OK", 201: "Created", 204: "No Content", 302: "Found", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            413: "Payload Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Entity",
            429: "Too Many Requests", 503: "Service Unavailable"}


def _reason(status: int) -> str:
    return _REASONS.get(status, "Response")


spec = ApiSpec(
    title="Maeul (스마트 마을노무사) API",
    version="1.0.0",
    description="Online front door of the Gyeonggi village labor attorney programme.",
)


def _module_position(op: Operation) -> int:
    """Where a module's operations go in the document, whatever order the modules were loaded in
    (``routing.DOCUMENT_ORDER``); operations of one module keep their own order (the sort is stable)."""
    from chalicelib.api.routing import DOCUMENT_ORDER

    name = op.module.removeprefix("chalicelib.")  # api.<resource>, as routing names it
    return DOCUMENT_ORDER.index(name) if name in DOCUMENT_ORDER else len(DOCUMENT_ORDER)

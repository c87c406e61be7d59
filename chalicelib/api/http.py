"""Small helpers the route adapters share: JSON bodies and responses."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.api.errors import JSON_HEADERS, ApiError

MAX_BODY_BYTES = 32 * 1024
# No request of this API nests deeper than a few levels; a body nested deeper than this is refused
# before it is parsed (a deeply nested body under the size cap would exhaust the parser's stack).
MAX_JSON_DEPTH = 32


class JsonTooDeepError(ValueError):
    def __init__(self) -> None:
        super().__init__(f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep. Send the object "
                         "the API documentation describes (GET /api/openapi.json), without extra nesting.")


def json_depth(raw: bytes, stop_after: int = MAX_JSON_DEPTH) -> int:
    """The deepest nesting of arrays and objects in ``raw`` (strings skipped), counted without parsing;
    stops counting once past ``stop_after``."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_after:
                    return deepest
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def load_json(raw: bytes) -> Any:
    """Parse a JSON body: ``JsonTooDeepError`` past ``MAX_JSON_DEPTH``, ``ValueError`` if malformed."""
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise JsonTooDeepError()
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:  # belt and braces: the count above already refuses these
        raise JsonTooDeepError() from None


def parse_body[M: BaseModel](request: Request, model: type[M], *, max_bytes: int = MAX_BODY_BYTES) -> M:
    """Validate a JSON body against ``model``: 413/415/400 with a clear message otherwise."""
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise ApiError(f"The request body is larger than {max_bytes // 1024} KB.",
                       status=413, code="payload_too_large")
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError("Send the body as JSON with 'Content-Type: application/json'.",
                       status=415, code="unsupported_media_type")
    try:
        data = load_json(raw) if raw else None
    except JsonTooDeepError as exc:
        raise ApiError(str(exc), status=400, code="json_too_deep") from None
    except (UnicodeDecodeError, ValueError):
        raise ApiError("The request body is not valid JSON.", status=400, code="invalid_json") from None
    if not isinstance(data, dict):
        raise ApiError("The request body must be a JSON object.", status=400, code="invalid_json")
    return model.model_validate(data)


def parse_query[M: BaseModel](request: Request, model: type[M]) -> M:
    return model.model_validate(dict(request.query_params or {}))


def json_response(payload: Any, status: int = 200, *, private: bool = False,
                  headers: dict[str, str] | None = None) -> Response:
    """A JSON response; ``private`` responses carry personal data and are never cached."""
    if isinstance(payload, BaseModel):
        body = payload.model_dump_json(by_alias=True)
    else:
        body = json.dumps(payload, ensure_ascii=False, default=str)
    cache = "no-store" if private else "public, max-age=60"
    return Response(body=body, status_code=status,
                    headers={**JSON_HEADERS, "Cache-Control": cache, **(headers or {})})


__all__ = ["JsonTooDeepError", "ValidationError", "json_response", "load_json", "parse_body", "parse_query"]

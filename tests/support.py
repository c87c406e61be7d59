"""Helpers shared by the test suites."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class ApiResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class ApiClient:
    """The Chalice app in-process (``chalice.test``'s HTTP client), with the local
    stage's environment applied to every request."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        from chalice.test import TestHTTPClient

        from app import app
        from ops.localstage import chalice_config

        self._http = TestHTTPClient(app, chalice_config(dict(env or {})))

    def request(self, method: str, path: str, *, body: Any = None, headers: Mapping[str, str] | None = None,
                raw: bytes | None = None) -> ApiResponse:
        hdrs = dict(headers or {})
        data = b""
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        response = self._http.request(method, path, headers=hdrs, body=data)
        return ApiResponse(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                           response.body or b"")

    def get(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> ApiResponse:
        return self.request("POST", path, **kwargs)


def assert_error(response: ApiResponse, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status == status, (response.status, response.body[:500])
    assert response.headers.get("content-type", "").startswith("application/json")
    error = response.json["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error

"""The OpenAPI document the routes describe is the one recorded in ``openapi_document.json`` (compared with
sorted keys: the order of paths and fields may change, nothing else). A change to the API's contract shows
up here as a diff to review; when it is meant, record the new document:
``.venv/bin/python -m tests.unit.test_openapi_document``."""

import json
import sys
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).with_name("openapi_document.json")


def current_document() -> dict[str, Any]:
    import app  # noqa: F401 - registers every blueprint
    from chalicelib.api import routing
    from chalicelib.api.openapi import spec

    routing.load_all()
    return json.loads(json.dumps(spec.document()))  # as the API serves it (tuples become lists)


def _canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def test_the_document_is_the_recorded_one() -> None:
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    current = current_document()
    changed = sorted(set(recorded["paths"]) ^ set(current["paths"]))
    assert not changed, f"paths added or removed: {changed}"
    for path, operations in recorded["paths"].items():
        for method, operation in operations.items():
            assert current["paths"][path].get(method) == operation, f"{method.upper()} {path} changed"
    assert current["components"] == recorded["components"]
    assert _canonical(current) == _canonical(recorded)


if __name__ == "__main__":
    RECORDED.write_text(_canonical(current_document()), encoding="utf-8")
    sys.stdout.write(f"recorded {RECORDED}\n")

"""Where routes live: the JSON API by resource in ``chalicelib/api``, the HTML pages in ``chalicelib/web``;
one attorney's routes (``/api/admin/attorneys...``) in one module."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _decorators(path: Path) -> set[str]:
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Name):
                    names.add(call.id)
    return names


def test_api_modules_serve_json_and_web_modules_serve_pages() -> None:
    api = {p.name: _decorators(p) for p in (ROOT / "chalicelib" / "api").glob("*.py")}
    web = {p.name: _decorators(p) for p in (ROOT / "chalicelib" / "web").glob("*.py")}
    assert not [name for name, found in api.items() if "page" in found], "a page in chalicelib/api"
    assert not [name for name, found in web.items() if "operation" in found], "an API operation in chalicelib/web"
    assert any("page" in found for found in web.values())


def test_every_blueprint_module_is_registered_and_every_route_module_is_a_blueprint() -> None:
    from chalicelib.api import routing

    with_routes = {f"{p.parent.name}.{p.stem}" for folder in ("api", "web")
                   for p in (ROOT / "chalicelib" / folder).glob("*.py") if _decorators(p) & {"operation", "page"}}
    assert with_routes == set(routing.BLUEPRINTS)


def test_the_admins_attorney_routes_are_one_resource_module() -> None:
    import app  # noqa: F401 - registers every blueprint
    from chalicelib.api import routing
    from chalicelib.api.openapi import spec

    routing.load_all()
    modules = {op.module for op in spec.operations if op.path.startswith("/api/admin/attorneys")}
    assert modules == {"chalicelib.api.admin_attorneys"}
    paths = {(op.method, op.path) for op in spec.operations if op.module == "chalicelib.api.admin_attorneys"}
    assert all(path.startswith("/api/admin/attorneys") for _, path in paths)
    assert ("delete", "/api/admin/attorneys/{attorney_id}/second-factor") in paths
    assert ("put", "/api/admin/attorneys/{attorney_id}/availability") in paths

"""Routes are declared once (``chalicelib/api/endpoint.py``): each Chalice route of the app is either an
operation of the OpenAPI document or a page listed as one, and no route looks up the container itself
(the decorator hands it over; ``endpoint`` is the one place in ``chalicelib/api`` and ``chalicelib/web``
that asks for it). The JSON resources live in ``chalicelib/api``, the pages in ``chalicelib/web``."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
API = CHALICELIB / "api"
WEB = CHALICELIB / "web"
ROUTE_DECORATORS = {"operation", "page", "page_route"}
# the edge helpers every route goes through, which run before (guard) or around (a page's rendering, the
# security headers) a handler and may ask ``endpoint.current_container`` for the container
EDGE_HELPERS = {"api/guard.py", "api/security.py", "api/me.py", "api/endpoint.py", "api/errors.py", "web/html.py",
                "web/pages.py"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            func = call.func
            names.add(func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "")
    return names


def _route_handlers(tree: ast.Module) -> list[ast.FunctionDef]:
    handlers = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Name) and call.id in ROUTE_DECORATORS:
                    handlers.append(node)
                    break
    return handlers


API_MODULES = sorted(API.glob("*.py")) + sorted(WEB.glob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(CHALICELIB).as_posix()


@pytest.mark.parametrize("path", API_MODULES, ids=_name)
def test_only_the_endpoint_module_looks_up_the_container(path: Path) -> None:
    tree = _tree(path)
    calls = _called_names(tree)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    if _name(path) == "api/endpoint.py":
        assert "get_container" in calls
        return
    assert "get_container" not in calls | imported, f"{_name(path)} looks up the container itself"
    if _name(path) not in EDGE_HELPERS:
        assert "current_container" not in calls | imported, f"{_name(path)}: take the container the route is handed"


@pytest.mark.parametrize("path", API_MODULES, ids=_name)
def test_route_handlers_are_handed_the_container(path: Path) -> None:
    for handler in _route_handlers(_tree(path)):
        assert not {"get_container", "current_container"} & _called_names(handler), \
            f"{_name(path)}:{handler.name} looks up the container; declare a ``container`` parameter"


@pytest.mark.parametrize("path", API_MODULES, ids=_name)
def test_routes_are_registered_through_the_one_decorator(path: Path) -> None:
    """A bare ``bp.route`` or ``spec.operation`` would let the route and its description drift apart."""
    if _name(path) == "api/endpoint.py":
        return
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in {("bp", "route"), ("spec", "operation")}, \
                f"{_name(path)}:{node.lineno}: use endpoint.operation or endpoint.page"


def test_every_route_of_the_app_is_an_operation_or_a_page() -> None:
    from app import app
    from chalicelib.api import endpoint, routing
    from chalicelib.api.openapi import spec

    routing.load_all()
    served = {(method, path) for path, methods in app.routes.items() for method in methods}
    described = {(op.method.upper(), op.path) for op in spec.operations}
    pages = set(endpoint.PAGES)
    assert len(described) == len(spec.operations), "an operation is described twice"
    assert not described & pages, f"routes both described and listed as pages: {sorted(described & pages)}"
    assert served == described | pages, (f"routes without an operation: {sorted(served - described - pages)}; "
                                         f"described but not served: {sorted((described | pages) - served)}")
    assert all(not path.startswith("/api/") for _, path in pages), "an /api/ route must be in the document"


def test_a_handler_that_asks_for_the_container_is_handed_the_installed_one() -> None:
    from chalice import Chalice
    from chalice.test import Client

    from chalicelib.api.endpoint import _route
    from chalicelib.api.errors import ApiBlueprint
    from chalicelib.composition import Container, get_container, use_container
    from chalicelib.settings import Settings

    before = get_container()
    installed = Container(Settings.from_env({"MAEUL_STAGE": "local"}))
    bp = ApiBlueprint(__name__)
    seen: list[object] = []

    @_route(bp, "GET", "/probe/{name}", None)
    def probe(name: str, *, container: Container) -> dict[str, str]:
        seen.append(container)
        return {"name": name}

    @_route(bp, "GET", "/plain", None)
    def plain() -> dict[str, str]:
        return {"plain": "yes"}

    app = Chalice(app_name="probe")
    app.register_blueprint(bp)
    use_container(installed)
    try:
        with Client(app) as client:
            assert client.http.get("/probe/x").json_body == {"name": "x"}
            assert client.http.get("/plain").json_body == {"plain": "yes"}
    finally:
        use_container(before)
    assert seen == [installed]
    assert app.routes["/probe/{name}"]["GET"].view_name == "probe"  # the route table keeps the handler's name

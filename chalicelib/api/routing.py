"""The app's blueprints (the API's resources in ``chalicelib/api``, the pages in ``chalicelib/web``),
registered on the app eagerly or, in the deployment package, on first use.

Locally and in tests every blueprint module is imported and registered at import (``register``
without a route table). The deployment package carries a route table, ``routes.json`` next to this
module (written by ``ops/deploy.add_route_table`` from the eagerly registered app): with it, a cold
start registers each route with a stand-in view and imports a blueprint's module (its models,
services and domain) only when one of its routes is first called. A Lambda container then pays at
init for the app's frame (Chalice, middleware, scheduled jobs) and, per blueprint, at the first
request that needs it.

Everything that needs every module loaded asks for it: the OpenAPI document (``load_all`` in
``meta.openapi``). Errors need no blueprint: their one table (``error_table.py``) imports the
domain and the services it names.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from chalice import Chalice
from chalice.app import RouteEntry

# Blueprint modules of chalicelib, in the order their routes are registered: the JSON API by resource
# (``api.*``), then the pages (``web.*``, no operations). The OpenAPI document lists the operations in
# this order of modules, whatever order they were loaded in (on first use or at import).
BLUEPRINTS = (
    "api.meta",
    "api.consent",
    "api.consultations",
    "api.me",
    "api.admin_access",
    "api.auth",
    "api.reservations",
    "api.attorney",
    "api.rooms",
    "api.surveys",
    "api.admin_attorneys",
    "api.attachments",
    "api.withdrawal",
    "api.corrections",
    "api.my_sessions",
    "api.second_factor",
    "api.admin_operations",
    "api.announcements",
    "api.admin_email",
    "api.phone_verification",
    "web.site",
    "web.pages",
    "web.second_factor",
)
DOCUMENT_ORDER = tuple(name for name in BLUEPRINTS if name.startswith("api."))
ROUTE_TABLE = os.path.join(os.path.dirname(__file__), "routes.json")  # a string: no pathlib at a cold start
_PACKAGE = "chalicelib"

_lazy: _LazyRoutes | None = None


def register(app: Chalice, table: str | os.PathLike[str] = ROUTE_TABLE) -> None:
    """Every blueprint on ``app``: on first use when the package carries a route table, else now."""
    global _lazy
    if os.path.exists(table):
        with open(table, encoding="utf-8") as routes:
            _lazy = _LazyRoutes(app, json.load(routes))
        return
    _lazy = None
    for name in BLUEPRINTS:
        app.register_blueprint(_module(name).bp)


def load_all(modules: Iterable[str] | None = None) -> None:
    """Every blueprint module (or those named) imported and registered (a no-op when they were at import)."""
    if _lazy is not None:
        _lazy.load_all(modules)


def route_table(app_factory: Callable[[], Chalice] = lambda: Chalice(app_name="maeul")) -> dict[str, Any]:
    """The routes of each blueprint module, registered eagerly on a fresh app: what a cold start needs
    to dispatch without importing the module (Chalice reads path, method, view name, content types)."""
    app = app_factory()
    routes: list[dict[str, Any]] = []
    for name in BLUEPRINTS:
        before = {(path, method) for path, methods in app.routes.items() for method in methods}
        others = _other_handlers(app)
        app.register_blueprint(_module(name).bp)
        if _other_handlers(app) != others:
            raise ValueError(
                f"chalicelib.{name} registers more than routes: the route table cannot hold it"
            )
        for path, methods in app.routes.items():
            for method, entry in methods.items():
                if (path, method) in before:
                    continue
                if entry.authorizer is not None or entry.api_key_required or entry.cors:
                    raise ValueError(
                        f"{method} {path}: authorizers, API keys and CORS are not in the route table"
                    )
                routes.append(
                    {
                        "module": name,
                        "path": path,
                        "method": method,
                        "name": entry.view_name,
                        "content_types": list(entry.content_types),
                    }
                )
    return {"modules": list(BLUEPRINTS), "routes": routes}


def _other_handlers(app: Chalice) -> tuple[int, ...]:
    return (
        len(app.event_sources),
        len(app.pure_lambda_functions),
        len(app.websocket_handlers),
        len(app.builtin_auth_handlers),
        len(app.middleware_handlers),
    )


def _module(name: str) -> Any:
    return importlib.import_module(f"{_PACKAGE}.{name}")


class _LazyRoutes:
    def __init__(self, app: Chalice, table: dict[str, Any]) -> None:
        self.app = app
        self.modules: list[str] = list(table["modules"])
        self.routes: dict[str, list[tuple[str, str]]] = {name: [] for name in self.modules}
        self.loaded: set[str] = set()
        for route in table["routes"]:
            path, method, module = route["path"], route["method"], route["module"]
            self.routes[module].append((path, method))
            app.routes[path][method] = RouteEntry(
                self._stand_in(module, path, method),
                route["name"],
                path,
                method,
                content_types=list(route["content_types"]),
            )

    def _stand_in(self, module: str, path: str, method: str) -> Callable[..., Any]:
        def view(**kwargs: Any) -> Any:
            self.load(module)
            return self.app.routes[path][method].view_function(**kwargs)

        view.__name__ = f"load_{module}"
        return view

    def load(self, module: str) -> None:
        if module in self.loaded:
            return
        blueprint = _module(module).bp
        for path, method in self.routes[module]:
            del self.app.routes[path][method]  # the stand-ins make way for the module's own views
        self.app.register_blueprint(blueprint)
        self.loaded.add(module)

    def load_all(self, modules: Iterable[str] | None = None) -> None:
        for module in modules or self.modules:
            self.load(module)

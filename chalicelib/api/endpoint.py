"""One decorator per route: the Chalice route and its OpenAPI operation from the same method, path and models.

``@operation(bp, "POST", "/api/x/{x_id}", "Summary", request=XIn, responses={201: XOut}, auth=True)``
registers the view on the blueprint and describes it in the document (``openapi.spec``); ``@page(bp,
"/x")`` registers an HTML page, which the API document leaves out (``PAGES`` lists them). A handler
that declares a ``container`` parameter is handed the container of this Lambda container: the one
place ``chalicelib/api`` looks it up (``current_container``), so a route never reaches for it itself.
A route with two methods stacks two decorators (each method its own summary and models).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from chalicelib.api.errors import ApiBlueprint
from chalicelib.api.openapi import spec
from chalicelib.composition import Container, get_container

__all__ = ["PAGES", "current_container", "operation", "page"]

F = TypeVar("F", bound=Callable[..., Any])

# (method, path) of every HTML page: the routes that have no operation in the API document
PAGES: list[tuple[str, str]] = []


def current_container() -> Container:
    """The container every route and edge helper (``guard``, ``web.html``) works with."""
    return get_container()


def operation(bp: ApiBlueprint, method: str, path: str, summary: str, *, tags: tuple[str, ...] = (),
              request: type[BaseModel] | None = None, responses: dict[int, Any] | None = None,
              errors: tuple[int, ...] = (), auth: bool = False, query: type[BaseModel] | None = None,
              headers: tuple[tuple[str, bool, str], ...] = (),
              media: dict[int, dict[str, dict[str, Any]]] | None = None,
              content_types: list[str] | None = None) -> Callable[[F], F]:
    """An API route: registered with Chalice and described in the OpenAPI document (``ApiSpec.operation``)."""
    spec.operation(method, path, summary, tags=tags, request=request, responses=responses, errors=errors,
                   auth=auth, query=query, headers=headers, media=media, module=_module_of(bp))
    return _route(bp, method, path, content_types)


def page(bp: ApiBlueprint, path: str, *, method: str = "GET") -> Callable[[F], F]:
    """An HTML page (or a page's file): a Chalice route the API document does not describe."""
    PAGES.append((method.upper(), path))
    return _route(bp, method, path, None)


def _route(bp: ApiBlueprint, method: str, path: str, content_types: list[str] | None) -> Callable[[F], F]:
    options: dict[str, Any] = {"methods": [method.upper()]}
    if content_types is not None:
        options["content_types"] = content_types

    def decorate(handler: F) -> F:
        wants_container = "container" in inspect.signature(handler).parameters

        @functools.wraps(handler)
        def view(**params: str) -> Any:  # Chalice passes the path's parameters by name
            if wants_container:
                return handler(**params, container=current_container())
            return handler(**params)

        bp.route(path, **options)(view)
        return handler

    return decorate


def _module_of(bp: ApiBlueprint) -> str:
    return str(bp._import_name)  # noqa: SLF001 - ApiBlueprint(__name__): the module the routes live in

"""Development helpers: ``GET /`` (what is where), ``GET /health``, ``GET /__dev/connections``."""

from __future__ import annotations

from flask import Blueprint, Response

from .responses import html_page, json_response, no_store_json
from .state import idp_state

bp = Blueprint("dev", __name__)


@bp.get("/")
def index() -> Response:
    return html_page("index.html")


@bp.get("/health")
def health() -> Response:
    return json_response({"status": "ok"})


@bp.get("/__dev/connections")
def connections() -> Response:
    """Which accounts are connected to which app (signed in and not unlinked since)."""
    return no_store_json({"connections": idp_state().store.connections()})

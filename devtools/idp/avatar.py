"""The test accounts' profile pictures: a square of a pastel colour derived from the account."""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache

from flask import Blueprint, Response, request
from PIL import Image

from . import accounts
from .responses import json_response

bp = Blueprint("avatar", __name__)


def avatar_url(account: str, size: int) -> str:
    """Where the current request's host serves ``account``'s picture of ``size`` pixels."""
    return f"{request.host_url}__dev/avatar/{size}/{accounts.canonical(account)}.png"


@lru_cache(maxsize=256)
def _png(size: int, rgb: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), rgb).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@bp.get("/__dev/avatar/<int:size>/<account>.png")
def avatar(size: int, account: str) -> Response:
    if not accounts.is_valid_account(account) or not 16 <= size <= 640:
        return json_response({"error": "not found"}, 404)
    r, g, b = (128 + byte // 2 for byte in hashlib.sha256(accounts.canonical(account).encode()).digest()[:3])
    response = Response(_png(size, (r, g, b)), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response

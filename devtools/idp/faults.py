"""Fault injection: switches that make the token and user-info endpoints fail until reset.

``POST /__dev/faults`` with a JSON object sets switches; keys not given are left as they are::

    {"token": "error500" | "malformed" | "slow" | null,
     "userinfo": "error500" | "malformed" | "slow" | null,
     "slow_seconds": 30}

``token`` affects both token endpoints (``/oauth/token``, ``/oauth2.0/token``),
``userinfo`` both user-info endpoints (``/v2/user/me``, ``/v1/nid/me``):

* ``error500``  -- HTTP 500 with an HTML body (as a failing proxy would send),
  before any processing: codes are not consumed.
* ``malformed`` -- HTTP 200, ``Content-Type: application/json``, body truncated
  JSON, before any processing: codes are not consumed.
* ``slow``      -- waits ``slow_seconds`` (default 30, env ``IDP_SLOW_SECONDS``)
  and then answers normally (a code *is* consumed then, even if the client has
  given up).

``null`` resets a switch; ``DELETE /__dev/faults`` resets all.  Every call
answers with the current state, as does ``GET /__dev/faults``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from flask import Blueprint, Response, request

from .responses import json_response, no_store
from .state import idp_state

FAULT_KINDS = ("error500", "malformed", "slow")
FAULT_TARGETS = ("token", "userinfo")

Target = Literal["token", "userinfo"]

_ERROR500_BODY = (
    "<html><head><title>500 Internal Server Error</title></head>"
    "<body><h1>500 Internal Server Error</h1>"
    "<p>injected by the dev identity provider</p></body></html>"
)


@dataclass
class Faults:
    """The fault switches, and the event that wakes ``slow`` requests when the server stops."""

    slow_seconds: float = 30.0
    switches: dict[str, str | None] = field(default_factory=lambda: dict.fromkeys(FAULT_TARGETS))
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {**self.switches, "slow_seconds": self.slow_seconds}

    def reset(self) -> None:
        with self.lock:
            self.switches = dict.fromkeys(FAULT_TARGETS)

    def update(self, body: object) -> str | None:
        """Apply a ``POST /__dev/faults`` body; return what is wrong with it (nothing applied) or None."""
        if not isinstance(body, dict):
            return "body must be a JSON object"
        unknown = set(body) - set(FAULT_TARGETS) - {"slow_seconds"}
        if unknown:
            return f"unknown keys: {sorted(unknown)}"
        for target in FAULT_TARGETS:
            if body.get(target) is not None and body[target] not in FAULT_KINDS:
                return f"{target} must be one of {list(FAULT_KINDS)} or null"
        slow = body.get("slow_seconds")
        if slow is not None and (
            isinstance(slow, bool) or not isinstance(slow, (int, float)) or not 0 <= slow <= 600
        ):
            return "slow_seconds must be a number from 0 to 600"
        with self.lock:
            self.switches.update({t: body[t] for t in FAULT_TARGETS if t in body})
            if slow is not None:
                self.slow_seconds = float(slow)
        return None

    def response(self, target: Target) -> Response | None:
        """The injected answer for ``target``, or None to answer normally (after the delay of ``slow``)."""
        with self.lock:
            kind = self.switches[target]
            delay = self.slow_seconds
        if kind == "error500":
            return no_store(Response(_ERROR500_BODY, status=500, mimetype="text/html"))
        if kind == "malformed":
            return no_store(Response('{"access_token": "trunc', status=200, mimetype="application/json"))
        if kind == "slow":
            self.stopping.wait(delay)
        return None


def injectable(target: Target) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Decorate a view so that the ``target`` fault switch answers in its place while it is on."""

    def decorate(view: Callable[..., Response]) -> Callable[..., Response]:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            return idp_state().faults.response(target) or view(*args, **kwargs)

        return guarded

    return decorate


bp = Blueprint("faults", __name__)


@bp.route("/__dev/faults", methods=["GET", "POST", "DELETE"])
def switches() -> Response:
    faults = idp_state().faults
    if request.method == "DELETE":
        faults.reset()
    elif request.method == "POST":
        problem = faults.update(request.get_json(silent=True))
        if problem is not None:
            return json_response({"error": problem}, 400)
    return no_store(json_response(faults.state()))

"""My sessions: where I am signed in, and ending one of them (``GET/DELETE /api/me/sessions``).

A session is one sign-in on one device (a refresh-token family). The list
names the device coarsely (browser and system) and the address by a coarse
hint only; sessions that ended, expired or sat idle past their limit are not
listed.
"""

from __future__ import annotations

import re

from chalice.app import Response
from pydantic import BaseModel, Field

from chalicelib.api.endpoint import operation
from chalicelib.api.errors import ApiBlueprint, NotFoundError
from chalicelib.api.guard import client_of, current_principal
from chalicelib.api.http import json_response
from chalicelib.api.me import local_time
from chalicelib.composition import Container

bp = ApiBlueprint(__name__)

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class SessionOut(BaseModel):
    id: str
    device: str = Field(description="Browser and system, e.g. \"Chrome · Android\"")
    ip_hint: str = Field(description="A coarse hint of the address it signed in from, e.g. 203.0.x.x")
    signed_in_at: str
    last_used_at: str | None = Field(description="The last refresh (null: not refreshed since signing in)")
    current: bool = Field(description="The session this request was made with")


class SessionsOut(BaseModel):
    items: list[SessionOut]


class SessionEndedOut(BaseModel):
    status: str = "ended"


@operation(bp, "GET", "/api/me/sessions", "Where I am signed in (live sessions, newest first)", tags=("me",),
           responses={200: SessionsOut}, auth=True, errors=(401,))
def my_sessions(*, container: Container) -> Response:
    principal = current_principal(bp.current_request)
    items = [SessionOut(id=s.id, device=s.device or "unknown", ip_hint=s.ip_hint,
                        signed_in_at=local_time(s.created_at),
                        last_used_at=local_time(s.last_used_at) if s.last_used_at else None,
                        current=s.id == principal.session_id)
             for s in container.sessions.of(principal)]
    return json_response(SessionsOut(items=items), private=True)


@operation(bp, "DELETE", "/api/me/sessions/{session_id}", "End one of my sessions (its tokens stop working "
           "at once); another person's or an unknown one: 404", tags=("me",),
           responses={200: SessionEndedOut}, auth=True, errors=(401, 403, 404))
def end_my_session(session_id: str, *, container: Container) -> Response:
    request = bp.current_request
    principal = current_principal(request)
    if not _SESSION_ID.match(session_id) or \
            container.sessions.end_own(principal, session_id, client_of(request)) is None:
        raise NotFoundError("There is no such session of yours.", code="not_found")
    return json_response(SessionEndedOut(), private=True)

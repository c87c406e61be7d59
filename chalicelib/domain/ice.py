"""The video room's STUN/TURN servers, with short-lived TURN credentials.

The stage's servers are RTCIceServer objects (``MAEUL_ICE_SERVERS``, from ``infra/stages.json``).
A TURN entry written without ``username``/``credential`` gets credentials made for this room
view under the "TURN REST API" scheme that coturn (``use-auth-secret``) and managed TURN
services accept: the user name is the expiry (Unix seconds) and a fixed label, the credential
base64(HMAC-SHA1(shared secret, user name)). The shared secret stays in the stage's secret store;
the page only sees credentials that stop working after ``CREDENTIAL_LIFETIME``. Nobody's identity
is in the user name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

CREDENTIAL_LIFETIME = timedelta(hours=4)  # a consultation and its overrun, with margin
USER_LABEL = "maeul"


class TurnSecretMissingError(RuntimeError):
    """The stage lists a TURN server but its shared secret is not set."""


def needs_credentials(server: dict[str, Any]) -> bool:
    urls = server.get("urls", [])
    urls = [urls] if isinstance(urls, str) else list(urls)
    relay = any(str(u).startswith(("turn:", "turns:")) for u in urls)
    return relay and not server.get("username") and not server.get("credential")


def turn_credentials(secret: str, now: datetime, lifetime: timedelta = CREDENTIAL_LIFETIME) -> dict[str, str]:
    username = f"{int((now + lifetime).timestamp())}:{USER_LABEL}"
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return {"username": username, "credential": base64.b64encode(digest).decode("ascii")}


class IceServers:
    """The servers a room view hands to the browser at ``now``.

    ``shared_secret`` reads the TURN secret (``TurnSecretMissingError`` or any failure: the TURN
    entries are left out and ``on_missing`` is told; STUN and direct connections still work)."""

    def __init__(self, servers: Sequence[dict[str, Any]], shared_secret: Callable[[], str] | None = None,
                 on_missing: Callable[[Exception], None] | None = None) -> None:
        self._servers = [dict(s) for s in servers]
        self._secret = shared_secret
        self._on_missing = on_missing

    def at(self, now: datetime) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        credentials: dict[str, str] | None = None
        for server in self._servers:
            if not needs_credentials(server):
                out.append(dict(server))
                continue
            if credentials is None:
                try:
                    if self._secret is None:
                        raise TurnSecretMissingError("no TURN shared secret is configured")
                    credentials = turn_credentials(self._secret(), now)
                except Exception as exc:  # noqa: BLE001 - the room still opens without a relay
                    if self._on_missing is not None:
                        self._on_missing(exc)
                    credentials = {}
            if credentials:
                out.append({**server, **credentials})
        return out

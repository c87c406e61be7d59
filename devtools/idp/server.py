"""Dev identity provider for Maeul: Kakao Login and Naver Login on their real paths.

A development tool only (it lives in ``devtools/``, never in the Lambda
bundle).  The app's OAuth client talks to it exactly as to the real
providers; only the base URLs differ.  One server, one port:

Kakao (real hosts kauth.kakao.com / kapi.kakao.com)
    ``GET  /oauth/authorize``   login page, or 302 straight back with ``login_hint``
    ``POST /oauth/token``       form-encoded; ``authorization_code`` / ``refresh_token``
    ``GET|POST /v2/user/me``    ``Authorization: Bearer <access_token>``
    ``POST /v1/user/logout``, ``POST /v1/user/unlink``  revoke tokens

Naver (real hosts nid.naver.com / openapi.naver.com)
    ``GET  /oauth2.0/authorize``  ``state`` is required
    ``GET|POST /oauth2.0/token``  ``authorization_code`` / ``refresh_token`` /
                                 ``delete``; errors come back with HTTP 200
    ``GET|POST /v1/nid/me``       ``Authorization: Bearer <access_token>``

Development helpers
    ``GET /health``                 ``{"status": "ok"}``
    ``GET|POST|DELETE /__dev/faults``  fault injection (below)
    ``GET /__dev/connections``  which accounts are connected to which app
    ``GET /__dev/avatar/<size>/<account>.png``  the profile pictures

Fault injection
    ``POST /__dev/faults`` with a JSON object sets switches that stay on until
    reset; keys not given are left as they are::

        {"token": "error500" | "malformed" | "slow" | null,
         "userinfo": "error500" | "malformed" | "slow" | null,
         "slow_seconds": 30}

    ``token`` affects both token endpoints (``/oauth/token``,
    ``/oauth2.0/token``), ``userinfo`` both user-info endpoints
    (``/v2/user/me``, ``/v1/nid/me``):

    * ``error500``  -- HTTP 500 with an HTML body (as a failing proxy would
      send), before any processing: codes are not consumed.
    * ``malformed`` -- HTTP 200, ``Content-Type: application/json``, body
      truncated JSON, before any processing: codes are not consumed.
    * ``slow``      -- waits ``slow_seconds`` (default 30, env
      ``IDP_SLOW_SECONDS``) and then answers normally (a code *is* consumed
      then, even if the client has given up).

    ``null`` resets a switch; ``DELETE /__dev/faults`` resets all.  Every call
    answers with the current state, as does ``GET /__dev/faults``.

Configuration (environment; defaults match the app's ``local`` stage)
    ``KAKAO_ADMIN_KEY`` (``maeul-local-kakao-admin-key``, for ``KakaoAK`` unlink),
    ``KAKAO_CLIENT_ID`` (``maeul-local-kakao``), ``KAKAO_CLIENT_SECRET``
    (``maeul-local-kakao-secret``), ``NAVER_CLIENT_ID`` (``maeul-local-naver``),
    ``NAVER_CLIENT_SECRET`` (``maeul-local-naver-secret``),
    ``IDP_REDIRECT_URIS`` (comma-separated; registered for every client),
    ``IDP_EXTRA_CLIENTS`` (optional, comma-separated
    ``kakao|naver:client_id:client_secret`` -- more registered clients, e.g. to
    see that Naver ids differ per client), ``IDP_CODE_TTL_SECONDS`` (600),
    ``IDP_SLOW_SECONDS`` (30).

Logging: one line per request with method, path (never the query string) and
status.  Codes, tokens and secrets are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import logging
import os
import re
import secrets
import signal
import struct
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Callable, Iterable, Mapping
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, jsonify, request
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from . import accounts

log = logging.getLogger("devtools.idp")

KAKAO = "kakao"
NAVER = "naver"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8101
DEFAULT_REDIRECT_URIS = (
    "http://127.0.0.1:8000/auth/kakao/callback,"
    "http://127.0.0.1:8000/auth/naver/callback,"
    "http://localhost:8000/auth/kakao/callback,"
    "http://localhost:8000/auth/naver/callback"
)

KAKAO_ACCESS_TTL = 21599
KAKAO_REFRESH_TTL = 5183999
KAKAO_DEFAULT_SCOPE = "profile_nickname profile_image account_email name phone_number"
NAVER_ACCESS_TTL = 3600
NAVER_REFRESH_TTL = 365 * 24 * 3600

FAULT_KINDS = ("error500", "malformed", "slow")
FAULT_TARGETS = ("token", "userinfo")

# RFC 7636: code_verifier is 43-128 characters of [A-Za-z0-9-._~]; an S256
# challenge is 43 characters of base64url.
_VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_S256_CHALLENGE_RE = re.compile(r"[A-Za-z0-9_-]{43}")


# --------------------------------------------------------------------------
# configuration


@dataclass(frozen=True)
class Client:
    provider: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    clients: Mapping[str, Client]
    code_ttl: float = 600.0
    slow_seconds: float = 30.0
    # Kakao's app admin keys (``KakaoAK``: server-to-server calls such as unlinking a user), per client
    kakao_admin_keys: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Config":
        env = os.environ if environ is None else environ
        uris = tuple(
            u.strip()
            for u in env.get("IDP_REDIRECT_URIS", DEFAULT_REDIRECT_URIS).split(",")
            if u.strip()
        )
        specs = [
            (
                KAKAO,
                env.get("KAKAO_CLIENT_ID", "maeul-local-kakao"),
                env.get("KAKAO_CLIENT_SECRET", "maeul-local-kakao-secret"),
            ),
            (
                NAVER,
                env.get("NAVER_CLIENT_ID", "maeul-local-naver"),
                env.get("NAVER_CLIENT_SECRET", "maeul-local-naver-secret"),
            ),
        ]
        for item in env.get("IDP_EXTRA_CLIENTS", "").split(","):
            if not item.strip():
                continue
            parts = item.strip().split(":", 2)
            if len(parts) != 3 or parts[0] not in (KAKAO, NAVER) or not all(parts):
                raise ValueError(
                    "IDP_EXTRA_CLIENTS entries must be kakao|naver:client_id:client_secret"
                )
            specs.append((parts[0], parts[1], parts[2]))
        clients: dict[str, Client] = {}
        for provider, client_id, secret in specs:
            if client_id in clients:
                raise ValueError(f"client_id registered twice: {client_id}")
            clients[client_id] = Client(provider, client_id, secret, uris)
        kakao_id = env.get("KAKAO_CLIENT_ID", "maeul-local-kakao")
        return cls(
            clients=clients,
            code_ttl=float(env.get("IDP_CODE_TTL_SECONDS", "600")),
            slow_seconds=float(env.get("IDP_SLOW_SECONDS", "30")),
            kakao_admin_keys={env.get("KAKAO_ADMIN_KEY", "maeul-local-kakao-admin-key"): kakao_id},
        )


# --------------------------------------------------------------------------
# in-memory state


@dataclass
class Grant:
    provider: str
    client_id: str
    redirect_uri: str
    account: str
    state: str | None
    scope: str
    code_challenge: str | None
    nonce: str | None
    expires_at: float


@dataclass
class TokenInfo:
    provider: str
    client_id: str
    account: str
    scope: str
    expires_at: float


@dataclass
class Store:
    """Codes, tokens and fault switches; shared by the request threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    codes: dict[str, Grant] = field(default_factory=dict)
    access: dict[str, TokenInfo] = field(default_factory=dict)
    refresh: dict[str, TokenInfo] = field(default_factory=dict)
    connected_at: dict[tuple[str, str, str], str] = field(default_factory=dict)
    faults: dict[str, str | None] = field(
        default_factory=lambda: {t: None for t in FAULT_TARGETS}
    )
    slow_seconds: float = 30.0

    def _purge(self, now: float) -> None:
        for table in (self.codes, self.access, self.refresh):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]

    def add_code(self, grant: Grant, code: str) -> None:
        with self.lock:
            self._purge(time.time())
            self.codes[code] = grant

    def take_code(self, code: str, provider: str, client_id: str) -> Grant | None:
        """Remove and return the live grant for ``code`` if it belongs to the client.

        A code of another client is left alone (so one client cannot burn
        another's codes) and reported as not found.
        """
        with self.lock:
            grant = self.codes.get(code)
            if grant is None or grant.provider != provider or grant.client_id != client_id:
                return None
            del self.codes[code]
            if grant.expires_at <= time.time():
                return None
            return grant

    def add_tokens(
        self, info: TokenInfo, access: str, refresh: str | None, refresh_ttl: float
    ) -> str:
        """Store tokens; return the account's ``connected_at`` for this client."""
        with self.lock:
            now = time.time()
            self._purge(now)
            self.access[access] = info
            if refresh is not None:
                self.refresh[refresh] = TokenInfo(
                    info.provider, info.client_id, info.account, info.scope, now + refresh_ttl
                )
            key = (info.provider, info.client_id, info.account)
            if key not in self.connected_at:
                self.connected_at[key] = datetime.fromtimestamp(now, timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                )
            return self.connected_at[key]

    def lookup(self, table: str, token: str, provider: str) -> TokenInfo | None:
        with self.lock:
            info = getattr(self, table).get(token)
            if info is None or info.provider != provider or info.expires_at <= time.time():
                return None
            return info

    def get_connected_at(self, info: TokenInfo) -> str:
        with self.lock:
            return self.connected_at[(info.provider, info.client_id, info.account)]

    def revoke_access(self, token: str) -> None:
        with self.lock:
            self.access.pop(token, None)

    def unlink(self, provider: str, client_id: str, account: str) -> None:
        """Revoke every token of ``account`` at ``client_id`` (disconnect the app)."""
        with self.lock:
            for table in (self.access, self.refresh):
                for key in [
                    k
                    for k, v in table.items()
                    if (v.provider, v.client_id, v.account) == (provider, client_id, account)
                ]:
                    del table[key]
            self.connected_at.pop((provider, client_id, account), None)

    def connections(self) -> list[dict[str, str]]:
        """Which accounts are connected to which app (signed in and not unlinked since)."""
        with self.lock:
            return [{"provider": p, "client_id": c, "account": a} for p, c, a in sorted(self.connected_at)]

    def connected_kakao_account(self, client_id: str, user_id: str) -> str | None:
        with self.lock:
            for provider, client, account in self.connected_at:
                if (provider, client) == (KAKAO, client_id) and str(accounts.kakao_id(account)) == user_id:
                    return account
        return None

    def fault_state(self) -> dict:
        with self.lock:
            return {**self.faults, "slow_seconds": self.slow_seconds}


# --------------------------------------------------------------------------
# helpers


def _random_code() -> str:
    return secrets.token_urlsafe(32)


def _kakao_token() -> str:
    # Kakao tokens use the URL-safe alphabet.
    return secrets.token_urlsafe(40)


def _naver_token() -> str:
    # Real Naver tokens use the standard base64 alphabet, '+' and '/'
    # included, which breaks clients that put them into a query string or a
    # form without encoding.  Always include a '+' and a '/' so such a bug
    # shows up every time rather than now and then.
    body = base64.b64encode(secrets.token_bytes(36)).decode("ascii")
    return "AAAA" + body[:10] + "+" + body[10:30] + "/" + body[30:]


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _with_query(uri: str, params: Iterable[tuple[str, str]]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params)
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _json(body: object, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@lru_cache(maxsize=256)
def _png(size: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * size
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * size, 9))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------
# HTML


_PAGE_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Apple SD Gothic Neo", "Malgun Gothic", sans-serif;
       margin: 0; background: #f4f4f5; color: #111; line-height: 1.5; }
main { max-width: 34rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem;
       border-radius: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
.note { color: #3f3f46; font-size: .9rem; margin-top: 0; }
dl { font-size: .85rem; color: #3f3f46; display: grid; grid-template-columns: auto 1fr;
     gap: .1rem .75rem; word-break: break-all; }
dt { font-weight: 600; }
dd { margin: 0; }
fieldset { border: 1px solid #d4d4d8; border-radius: 8px; margin: 1rem 0; padding: .75rem 1rem 1rem; }
legend { font-weight: 600; padding: 0 .25rem; }
ul.accounts { list-style: none; padding: 0; margin: 0; display: grid; gap: .5rem; }
button { font: inherit; font-size: 1rem; min-height: 2.75rem; padding: .5rem 1rem;
         border-radius: 6px; border: 1px solid #71717a; background: #fff; color: #111;
         cursor: pointer; width: 100%; text-align: left; }
button.primary { background: var(--brand); border-color: #3f3f46; font-weight: 600;
                 text-align: center; }
button.secondary { text-align: center; }
button:hover { filter: brightness(.95); }
button:focus-visible, input:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
input[type=text] { font: inherit; font-size: 1rem; width: 100%; box-sizing: border-box;
                   padding: .5rem; border: 1px solid #71717a; border-radius: 6px; margin-bottom: .5rem; }
input[aria-invalid=true] { border: 2px solid #b91c1c; }
.hint { font-size: .85rem; color: #3f3f46; margin: 0 0 .5rem; }
.error { color: #991b1b; background: #fef2f2; border: 1px solid #fca5a5; border-radius: 6px;
         padding: .5rem .75rem; font-weight: 600; }
"""

_PROVIDER_TEXT = {
    KAKAO: ("카카오 로그인", "Kakao Login", "#FEE500"),
    NAVER: ("네이버 로그인", "Naver Login", "#03C75A"),
}

_ACCOUNT_HELP = (
    "영문, 숫자, '.', '_', '-' 1–64자 (대소문자 구분 없음) / "
    "1–64 characters: letters, digits, '.', '_', '-' (case-insensitive)"
)


def _html(body: str, title: str, status: int, brand: str = "#e4e4e7") -> Response:
    doc = (
        "<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"robots\" content=\"noindex\">\n"
        f"<title>{html.escape(title)}</title>\n"
        f"<style>:root {{ --brand: {brand}; }}{_PAGE_CSS}</style>\n"
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
    response = Response(doc, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return _no_store(response)


def _error_page(provider: str, message_ko: str, message_en: str) -> Response:
    ko, en, _ = _PROVIDER_TEXT[provider]
    body = (
        f"<h1>{ko} 오류 / {en} error</h1>\n"
        "<p class=\"note\">개발용 인증 서버 / development identity provider</p>\n"
        f"<p class=\"error\" role=\"alert\">{html.escape(message_ko)}<br>"
        f"<span lang=\"en\">{html.escape(message_en)}</span></p>\n"
        "<p>요청을 보낸 앱으로 돌아가지 않습니다. 앱의 설정을 확인하세요.<br>"
        "<span lang=\"en\">You are not sent back to the app: check its OAuth settings "
        "(client_id, redirect_uri, state).</span></p>"
    )
    return _html(body, f"{ko} 오류 / {en} error", 400)


def _hidden_fields(params: Mapping[str, str]) -> str:
    return "\n".join(
        f"<input type=\"hidden\" name=\"{html.escape(k)}\" value=\"{html.escape(v)}\">"
        for k, v in params.items()
    )


def _login_page(
    provider: str,
    path: str,
    params: Mapping[str, str],
    error: str | None = None,
    typed: str = "",
) -> Response:
    ko, en, brand = _PROVIDER_TEXT[provider]
    hidden = _hidden_fields(params)
    action = html.escape(path)
    buttons = "\n".join(
        "<li><button type=\"submit\" name=\"account\" "
        f"value=\"{html.escape(name)}\">{html.escape(name)}</button></li>"
        for name in accounts.LISTED_ACCOUNTS
    )
    error_html = ""
    invalid = ""
    described = "account-help"
    if error:
        error_html = f"<p class=\"error\" role=\"alert\" id=\"account-error\">{html.escape(error)}</p>\n"
        invalid = " aria-invalid=\"true\""
        described = "account-error account-help"
    body = f"""<h1>{ko} <span lang="en">/ {en}</span></h1>
<p class="note">개발용 가짜 로그인입니다. 비밀번호는 없습니다. /
<span lang="en">Development sign-in: no passwords, any account name works.</span></p>
<dl>
<dt>client_id</dt><dd>{html.escape(params.get("client_id", ""))}</dd>
<dt>redirect_uri</dt><dd>{html.escape(params.get("redirect_uri", ""))}</dd>
</dl>
<form method="post" action="{action}">
{hidden}
<fieldset>
<legend>테스트 계정 선택 / <span lang="en">Choose a test account</span></legend>
<ul class="accounts">
{buttons}
</ul>
</fieldset>
</form>
<form method="post" action="{action}">
{hidden}
<fieldset>
<legend>다른 계정 / <span lang="en">Another account</span></legend>
<label for="account">계정 이름 / <span lang="en">Account name</span></label>
<p class="hint" id="account-help">{html.escape(_ACCOUNT_HELP)}</p>
{error_html}<input type="text" id="account" name="account" value="{html.escape(typed)}" required
 maxlength="64" pattern="[A-Za-z0-9._\\-]{{1,64}}" autocomplete="off" autocapitalize="none"
 spellcheck="false" aria-describedby="{described}"{invalid}>
<button type="submit" class="primary">이 계정으로 로그인 / <span lang="en">Sign in</span></button>
</fieldset>
</form>
<form method="post" action="{action}">
{hidden}
<button type="submit" class="secondary" name="action" value="deny">취소 (동의하지 않음) / <span lang="en">Cancel (deny)</span></button>
</form>"""
    return _html(body, f"{ko} / {en} (dev)", 400 if error else 200, brand)


# --------------------------------------------------------------------------
# application


def create_app(config: Config | None = None) -> Flask:
    """Build the IdP WSGI app.  ``app.extensions["maeul_idp"]`` holds its state."""
    config = config or Config.from_env()
    store = Store(slow_seconds=config.slow_seconds)
    stopping = threading.Event()

    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["maeul_idp"] = {"config": config, "store": store, "stopping": stopping}

    def client_for(provider: str, client_id: str | None) -> Client | None:
        client = config.clients.get(client_id or "")
        return client if client is not None and client.provider == provider else None

    # -- logging -----------------------------------------------------------

    @app.after_request
    def _log_request(response: Response) -> Response:
        # request.path never contains the query string (codes, tokens).
        log.info("%s %s %s", request.method, request.path, response.status_code)
        return response

    # -- faults ------------------------------------------------------------

    def fault_response(target: str) -> Response | None:
        with store.lock:
            kind = store.faults[target]
            delay = store.slow_seconds
        if kind == "error500":
            return _no_store(
                Response(
                    "<html><head><title>500 Internal Server Error</title></head>"
                    "<body><h1>500 Internal Server Error</h1>"
                    "<p>injected by the dev identity provider</p></body></html>",
                    status=500,
                    mimetype="text/html",
                )
            )
        if kind == "malformed":
            return _no_store(
                Response(
                    '{"access_token": "trunc', status=200, mimetype="application/json"
                )
            )
        if kind == "slow":
            stopping.wait(delay)
        return None

    @app.get("/__dev/connections")
    def dev_connections():
        return _no_store(_json({"connections": store.connections()}))

    @app.route("/__dev/faults", methods=["GET", "POST", "DELETE"])
    def faults():
        if request.method == "DELETE":
            with store.lock:
                for target in FAULT_TARGETS:
                    store.faults[target] = None
        elif request.method == "POST":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return _json({"error": "body must be a JSON object"}, 400)
            unknown = set(body) - set(FAULT_TARGETS) - {"slow_seconds"}
            if unknown:
                return _json({"error": f"unknown keys: {sorted(unknown)}"}, 400)
            for target in FAULT_TARGETS:
                if target in body and body[target] is not None and body[target] not in FAULT_KINDS:
                    return _json(
                        {"error": f"{target} must be one of {list(FAULT_KINDS)} or null"}, 400
                    )
            slow = body.get("slow_seconds")
            if slow is not None and (
                isinstance(slow, bool) or not isinstance(slow, (int, float)) or not 0 <= slow <= 600
            ):
                return _json({"error": "slow_seconds must be a number from 0 to 600"}, 400)
            with store.lock:
                for target in FAULT_TARGETS:
                    if target in body:
                        store.faults[target] = body[target]
                if slow is not None:
                    store.slow_seconds = float(slow)
        return _no_store(_json(store.fault_state()))

    # -- misc --------------------------------------------------------------

    @app.get("/health")
    def health():
        return _json({"status": "ok"})

    @app.get("/")
    def index():
        body = (
            "<h1>Maeul 개발용 인증 서버 / <span lang=\"en\">dev identity provider</span></h1>\n"
            "<p>Kakao: <code>/oauth/authorize</code>, <code>/oauth/token</code>, "
            "<code>/v2/user/me</code></p>\n"
            "<p>Naver: <code>/oauth2.0/authorize</code>, <code>/oauth2.0/token</code>, "
            "<code>/v1/nid/me</code></p>\n"
            "<p>Dev: <code>/health</code>, <code>/__dev/faults</code></p>"
        )
        return _html(body, "Maeul dev identity provider", 200)

    @app.get("/__dev/avatar/<int:size>/<account>.png")
    def avatar(size: int, account: str):
        if not accounts.is_valid_account(account) or not 16 <= size <= 640:
            return _json({"error": "not found"}, 404)
        digest = hashlib.sha256(accounts.canonical(account).encode()).digest()
        # Pastel colour derived from the account.
        rgb = tuple(128 + b // 2 for b in digest[:3])
        response = Response(_png(size, rgb), mimetype="image/png")  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response

    def avatar_url(account: str, size: int) -> str:
        return f"{request.host_url}__dev/avatar/{size}/{accounts.canonical(account)}.png"

    # -- authorize (both providers) ------------------------------------------

    kakao_params = (
        "client_id", "redirect_uri", "response_type", "state", "scope", "prompt",
        "nonce", "code_challenge", "code_challenge_method",
    )
    naver_params = ("client_id", "redirect_uri", "response_type", "state", "auth_type")

    def authorize(provider: str) -> Response:
        source = request.args if request.method == "GET" else request.form
        names = kakao_params if provider == KAKAO else naver_params
        params = {k: source[k] for k in names if k in source}

        client = client_for(provider, params.get("client_id"))
        if client is None:
            return _error_page(
                provider,
                "등록되지 않은 client_id 입니다.",
                "Unknown client_id for this provider.",
            )
        redirect_uri = params.get("redirect_uri")
        if redirect_uri not in client.redirect_uris:
            return _error_page(
                provider,
                "redirect_uri가 이 앱에 등록된 값과 정확히 일치하지 않습니다.",
                "redirect_uri does not exactly match one registered for this client_id.",
            )
        assert redirect_uri is not None
        state = params.get("state")
        if provider == NAVER and not state:
            return _error_page(
                provider, "state 값이 없습니다.", "The state parameter is required."
            )

        def back(**fields: str) -> Response:
            pairs = list(fields.items())
            if state is not None:
                pairs.append(("state", state))
            response = Response(status=302)
            response.headers["Location"] = _with_query(redirect_uri, pairs)
            response.headers["Referrer-Policy"] = "no-referrer"
            return _no_store(response)

        if params.get("response_type") != "code":
            return back(
                error="unsupported_response_type",
                error_description="response_type must be code",
            )
        challenge = params.get("code_challenge")
        if provider == KAKAO and ("code_challenge" in params or "code_challenge_method" in params):
            if params.get("code_challenge_method") != "S256":
                return back(
                    error="invalid_request",
                    error_description="code_challenge_method must be S256",
                )
            if not challenge or not _S256_CHALLENGE_RE.fullmatch(challenge):
                return back(
                    error="invalid_request",
                    error_description="code_challenge must be 43 base64url characters",
                )

        def issue(account: str) -> Response:
            code = _random_code()
            scope = params.get("scope", "").replace(",", " ").strip() or KAKAO_DEFAULT_SCOPE
            store.add_code(
                Grant(
                    provider=provider,
                    client_id=client.client_id,
                    redirect_uri=redirect_uri,
                    account=accounts.canonical(account),
                    state=state,
                    scope=scope,
                    code_challenge=challenge if provider == KAKAO else None,
                    nonce=params.get("nonce"),
                    expires_at=time.time() + config.code_ttl,
                ),
                code,
            )
            return back(code=code)

        def deny() -> Response:
            description = "User denied access" if provider == KAKAO else "Canceled By User"
            return back(error="access_denied", error_description=description)

        invalid_msg = "계정 이름이 올바르지 않습니다. / Invalid account name."

        if request.method == "GET":
            hint = request.args.get("login_hint")
            if hint is not None:
                if accounts.is_valid_account(hint):
                    return issue(hint)
                return _login_page(provider, request.path, params, invalid_msg, hint)
            if provider == KAKAO and params.get("prompt") == "none":
                return back(
                    error="login_required", error_description="user authentication required."
                )
            return _login_page(provider, request.path, params)

        if request.form.get("action") == "deny":
            return deny()
        typed = request.form.get("account", "").strip()
        if not accounts.is_valid_account(typed):
            return _login_page(provider, request.path, params, invalid_msg, typed)
        return issue(typed)

    @app.route("/oauth/authorize", methods=["GET", "POST"])
    def kakao_authorize():
        return authorize(KAKAO)

    @app.route("/oauth2.0/authorize", methods=["GET", "POST"])
    def naver_authorize():
        return authorize(NAVER)

    # -- Kakao token / user ------------------------------------------------

    def kakao_error(error: str, description: str, code: str, status: int) -> Response:
        return _no_store(
            _json({"error": error, "error_description": description, "error_code": code}, status)
        )

    @app.post("/oauth/token")
    def kakao_token():
        fault = fault_response("token")
        if fault is not None:
            return fault
        # Kakao reads the form-encoded body only; parameters in the query
        # string or a JSON body are not seen.
        form = request.form
        grant_type = form.get("grant_type")
        if not grant_type:
            return kakao_error("invalid_request", "grant_type is required", "KOE001", 400)
        if grant_type not in ("authorization_code", "refresh_token"):
            return kakao_error("unsupported_grant_type", "unsupported grant_type", "KOE001", 400)
        client = client_for(KAKAO, form.get("client_id"))
        if client is None:
            return kakao_error("invalid_client", "Not exist client_id", "KOE101", 401)
        if not _same(form.get("client_secret"), client.client_secret):
            return kakao_error("invalid_client", "Bad client credentials", "KOE010", 401)

        if grant_type == "refresh_token":
            refresh = form.get("refresh_token")
            info = store.lookup("refresh", refresh, KAKAO) if refresh else None
            if info is None or info.client_id != client.client_id:
                return kakao_error("invalid_grant", "invalid refresh token", "KOE322", 400)
            access = _kakao_token()
            store.add_tokens(
                TokenInfo(KAKAO, client.client_id, info.account, info.scope,
                          time.time() + KAKAO_ACCESS_TTL),
                access, None, 0,
            )
            return _no_store(
                _json({"token_type": "bearer", "access_token": access,
                       "expires_in": KAKAO_ACCESS_TTL})
            )

        code = form.get("code")
        if not code:
            return kakao_error("invalid_request", "code is required", "KOE001", 400)
        grant = store.take_code(code, KAKAO, client.client_id)
        # From here on the code is spent, whatever the outcome.
        if grant is None:
            return kakao_error(
                "invalid_grant", "authorization code not found (unknown, used or expired)",
                "KOE320", 400,
            )
        if form.get("redirect_uri") != grant.redirect_uri:
            return kakao_error("invalid_grant", "Redirect URI mismatch.", "KOE303", 400)
        verifier = form.get("code_verifier")
        if grant.code_challenge is not None:
            if not verifier or not _VERIFIER_RE.fullmatch(verifier) or not hmac.compare_digest(
                _s256(verifier), grant.code_challenge
            ):
                return kakao_error(
                    "invalid_grant", "code_verifier does not match code_challenge", "KOE320", 400
                )
        elif verifier:
            return kakao_error(
                "invalid_grant",
                "code_verifier given but the authorization request had no code_challenge",
                "KOE320", 400,
            )
        access, refresh = _kakao_token(), _kakao_token()
        store.add_tokens(
            TokenInfo(KAKAO, client.client_id, grant.account, grant.scope,
                      time.time() + KAKAO_ACCESS_TTL),
            access, refresh, KAKAO_REFRESH_TTL,
        )
        return _no_store(
            _json({
                "token_type": "bearer",
                "access_token": access,
                "expires_in": KAKAO_ACCESS_TTL,
                "refresh_token": refresh,
                "refresh_token_expires_in": KAKAO_REFRESH_TTL,
                "scope": grant.scope,
            })
        )

    def kakao_bad_token() -> Response:
        return _no_store(_json({"msg": "this access token does not exist", "code": -401}, 401))

    def kakao_auth() -> tuple[str, TokenInfo] | None:
        token = _bearer_token()
        info = store.lookup("access", token, KAKAO) if token else None
        return (token, info) if token and info else None

    @app.route("/v2/user/me", methods=["GET", "POST"])
    def kakao_me():
        fault = fault_response("userinfo")
        if fault is not None:
            return fault
        auth = kakao_auth()
        if auth is None:
            return kakao_bad_token()
        info = auth[1]
        account = info.account
        return _no_store(_json({
            "id": accounts.kakao_id(account),
            "connected_at": store.get_connected_at(info),
            "kakao_account": {
                "profile_needs_agreement": False,
                "profile": {
                    "nickname": accounts.display_name(account),
                    "profile_image_url": avatar_url(account, 640),
                    "thumbnail_image_url": avatar_url(account, 110),
                    "is_default_image": True,
                },
                "email_needs_agreement": False,
                "is_email_valid": True,
                "is_email_verified": True,
                "email": accounts.email(account),
                "name_needs_agreement": False,
                "name": accounts.display_name(account),
                "phone_number_needs_agreement": False,
                "phone_number": accounts.phone_kakao(account),
            },
        }))

    @app.post("/v1/user/logout")
    def kakao_logout():
        auth = kakao_auth()
        if auth is None:
            return kakao_bad_token()
        store.revoke_access(auth[0])
        return _no_store(_json({"id": accounts.kakao_id(auth[1].account)}))

    @app.post("/v1/user/unlink")
    def kakao_unlink():
        # Two ways, as Kakao: the user's own token (Bearer), or the app's admin key (KakaoAK) with
        # target_id_type=user_id&target_id=<id>, which a service uses when the user leaves it.
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme == "KakaoAK":
            client_id = config.kakao_admin_keys.get(key.strip())
            if client_id is None:
                return kakao_error("unauthorized", "wrong admin key", "-401", 401)
            target = request.form.get("target_id", "")
            if request.form.get("target_id_type") != "user_id" or not target.isdigit():
                return kakao_error("invalid_request", "target_id_type=user_id and target_id required", "-2", 400)
            account = store.connected_kakao_account(client_id, target)
            if account is None:
                return kakao_error("invalid_request", "not a user of this app", "-101", 400)
            store.unlink(KAKAO, client_id, account)
            return _no_store(_json({"id": accounts.kakao_id(account)}))
        auth = kakao_auth()
        if auth is None:
            return kakao_bad_token()
        info = auth[1]
        store.unlink(KAKAO, info.client_id, info.account)
        return _no_store(_json({"id": accounts.kakao_id(info.account)}))

    # -- Naver token / user ------------------------------------------------

    def naver_error(description: str) -> Response:
        # Naver answers token errors with HTTP 200.
        return _no_store(_json({"error": "invalid_request", "error_description": description}))

    @app.route("/oauth2.0/token", methods=["GET", "POST"])
    def naver_token():
        fault = fault_response("token")
        if fault is not None:
            return fault
        # Like Naver: parameters from the query string or the form body.
        params = request.values
        grant_type = params.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token", "delete"):
            return naver_error("unsupported grant_type")
        client = client_for(NAVER, params.get("client_id"))
        if client is None:
            return naver_error("invalid client_id")
        if not _same(params.get("client_secret"), client.client_secret):
            return naver_error("client authentication failed (client_secret)")

        if grant_type == "authorization_code":
            code, state = params.get("code"), params.get("state")
            if not code:
                return naver_error("code is required")
            if not state:
                return naver_error("state is required")
            grant = store.take_code(code, NAVER, client.client_id)
            # From here on the code is spent, whatever the outcome.
            if grant is None:
                return naver_error("no valid data in session")
            if state != grant.state:
                return naver_error("state does not match the authorization request")
            access, refresh = _naver_token(), _naver_token()
            store.add_tokens(
                TokenInfo(NAVER, client.client_id, grant.account, grant.scope,
                          time.time() + NAVER_ACCESS_TTL),
                access, refresh, NAVER_REFRESH_TTL,
            )
            return _no_store(_json({
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "bearer",
                "expires_in": str(NAVER_ACCESS_TTL),
            }))

        if grant_type == "refresh_token":
            refresh = params.get("refresh_token")
            info = store.lookup("refresh", refresh, NAVER) if refresh else None
            if info is None or info.client_id != client.client_id:
                return naver_error("invalid refresh_token")
            access = _naver_token()
            store.add_tokens(
                TokenInfo(NAVER, client.client_id, info.account, info.scope,
                          time.time() + NAVER_ACCESS_TTL),
                access, None, 0,
            )
            return _no_store(_json({
                "access_token": access,
                "token_type": "bearer",
                "expires_in": str(NAVER_ACCESS_TTL),
            }))

        # grant_type == "delete": disconnect the app, revoking its tokens.
        if params.get("service_provider") != "NAVER":
            return naver_error("service_provider must be NAVER")
        token = params.get("access_token")
        info = store.lookup("access", token, NAVER) if token else None
        if info is None or info.client_id != client.client_id:
            return naver_error("invalid access_token")
        store.unlink(NAVER, client.client_id, info.account)
        return _no_store(_json({"access_token": token, "result": "success"}))

    @app.route("/v1/nid/me", methods=["GET", "POST"])
    def naver_me():
        fault = fault_response("userinfo")
        if fault is not None:
            return fault
        token = _bearer_token()
        info = store.lookup("access", token, NAVER) if token else None
        if info is None:
            return _no_store(_json(
                {"resultcode": "024", "message": "Authentication failed (인증 실패하였습니다.)"},
                401,
            ))
        account = info.account
        e164 = accounts.phone_e164(account)
        return _no_store(_json({
            "resultcode": "00",
            "message": "success",
            "response": {
                "id": accounts.naver_id(account, info.client_id),
                "nickname": accounts.display_name(account),
                "name": accounts.display_name(account),
                "email": accounts.email(account),
                "gender": "U",
                "age": "30-39",
                "birthday": "01-01",
                "birthyear": "1990",
                "profile_image": avatar_url(account, 640),
                "mobile": accounts.phone_naver(account),
                "mobile_e164": e164,
            },
        }))

    return app


# --------------------------------------------------------------------------
# serving


class _QuietHandler(WSGIRequestHandler):
    """Request handler that never logs request lines (they carry codes/tokens)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # the app logs method, path and status itself

    def log(self, type: str, message: str, *args: object) -> None:
        if type == "error":
            # The message may quote the raw request line; do not repeat it.
            log.warning("HTTP-level error from %s (details suppressed)", self.address_string())


class _Server(ThreadedWSGIServer):
    # Do not wait for open keep-alive connections when shutting down.
    block_on_close = False
    daemon_threads = True


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    config: Config | None = None,
    ready: Callable[[str], None] | None = None,
) -> int:
    """Run until SIGTERM/SIGINT; return the exit status (0)."""
    app = create_app(config)
    server = _Server(host, port, app, handler=_QuietHandler)
    line = f"dev identity provider listening on http://{host}:{server.server_port}"
    if ready is None:
        print(line, flush=True)
    else:
        ready(line)

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {
        sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.2},
        name="idp-server", daemon=True,
    )
    thread.start()
    try:
        while not stop.wait(0.5):
            if not thread.is_alive():
                break
    finally:
        app.extensions["maeul_idp"]["stopping"].set()  # wake "slow" faults
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("dev identity provider stopped")
    return 0


def configure_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s idp %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False

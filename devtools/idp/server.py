"""Dev identity provider for Maeul: Kakao Login and Naver Login on their real paths.

A development tool only (it lives in ``devtools/``, never in the Lambda
bundle).  The app's OAuth client talks to it exactly as to the real
providers; only the base URLs differ.  One server, one port; this module
wires the blueprints into one Flask app and serves it:

``kakao``   Kakao Login (``kakao.py``): ``/oauth/authorize``, ``/oauth/token``,
            ``/v2/user/me``, ``/v1/user/logout``, ``/v1/user/unlink``
``naver``   Naver Login (``naver.py``): ``/oauth2.0/authorize``,
            ``/oauth2.0/token``, ``/v1/nid/me``
``faults``  ``GET|POST|DELETE /__dev/faults``, fault injection (``faults.py``)
``avatar``  ``GET /__dev/avatar/<size>/<account>.png``, the profile pictures
``dev``     ``GET /``, ``GET /health``, ``GET /__dev/connections``

The login/consent page both authorization endpoints share is ``consent.py``
with ``templates/``; codes and tokens are kept by ``store.Store``; the
configuration (environment, defaults matching the app's ``local`` stage) is
``config.Config.from_env``.  See ``devtools/idp/README.md``.

Logging: one line per request with method, path (never the query string) and
status.  Codes, tokens and secrets are never logged.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable

from flask import Flask, Response, request
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from . import avatar, dev, faults, kakao, naver
from .config import DEFAULT_HOST, DEFAULT_PORT, KAKAO, NAVER, Client, Config
from .faults import Faults
from .responses import escape_output
from .state import EXTENSION, IdpState, idp_state
from .store import Store

__all__ = [
    "DEFAULT_HOST", "DEFAULT_PORT", "KAKAO", "NAVER", "Client", "Config", "configure_logging",
    "create_app", "serve",
]

log = logging.getLogger("devtools.idp")


def _log_request(response: Response) -> Response:
    # request.path never contains the query string (codes, tokens).
    log.info("%s %s %s", request.method, request.path, response.status_code)
    return response


def create_app(config: Config | None = None) -> Flask:
    """Build the IdP WSGI app.  ``app.extensions["maeul_idp"]`` holds its ``IdpState``."""
    config = config or Config.from_env()
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.keep_trailing_newline = True
    app.jinja_env.finalize = escape_output
    app.extensions[EXTENSION] = IdpState(
        config=config, store=Store(), faults=Faults(slow_seconds=config.slow_seconds)
    )
    app.after_request(_log_request)
    for blueprint in (kakao.bp, naver.bp, faults.bp, avatar.bp, dev.bp):
        app.register_blueprint(blueprint)
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
        idp_state(app).faults.stopping.set()  # wake "slow" faults
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

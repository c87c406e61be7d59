"""Serve the app with Chalice's local server (what ``chalice local`` runs) on the local stage.

Run as ``python -m ops.local_app``. It differs from ``chalice local --stage
local`` only in where the environment comes from: ``ops.localstage`` (the
config file's local stage, the stack outputs and the port overrides).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from ops.localstage import Ports, chalice_config, local_environment
from ops.processes import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    ports = Ports.from_env()
    env = local_environment(ports)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer

    from app import app
    from chalicelib.api.missing import missing_route

    class QuietQueryHandler(ChaliceRequestHandler):
        """Request lines without their query string: it can carry sign-in codes and states."""

        # the handler writes the headers and then the body: with Nagle's algorithm the body waits for
        # the client's delayed ACK of the headers, about 40 ms on every response (TCP_NODELAY)
        disable_nagle_algorithm = True

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            path = self.path.split("?", 1)[0]
            self.log_message('"%s %s" %s %s', self.command, path, str(code), str(size))

        # http.server answers a method without a ``do_<METHOD>`` with its own 501 HTML page; the app
        # answers these like any method a route lacks: 405 in the API's error shape, with ``Allow``.
        do_TRACE = do_QUERY = ChaliceRequestHandler._generic_handle

        def _send_error_response(self, error) -> None:  # type: ignore[no-untyped-def]
            # No route at this address: what API Gateway answers with the packaged gateway responses,
            # but in the person's language (a browser gets the HTML 404 page, API clients the JSON error).
            # (with an Authorization header the emulated gateway words the same refusal differently)
            body = error.body or b""
            if error.CODE == 403 and (b"Missing Authentication Token" in body
                                      or b"Authorization header requires" in body):
                response = missing_route(self.command, self.path, dict(self.headers)).to_dict()
                self._send_http_response(response["statusCode"], response["headers"],
                                         response["body"].encode("utf-8"))
                return
            super()._send_error_response(error)

    # As chalice's own create_local_server does: make ``current_request`` thread-local,
    # or two requests served at once could read each other's headers and body.
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    server = LocalDevServer(app, chalice_config(env), args.host, args.port or ports.app,
                            handler_cls=QuietQueryHandler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"app listening on http://{args.host}:{args.port or ports.app}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

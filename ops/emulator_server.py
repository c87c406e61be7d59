"""The AWS emulator's server process: moto, serving one request at a time.

``moto_server`` serves requests on threads. moto 5.2's DynamoDB makes a
transaction atomic by copying the table first and restoring that copy when a
condition fails; two transactions running at once can therefore restore over
each other's writes. Real DynamoDB has no such window, and the app's
concurrency design (conditional writes, transactions) must be tested against
DynamoDB's semantics, so the emulator handles one request at a time. The
app's requests still run in parallel, and their DynamoDB calls interleave.
"""

from __future__ import annotations

import argparse
import signal
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from werkzeug.serving import run_simple


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, app, threaded=False, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()

"""The AWS emulator's server process: moto, serving one request at a time.

``moto_server`` serves requests on threads. moto 5.2's DynamoDB makes a
transaction atomic by copying the table first and restoring that copy when a
condition fails; two transactions running at once can therefore restore over
each other's writes. Real DynamoDB has no such window, and the app's
concurrency design (conditional writes, transactions) must be tested against
DynamoDB's semantics, so the emulator handles one request at a time. The
app's requests still run in parallel, and their DynamoDB calls interleave.

It also answers ``GET /__maeul/sms``: the SMS published so far (phone, text),
read straight from the SNS backend, and ``GET /__maeul/email``: the e-mails SES sent
(sender, recipients, the raw MIME message). moto's own ``/moto-api/data.json`` lists
every object it ever made and grows too slow to read after a few thousand
DynamoDB transactions.

SIGTERM (or SIGINT) ends the process at once: its state is in memory only, and
a normal interpreter exit spends many seconds tearing down moto's objects once
the demo roster is seeded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from typing import Any

from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args(argv)
    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/__maeul/sms":
            body = json.dumps(sent_sms(), ensure_ascii=False).encode("utf-8")
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("PATH_INFO") == "/__maeul/email":
            body = json.dumps(sent_email(), ensure_ascii=False).encode("utf-8")
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return moto_app(environ, start_response)

    server = make_server(args.host, args.port, app, threaded=False, request_handler=MotoRequestHandler)

    def stop(*_: object) -> None:
        server.server_close()  # refuse new connections before anything else
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.log_startup()
    server.serve_forever()


def sent_sms() -> list[dict[str, str]]:
    from moto.sns.models import sns_backends

    found = []
    for account in sns_backends.values():
        for backend in account.values():
            for message_id, (phone, text) in backend.sms_messages.items():
                found.append({"message_id": message_id, "phone_number": phone, "message": text})
    return found


def sent_email() -> list[dict[str, Any]]:
    from moto.ses.models import ses_backends

    found = []
    for account in ses_backends.values():
        for backend in account.values():
            for message in backend.sent_messages:
                raw = getattr(message, "raw_data", None)
                if raw is not None:
                    found.append({"message_id": message.id, "source": message.source,
                                  "destinations": list(message.destinations), "raw": raw})
    return found


if __name__ == "__main__":
    main()

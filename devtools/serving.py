"""Running a dev server from the command line until Ctrl-C (``python -m devtools.sens``, ``devtools.translate``)."""

from __future__ import annotations

import logging
from http.server import HTTPServer


def serve_until_interrupted(server: HTTPServer, host: str, log: logging.Logger, title: str) -> int:
    """Log where ``server`` listens, serve until Ctrl-C, close its socket; the exit status (0)."""
    log.info("%s listening on http://%s:%s", title, host, server.server_address[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0

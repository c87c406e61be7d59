"""``python -m devtools.idp [--host HOST] [--port PORT]``: run the dev identity provider."""

from __future__ import annotations

import argparse
import os
import sys

from .config import DEFAULT_HOST, DEFAULT_PORT, Config
from .server import configure_logging, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.idp",
        description="Maeul dev identity provider (Kakao Login + Naver Login emulation).",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"default $MAEUL_IDP_PORT or {DEFAULT_PORT}; 0 picks a free port",
    )
    args = parser.parse_args(argv)
    port = args.port
    if port is None:
        try:
            port = int(os.environ.get("MAEUL_IDP_PORT", DEFAULT_PORT))
        except ValueError:
            parser.error("MAEUL_IDP_PORT must be an integer")
    try:
        config = Config.from_env()
    except ValueError as exc:
        parser.error(str(exc))
    configure_logging()
    return serve(args.host, port, config)


if __name__ == "__main__":
    sys.exit(main())

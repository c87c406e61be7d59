"""``python -m devtools.sens [--host HOST] [--port PORT]``: run the dev SENS emulator."""

from __future__ import annotations

import argparse
import os
import sys

from .server import DEFAULT_HOST, DEFAULT_PORT, Config, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.sens",
                                     description="Maeul dev emulator of Naver Cloud SENS (알림톡, SMS, LMS).")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument("--port", type=int, default=None,
                        help=f"default $MAEUL_SENS_PORT or {DEFAULT_PORT}; 0 picks a free port")
    args = parser.parse_args(argv)
    port = args.port if args.port is not None else int(os.environ.get("MAEUL_SENS_PORT", DEFAULT_PORT))
    return serve(args.host, port, Config.from_env())


if __name__ == "__main__":
    sys.exit(main())

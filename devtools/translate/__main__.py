"""``python -m devtools.translate [--host HOST] [--port PORT]``: run the dev translator."""

from __future__ import annotations

import argparse
import os
import sys

from .server import DEFAULT_HOST, DEFAULT_PORT, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.translate",
                                     description="Maeul dev translator (the Amazon Translate TranslateText API; "
                                                 "it marks the text, it does not translate).")
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    parser.add_argument("--port", type=int, default=None,
                        help=f"default $MAEUL_TRANSLATE_PORT or {DEFAULT_PORT}; 0 picks a free port")
    args = parser.parse_args(argv)
    port = args.port if args.port is not None else int(os.environ.get("MAEUL_TRANSLATE_PORT", DEFAULT_PORT))
    return serve(args.host, port)


if __name__ == "__main__":
    sys.exit(main())

"""``scripts/smoke <stage>``: is the deployed stage answering at its public address?

Checks, through the custom domain (``MAEUL_PUBLIC_BASE_URL``): ``GET /api/health`` answers 200
with JSON and the landing page answers 200 with HTML (so the root mapping works: the pages and
the API share the origin). ``--base-url`` checks another address (e.g. the emulator or the API's own URL).
"""

from __future__ import annotations

import argparse
import sys

import requests

from ops import stages


def check(base_url: str, timeout: float = 15.0) -> list[str]:
    """What is wrong at ``base_url`` (empty: all good)."""
    problems = []
    base = base_url.rstrip("/")
    try:
        health = requests.get(f"{base}/api/health", timeout=timeout)
        if health.status_code != 200 or "json" not in health.headers.get("content-type", ""):
            problems.append(f"/api/health answered {health.status_code}")
        landing = requests.get(f"{base}/", timeout=timeout)
        if landing.status_code != 200 or "html" not in landing.headers.get("content-type", ""):
            problems.append(f"/ answered {landing.status_code}")
    except requests.RequestException as exc:
        problems.append(f"{base}: {type(exc).__name__}: {exc}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/smoke", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=list(stages.AWS_STAGES))
    parser.add_argument("--base-url", default="")
    args = parser.parse_args(argv)
    base = args.base_url or f"https://{stages.domain(args.stage)}"
    problems = check(base)
    for problem in problems:
        print(f"smoke {args.stage}: {problem}", file=sys.stderr)
    if not problems:
        print(f"smoke {args.stage}: {base} answers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

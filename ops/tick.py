"""Run every scheduled function once, as if the clock read ``--at``.

``scripts/tick [--at 2026-12-01T09:00:00+09:00] [--only NAME]`` invokes each
job through ``chalice.test``'s Lambda client against the local stage, the
same handler EventBridge would call, with ``{"at": ...}`` in the event.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ops.localstage import chalice_config, local_environment
from ops.processes import ROOT


def local_now(env: dict[str, str] | None = None) -> datetime:
    """Now on the local stage's clock (``MAEUL_CLOCK`` when it is shifted)."""
    from chalicelib.settings import Settings

    return Settings.from_env(env or local_environment()).make_clock()()


def parse_at(text: str | None) -> datetime:
    if not text:
        return local_now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"--at {text!r} is not ISO 8601, e.g. 2026-12-01T09:00:00+09:00") from None
    if moment.tzinfo is None:
        raise SystemExit("--at needs a UTC offset, e.g. 2026-12-01T09:00:00+09:00")
    return moment


def run_jobs(at: datetime, only: list[str] | None = None, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Invoke the jobs in-process; returns one record per job."""
    env = env or local_environment()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    with _environment(env):
        return _invoke(at, only, env)


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """``env`` applied to this process for the jobs' run, the caller's environment restored after."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _invoke(at: datetime, only: list[str] | None, env: dict[str, str]) -> list[dict[str, Any]]:
    from chalice.test import TestLambdaClient

    from app import app
    from chalicelib.jobs import JOBS
    from chalicelib.jobs.base import scheduled_event

    client = TestLambdaClient(app, chalice_config(env))
    results = []
    for job in JOBS:
        if only and job.name not in only:
            continue
        try:
            # what the function writes (its EMF metric lines) goes to stderr: stdout is the results
            with contextlib.redirect_stdout(sys.stderr):
                payload = client.invoke(job.name, scheduled_event(at)).payload
            results.append({"job": job.name, "ok": True, "result": payload})
        except Exception as exc:  # noqa: BLE001 - report every job, keep going
            results.append({"job": job.name, "ok": False, "error": f"{type(exc).__name__}: {exc}"})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/tick", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--at", help="ISO 8601 instant with offset (default: now)")
    parser.add_argument("--only", action="append", help="run only this job (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    at = parse_at(args.at)
    results = run_jobs(at, args.only)
    if args.json:
        print(json.dumps({"at": at.isoformat(), "jobs": results}, ensure_ascii=False, default=str))
    elif not results:
        print(f"tick at {at.isoformat()}: no scheduled functions are defined yet; nothing to run")
    else:
        for r in results:
            status = "ok " if r["ok"] else "ERR"
            detail = r.get("result") if r["ok"] else r["error"]
            print(f"{status} {r['job']}: {json.dumps(detail, ensure_ascii=False, default=str)}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

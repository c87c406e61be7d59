"""``make run``: the whole local stack on one machine, stopped together.

Starts the AWS emulator, deploys ``infra/`` into it, seeds the demo roster,
starts the dev identity provider, the dev SENS emulator, the app and the local scheduler, prints the
URL, and on Ctrl-C or SIGTERM stops everything it started (see
``ops/supervisor.py``: a second Ctrl-C cannot interrupt that, and what a killed
runner left behind is stopped by the next start). ``--at`` (``make run AT=…``)
starts every process's clock at that instant (``MAEUL_CLOCK``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.clock import CLOCK_VAR, ClockSettingError, parse_clock, pinned
from ops import processes
from ops.localstage import RUN_DIR, Ports, write_clock_file
from ops.supervisor import Supervisor, stop_leftovers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__)
    parser.add_argument("--at", help="start every process's clock at this instant (local stage only), "
                                     "e.g. 2026-12-07T10:00:30+09:00; it advances normally")
    args = parser.parse_args(argv)
    try:
        shifted = pin_clock(args.at)
    except ClockSettingError as exc:
        print(f"make run: AT={args.at!r}: {exc}", file=sys.stderr)
        return 2
    stopped = stop_leftovers(RUN_DIR)
    if stopped:
        print("stopped what an earlier 'make run' left running: " + ", ".join(stopped), flush=True)
    ports = Ports.from_env()
    busy = [f"{name} port {port} (set {var})" for name, port, var in
            (("emulator", ports.aws, "MAEUL_AWS_PORT"), ("app", ports.app, "MAEUL_APP_PORT"),
             ("identity provider", ports.idp, "MAEUL_IDP_PORT"),
             ("SENS emulator", ports.sens, "MAEUL_SENS_PORT"),
             ("dev translator", ports.translate, "MAEUL_TRANSLATE_PORT")) if processes.port_in_use(port)]
    if busy:
        print("Cannot start: already in use: " + ", ".join(busy)
              + ". Is another 'make run' still running?", file=sys.stderr)
        return 1
    RUN_DIR.mkdir(exist_ok=True)
    write_clock_file(shifted)
    services = Supervisor(RUN_DIR)
    services.install_signal_handlers()
    os.environ.update({"MAEUL_AWS_PORT": str(ports.aws), "MAEUL_APP_PORT": str(ports.app),
                       "MAEUL_IDP_PORT": str(ports.idp), "MAEUL_SENS_PORT": str(ports.sens),
                       "MAEUL_TRANSLATE_PORT": str(ports.translate)})
    try:
        step("starting the AWS emulator (moto server)")
        services.start(processes.emulator(ports.aws, RUN_DIR / "emulator.log"))
        step("deploying infra/template.yaml as stack maeul-local")
        from ops.deploy import deploy_local

        deploy_local(log=lambda msg: print("   " + msg, flush=True))
        step("seeding the demo roster")
        subprocess.run([sys.executable, "-m", "ops.seed"], cwd=processes.ROOT, check=True)
        step("starting the dev identity provider (Kakao and Naver)")
        services.start(processes.identity_provider(ports.idp, ports.app, RUN_DIR / "idp.log"))
        step("starting the dev SENS emulator (Kakao 알림톡, SMS, LMS)")
        services.start(processes.sens(ports.sens, RUN_DIR / "sens.log"))
        step("starting the dev translator (chat translation; marks, does not translate)")
        services.start(processes.translator(ports.translate, RUN_DIR / "translate.log"))
        step("starting the app")
        services.start(processes.app_server(ports.app, {}, RUN_DIR / "app.log"))
        step("starting the local scheduler")
        services.start(processes.scheduler({}, RUN_DIR / "scheduler.log"))
        banner(ports, shifted)
        dead = services.wait_while_all_run()
        print(f"stopped because {', '.join(dead)} exited; logs in .run/", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    except Exception as exc:  # noqa: BLE001 - say what failed, then clean up
        print(f"make run failed: {exc}\nlogs are in .run/", file=sys.stderr)
        return 1
    finally:
        services.stop_all()
        write_clock_file(None)  # the stack is gone: scripts run later read the machine's clock again


def step(text: str) -> None:
    print(f"-> {text}", flush=True)


def pin_clock(at: str | None) -> str | None:
    """The pinned ``MAEUL_CLOCK`` every process gets (from ``--at`` or the environment), set here."""
    text = at or os.environ.get(CLOCK_VAR)
    if not text:
        os.environ.pop(CLOCK_VAR, None)
        return None
    pinned_value = pinned(parse_clock(text)()) if at is None else pinned(_instant(at))
    os.environ[CLOCK_VAR] = pinned_value
    return pinned_value


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ClockSettingError("give an ISO 8601 instant with its offset, e.g. 2026-12-07T10:00:30+09:00")
    return moment


def banner(ports: Ports, shifted: str | None = None) -> None:
    url = f"http://127.0.0.1:{ports.app}"
    if shifted:
        now = parse_clock(shifted)().astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M:%S KST")
        print(f"\nThe clock is SHIFTED: every process of this stack reads {now} now, advancing normally "
              f"({CLOCK_VAR}={shifted}).", flush=True)
    print(f"""
Maeul (스마트 마을노무사) is running:  {url}

  API health        {url}/api/health
  API description   {url}/api/openapi.json
  AWS emulator      http://127.0.0.1:{ports.aws}
  identity provider http://127.0.0.1:{ports.idp}  (test accounts: admin, attorney-001 … attorney-120, any other name)
  SENS emulator     http://127.0.0.1:{ports.sens}  (알림톡/SMS the residents were sent: scripts/outbox)
  dev translator    http://127.0.0.1:{ports.translate}  (chat translation; marks the text, never translates)
  scheduled jobs    run every minute by the local scheduler; run them by hand with scripts/tick --at ISO
  logs              .run/*.log

Note: the emulator keeps everything in memory. Stopping 'make run' forgets
what you entered; the next start deploys and seeds afresh.
Ctrl-C stops everything.
""", flush=True)


if __name__ == "__main__":
    sys.exit(main())

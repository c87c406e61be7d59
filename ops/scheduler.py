"""The local scheduler: runs the scheduled functions on their crons (``make run``).

Once a minute, on the minute, it runs in-process every job whose EventBridge
cron matches the current UTC minute, exactly like ``scripts/tick`` would. The
minute is the local stage's clock's (``MAEUL_CLOCK`` when it is shifted).
"""

from __future__ import annotations

import signal
import sys
import time
from datetime import timedelta

from ops.cron import matches


def main() -> int:
    from chalicelib.settings import Settings
    from ops.localstage import local_environment
    from ops.tick import run_jobs

    env = local_environment()
    clock = Settings.from_env(env).make_clock()
    run_jobs(clock(), only=["__none__"], env=env)  # import the app once
    from chalicelib.jobs import JOBS

    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"local scheduler: {len(JOBS)} scheduled function(s)", flush=True)
    while not stop:
        now = clock().replace(second=0, microsecond=0)
        due = [job.name for job in JOBS if matches(job.cron, now)]
        if due:
            for record in run_jobs(now, only=due, env=env):
                state = "ok" if record["ok"] else f"FAILED {record.get('error')}"
                print(f"{now.isoformat()} {record['job']}: {state}", flush=True)
        next_minute = now + timedelta(minutes=1)
        while not stop and clock() < next_minute:
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())

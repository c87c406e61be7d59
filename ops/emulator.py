"""``scripts/emulator``: run the local AWS emulator (moto server) in the foreground.

Listens on 127.0.0.1:$MAEUL_AWS_PORT (default 4566). The emulator keeps its
state in memory only: stopping it forgets everything (``make run`` deploys
and seeds again on start).
"""

from __future__ import annotations

import signal
import sys
import time

from ops.localstage import Ports
from ops.processes import emulator, port_in_use


def main() -> int:
    port = Ports.from_env().aws
    if port_in_use(port):
        print(f"port {port} is already in use (another emulator?); set MAEUL_AWS_PORT", file=sys.stderr)
        return 1
    service = emulator(port).start()
    print(f"AWS emulator listening on http://127.0.0.1:{port} (state in memory; Ctrl-C stops it)", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while service.process and service.process.poll() is None:
            time.sleep(0.5)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        service.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Make ``time.sleep`` work under libfaketime with ``FAKETIME_DONT_FAKE_MONOTONIC=1``.

The suite is run under libfaketime (``faketime -f "@2027-03-02 01:40:00" make test``) to prove
it passes on any day. With ``FAKETIME_DONT_FAKE_MONOTONIC=1`` (without it, timed waits on locks
and events hang), libfaketime 0.9.10 still moves the absolute monotonic deadline that CPython's
``time.sleep`` hands to ``clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)`` by the fake offset:
into the past it is EINVAL (``OSError: [Errno 22] Invalid argument`` on every sleep), into the
future a sleep that does not end. A relative ``select`` timeout is passed through untouched, so
there, and only there, ``time.sleep`` sleeps with ``select``.

``make install`` puts this module into the virtualenv with a ``.pth`` line that imports it at
start-up, so every Python process of the tests (servers included) has it. Elsewhere it does
nothing: it is not part of the app and is not packaged.
"""

from __future__ import annotations

import os


def _under_faketime() -> bool:
    return "faketime" in os.environ.get("LD_PRELOAD", "") and \
        os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1"


def install() -> None:
    if not _under_faketime():
        return
    import select
    import time

    def sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        select.select([], [], [], seconds)  # retried with the time left on EINTR (PEP 475)

    sleep.__doc__ = time.sleep.__doc__
    time.sleep = sleep


if __name__ == "__main__":  # python -m devtools.faketime_sleep: install into this interpreter's site-packages
    import shutil
    import sysconfig
    from pathlib import Path

    site = Path(sysconfig.get_paths()["purelib"])
    shutil.copyfile(__file__, site / "maeul_faketime_sleep.py")
    (site / "maeul_faketime_sleep.pth").write_text("import maeul_faketime_sleep; maeul_faketime_sleep.install()\n")
    print(f"faketime sleep fix installed in {site}")

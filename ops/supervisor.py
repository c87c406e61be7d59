"""``make run``'s services: recorded in a pid file, stopped together exactly once.

:class:`Supervisor` starts the services and stops them all however the run
ends. The first SIGINT, SIGTERM or SIGHUP raises ``KeyboardInterrupt`` in the
runner; from then on (and once shutdown has begun for any other reason) these
signals no longer interrupt anything: a further one only kills the services'
process groups at once. Stopping sends SIGTERM to every process group, waits
with one shared deadline, then SIGKILLs the stragglers.

Each service runs in its own session, so when the runner itself is killed
(SIGKILL, OOM) they live on. The pid file (``services.json`` in the run dir)
lists the runner and each service (pid, process group, port, command line,
start time); :func:`stop_leftovers` stops what an earlier, dead runner left,
after checking in ``/proc`` that each recorded pid is still the process that
was started (same command line and start time), so a process that merely
reused the pid is never touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ops.processes import Service, stop_services

PID_FILE_NAME = "services.json"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


# --- /proc ------------------------------------------------------------------------------------------


def cmdline(pid: int) -> list[str] | None:
    """The process's argv, or None when there is no such live process (a zombie has none)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    if not raw:
        return None
    return [arg.decode(errors="surrogateescape") for arg in raw.rstrip(b"\0").split(b"\0")]


def start_time(pid: int) -> int | None:
    """When the process started, in clock ticks since boot (``/proc/<pid>/stat`` field 22)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces: split after it.
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[19])


def is_recorded_process(entry: dict[str, Any]) -> bool:
    """True when ``entry``'s pid is alive and still the process recorded (command line, start time)."""
    pid = entry.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if cmdline(pid) != entry.get("cmdline"):
        return False
    recorded_start = entry.get("start_time")
    return recorded_start is None or start_time(pid) == recorded_start


# --- the pid file -----------------------------------------------------------------------------------


class PidFile:
    """``<run dir>/services.json``: this runner and the services it started."""

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / PID_FILE_NAME

    def write(self, services: Sequence[Service]) -> None:
        records = []
        for service in services:
            if service.process is None:
                continue
            pid = service.process.pid
            records.append({"name": service.name, "pid": pid, "pgid": pid, "port": service.port,
                            "cmdline": list(service.argv), "start_time": start_time(pid)})
        runner = os.getpid()
        data = {"runner": {"pid": runner, "cmdline": cmdline(runner), "start_time": start_time(runner)},
                "services": records}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)

    def read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def remove_if_ours(self) -> None:
        runner = (self.read() or {}).get("runner")
        if isinstance(runner, dict) and runner.get("pid") != os.getpid():
            return  # another runner wrote it since
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def stop_leftovers(run_dir: Path, grace: float = 2.0) -> list[str]:
    """Stop the services an earlier runner in ``run_dir`` left running when it died.

    Returns a description of each process stopped. Nothing is done while that
    runner is still alive (it is another, working ``make run``), and a recorded
    pid that is no longer the recorded process is left alone.
    """
    pid_file = PidFile(run_dir)
    data = pid_file.read()
    if data is None:
        return []
    runner = data.get("runner")
    if isinstance(runner, dict) and is_recorded_process(runner):
        return []
    leftovers = [e for e in data.get("services") or [] if isinstance(e, dict) and is_recorded_process(e)]
    for entry in leftovers:
        _signal_leftover(entry, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(is_recorded_process(e) for e in leftovers):
        time.sleep(0.05)
    for entry in leftovers:
        if is_recorded_process(entry):
            _signal_leftover(entry, signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and any(is_recorded_process(e) for e in leftovers):
        time.sleep(0.05)
    with contextlib.suppress(FileNotFoundError):
        pid_file.path.unlink()
    return [f"{e.get('name', '?')} (pid {e['pid']}" + (f", port {e['port']})" if e.get("port") else ")")
            for e in leftovers]


def _signal_leftover(entry: dict[str, Any], signum: int) -> None:
    pid = entry["pid"]
    try:
        # Its own process group (it was started in a new session) takes its children along.
        if entry.get("pgid") == pid and os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


# --- the supervisor ---------------------------------------------------------------------------------


class Supervisor:
    """The services of one run; :meth:`stop_all` stops every one of them, once, whatever arrives meanwhile."""

    def __init__(self, run_dir: Path, grace: float = 2.0) -> None:
        self.pid_file = PidFile(run_dir)
        self.grace = grace
        self.services: list[Service] = []
        self.stopping = False
        self.stopped = False
        self._deferring = False
        self._deferred = False
        self._forced = False

    def install_signal_handlers(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_first_signal)

    def start(self, service: Service, timeout: float = 60.0) -> Service:
        """Start ``service``, recorded (for stopping and in the pid file) before it is waited for."""
        with self._signals_deferred():
            if self.stopping:
                raise KeyboardInterrupt
            service.spawn()
            self.services.append(service)
        self.pid_file.write(self.services)
        service.wait_ready(timeout)
        return service

    def wait_while_all_run(self, poll: float = 0.5) -> list[str]:
        """Block until a service exits; return the names of those that did."""
        while all(s.running() for s in self.services):
            time.sleep(poll)
        return [s.name for s in self.services if not s.running()]

    def stop_all(self) -> None:
        """Stop every service started (idempotent); further stop signals only hurry it up."""
        self._begin_shutdown()
        if self.stopped:
            return
        stop_services(self.services, self.grace)
        self.stopped = True
        self.pid_file.remove_if_ours()
        # Nothing is left to stop. Ignored rather than left to the interpreter, which restores the
        # default actions while it exits: a late Ctrl-C would kill it with a misleading status.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)

    # Signal handlers run in the main thread, between two bytecodes of whatever it was doing.

    def _on_first_signal(self, signum: int, frame: object) -> None:
        self._begin_shutdown()
        if self._deferring:
            self._deferred = True  # raised as soon as the service being spawned is recorded
            return
        raise KeyboardInterrupt

    def _on_later_signal(self, signum: int, frame: object) -> None:
        if not self._forced:
            self._forced = True
            with contextlib.suppress(OSError, ValueError):
                os.write(sys.stderr.fileno(), b"\nstopping now: killing what is left\n")
        for service in self.services:
            service.signal_group(signal.SIGKILL)

    def _begin_shutdown(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_later_signal)

    @contextlib.contextmanager
    def _signals_deferred(self) -> Iterator[None]:
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        if self._deferred:
            self._deferred = False
            raise KeyboardInterrupt

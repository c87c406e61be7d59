"""Starting and stopping the local servers (emulator, identity provider, app)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


# Ports handed out lately, by any process of this user on this machine: a file per port holding when
# (the system-wide monotonic clock, which a shifted wall clock does not move). One folder per user: in
# a shared temporary folder another user's claims could not be written or read.
PORT_CLAIMS = Path(tempfile.gettempdir()) / f"maeul-port-claims-{os.getuid()}"
CLAIM_SECONDS = 120.0


def free_port() -> int:
    """A port nothing listens on and no process here was handed in the last ``CLAIM_SECONDS``.

    The kernel may give the same free port to two callers before either server binds it (two
    parallel test workers, or two calls in a row): the second server then fails to start while the
    first answers in its place. The claim keeps a port to its first caller until its server is up.
    """
    PORT_CLAIMS.mkdir(exist_ok=True)
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if _claim(port):
            return port
    raise RuntimeError(f"no free port left unclaimed (claims in {PORT_CLAIMS})")


def _claim(port: int) -> bool:
    path, now = PORT_CLAIMS / str(port), time.monotonic()
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        try:
            claimed_at = float(path.read_text(encoding="ascii"))
        except (OSError, ValueError):
            return False  # being written by its claimant this moment (or unreadable: left alone)
        if now - claimed_at < CLAIM_SECONDS and claimed_at <= now:  # (a claim from before a reboot is old)
            return False
        path.unlink(missing_ok=True)  # an old claim: taken over
        return _claim(port)
    with os.fdopen(fd, "w", encoding="ascii") as claim:
        claim.write(repr(now))
    return True


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_http(url: str, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers with a success (or raise with what happened). An error status
    does not count: another server answering on the port (404) is not the one being waited for."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError as exc:  # an HTTP error status included
            last = exc
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s ({last})")


@dataclass
class Service:
    """A child process in its own process group, stopped with its children."""

    name: str
    argv: Sequence[str]
    ready_url: str | None
    env: Mapping[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    port: int | None = None
    process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> Service:
        self.spawn()
        try:
            self.wait_ready(timeout)
        except BaseException:  # including KeyboardInterrupt: never leave it running
            self.stop()
            raise
        return self

    def spawn(self) -> subprocess.Popen:
        """Start the process in its own session (and process group), without waiting for it."""
        env = {**os.environ, **self.env}
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(list(self.argv), cwd=ROOT, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            if out is not subprocess.DEVNULL:
                out.close()
        return self.process

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.process is not None, "spawn() first"
        if self.ready_url:
            wait_http(self.ready_url, timeout, self.process)
        elif self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with code {self.process.returncode}")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_group(self, signum: int) -> None:
        """Send ``signum`` to the service's process group, if its leader has not been reaped yet.

        Safe in a signal handler: it only reads ``returncode`` (a reaped leader's pid may be reused).
        """
        proc = self.process
        if proc is None or proc.returncode is not None:
            return
        try:
            os.killpg(proc.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, timeout: float = 10.0) -> None:
        stop_services([self], timeout)


def stop_services(services: Sequence[Service], grace: float = 2.0) -> None:
    """SIGTERM every service's process group at once, wait ``grace`` seconds in all, SIGKILL the rest."""
    running = [s for s in services if s.running()]
    for service in running:
        service.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for service in running:
        _wait(service, deadline)
    stragglers = [s for s in running if s.running()]
    for service in stragglers:
        service.signal_group(signal.SIGKILL)
    deadline = time.monotonic() + 5.0
    for service in stragglers:
        _wait(service, deadline)


def _wait(service: Service, deadline: float) -> None:
    assert service.process is not None
    try:
        service.process.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        pass


def emulator(port: int, log_path: Path | None = None) -> Service:
    """moto: DynamoDB, KMS, SNS, CloudFormation, Secrets Manager... on one port (ops/emulator_server.py)."""
    return Service("emulator", [sys.executable, "-m", "ops.emulator_server", "-H", "127.0.0.1", "-p", str(port)],
                   f"http://127.0.0.1:{port}/moto-api/", log_path=log_path, port=port)


def identity_provider(port: int, app_port: int, log_path: Path | None = None) -> Service:
    redirects = ",".join(f"http://{host}:{app_port}/auth/{provider}/callback"
                         for host in ("127.0.0.1", "localhost") for provider in ("kakao", "naver"))
    return Service("identity provider",
                   [sys.executable, "-m", "devtools.idp", "--host", "127.0.0.1", "--port", str(port)],
                   f"http://127.0.0.1:{port}/health", env={"IDP_REDIRECT_URIS": redirects},
                   log_path=log_path, port=port)


def sens(port: int, log_path: Path | None = None) -> Service:
    """The dev emulator of Naver Cloud SENS (알림톡, SMS, LMS): devtools/sens."""
    return Service("SENS emulator", [sys.executable, "-m", "devtools.sens", "--host", "127.0.0.1", "--port", str(port)],
                   f"http://127.0.0.1:{port}/health", log_path=log_path, port=port)


def translator(port: int, log_path: Path | None = None) -> Service:
    """The dev translator (Amazon Translate's TranslateText, marking instead of translating): devtools/translate."""
    return Service("dev translator",
                   [sys.executable, "-m", "devtools.translate", "--host", "127.0.0.1", "--port", str(port)],
                   f"http://127.0.0.1:{port}/health", log_path=log_path, port=port)


def app_server(port: int, env: Mapping[str, str], log_path: Path | None = None) -> Service:
    return Service("app", [sys.executable, "-m", "ops.local_app", "--port", str(port)],
                   f"http://127.0.0.1:{port}/api/health", env=env, log_path=log_path, port=port)


def scheduler(env: Mapping[str, str], log_path: Path | None = None) -> Service:
    return Service("scheduler", [sys.executable, "-m", "ops.scheduler"], None, env=env,
                   log_path=log_path)

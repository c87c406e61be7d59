"""Ports for the local servers: a port handed out is not handed out again while its server starts,
and a server is ready only when it answers its own health check (not another server on the port)."""

from __future__ import annotations

import http.server
import threading
import time

import pytest

from ops import processes


class _Kernel:
    """Stands in for ``socket.socket`` binding port 0: hands out the given ports in turn."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports

    def __call__(self) -> _Kernel:
        return self

    def __enter__(self) -> _Kernel:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def bind(self, address: tuple[str, int]) -> None:
        self.port = self.ports.pop(0)

    def getsockname(self) -> tuple[str, int]:
        return "127.0.0.1", self.port


@pytest.fixture
def claims(tmp_path, monkeypatch):
    monkeypatch.setattr(processes, "PORT_CLAIMS", tmp_path / "claims")
    return tmp_path / "claims"


def test_a_port_the_kernel_offers_twice_is_handed_out_once(claims, monkeypatch) -> None:
    monkeypatch.setattr(processes.socket, "socket", _Kernel([41001, 41001, 41002]))
    assert [processes.free_port(), processes.free_port()] == [41001, 41002]


def test_another_process_s_recent_claim_is_respected_and_an_old_one_taken_over(claims, monkeypatch) -> None:
    claims.mkdir()
    (claims / "41001").write_text(repr(time.monotonic() - 5), encoding="ascii")  # 5 s ago, elsewhere
    (claims / "41002").write_text(repr(time.monotonic() - processes.CLAIM_SECONDS - 1), encoding="ascii")
    monkeypatch.setattr(processes.socket, "socket", _Kernel([41001, 41002]))
    assert processes.free_port() == 41002
    assert float((claims / "41002").read_text(encoding="ascii")) > time.monotonic() - 1  # claimed anew


def test_a_claim_being_written_is_not_taken(claims, monkeypatch) -> None:
    claims.mkdir()
    (claims / "41001").touch()  # created, its time not written yet
    monkeypatch.setattr(processes.socket, "socket", _Kernel([41001, 41003]))
    assert processes.free_port() == 41003


def test_a_server_that_answers_404_on_the_port_is_not_the_one_being_waited_for() -> None:
    class NotOurs(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotOurs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/health"
    try:
        with pytest.raises(TimeoutError, match="HTTP Error 404"):
            processes.wait_http(url, timeout=1.0)
    finally:
        server.shutdown()
        server.server_close()

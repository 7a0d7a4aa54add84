"""Request bodies over a route's limit are refused with 413 before the server holds them.

Against the real server process: a 200 MB body is sent over a raw socket, with a length and
chunked, and the server's peak memory (VmHWM) is read from /proc before and after.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from supervision_server.request_limits import DEFAULT_LIMIT
from tests.server.helpers import ADMIN
from tests.server.test_real_server import Server

MB = 1024 * 1024
CHUNK = b"x" * (64 * 1024)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    started = Server(tmp_path / "data")
    yield started
    started.stop()


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident memory (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


def send_body(port: int, path: str, total: int, *, chunked: bool) -> tuple[int, dict[str, Any], int]:
    """POST ``total`` bytes to ``path``, stopping as soon as the server answers.

    Returns the status, the JSON body of the answer and how many body bytes were sent.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    sock.sendall(head.encode("ascii"))
    sent = 0
    try:
        while sent < total and not select.select([sock], [], [], 0)[0]:
            sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK) if chunked else CHUNK)
            sent += len(CHUNK)
    except (BrokenPipeError, ConnectionResetError):
        pass
    reply = bytearray()
    try:
        while chunk := sock.recv(65536):
            reply += chunk
    except ConnectionResetError:
        pass
    sock.close()
    header, _, body = bytes(reply).partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1])
    return status, json.loads(body), sent


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_200_mb_body_is_refused_before_it_is_read(server: Server, chunked: bool) -> None:
    before = peak_rss_kib(server.proc.pid)
    for path, limit in (
        ("/api/v1/enroll", 16 * 1024),
        ("/api/v1/devices/dev-x/heartbeat", 8 * 1024),
        ("/api/v1/devices/dev-x/events", 16 * MB),
    ):
        status, body, sent = send_body(server.port, path, 200 * MB, chunked=chunked)
        assert (status, body["code"], body["max_bytes"]) == (413, "BODY_TOO_LARGE", limit), path
        assert sent < 64 * MB, (path, sent)
    growth_mb = (peak_rss_kib(server.proc.pid) - before) / 1024
    assert growth_mb < 50, f"peak memory grew by {growth_mb:.0f} MB"


def test_each_route_has_its_own_limit(sqlite_client: TestClient) -> None:
    client = sqlite_client
    cases = [  # path, limit, headers, the answer to a body just at the limit (read and judged)
        ("/api/v1/enroll", 16 * 1024, {}, 422),
        ("/api/v1/devices/dev-x/heartbeat", 8 * 1024, {}, 422),
        ("/api/v1/admin/enroll-codes", 8 * 1024, ADMIN, 422),
        ("/api/v1/queue/devices/dev-x/ops", 4 * 1024, {}, 403),
    ]
    for path, limit, headers, status in cases:
        at_limit = b'{"pad": "' + b"x" * (limit - 11) + b'"}'
        assert len(at_limit) == limit
        reply = client.post(path, content=at_limit, headers={**headers, "Content-Type": "application/json"})
        assert reply.status_code == status, (path, reply.text)
        reply = client.post(
            path, content=at_limit + b" ", headers={**headers, "Content-Type": "application/json"}
        )
        assert (reply.status_code, reply.json()["code"], reply.json()["max_bytes"]) == (
            413,
            "BODY_TOO_LARGE",
            limit,
        ), path
    reply = client.request("GET", "/api/v1/calendar", content=b"x" * (DEFAULT_LIMIT + 1))
    assert (reply.status_code, reply.json()["code"]) == (413, "BODY_TOO_LARGE")


def test_a_chunked_body_is_counted_while_it_streams(sqlite_client: TestClient) -> None:
    def pieces() -> Iterator[bytes]:
        yield b'{"code": "K7QX", "device_id": "dev-abc", "public_key": "'
        yield from [b"A" * 4096] * 8
        yield b'"}'

    reply = sqlite_client.post(
        "/api/v1/enroll", content=pieces(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in {k.lower() for k in reply.request.headers}
    assert (reply.status_code, reply.json()["code"], reply.json()["max_bytes"]) == (
        413,
        "BODY_TOO_LARGE",
        16 * 1024,
    )

"""The real supervision server as a subprocess on a free loopback port, and a fault proxy.

``ServerProcess`` starts ``python -m supervision_server serve`` (SQLite in a data folder, or a
PostgreSQL URL), waits until it answers, can SIGKILL and restart it on the same port, issues
enrollment codes and reads the server's database for the checks. ``FaultProxy`` sits between a
counter and the server and, per request, forwards it, answers 500 itself, forwards it and then
drops the client connection before the reply, forwards it and calls a hook (to kill the
server while it works on the batch), or plays the machine in the middle: forwards it without
its If-None-Match and rewrites the body of the reply, headers (signature included) kept.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from tests.pg import fresh_database

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN = "test-admin-token-of-a-server-outside-demo-mode"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_postgres_database(prefix: str) -> Iterator[str]:
    """Create an empty database for one test module and drop it afterwards."""
    with fresh_database(prefix) as url:
        yield url


class ServerProcess:
    """One supervision server process; ``url`` stays the same across restarts."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str | None = None,
        port: int | None = None,
        settings: dict[str, str] | None = None,
        demo: bool = True,
        tls: tuple[Path, Path, Path] | None = None,
    ) -> None:
        """``tls`` is (certificate, key, CA file): serve HTTPS, and trust the CA when polling."""
        self.data_dir = data_dir
        self.settings = settings or {}  # SUPERVISION_* variables for the server, e.g. short grace
        self.database_url = database_url
        self.demo = demo  # without it: no demo catalog, and the admin token comes from the environment
        self.port = port or free_port()
        self.tls = tls
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}-server.log"
        self.starts = 0

    def _env(self) -> dict[str, str]:
        return _env() if self.demo else {**_env(), "SUPERVISION_ADMIN_TOKEN": ADMIN_TOKEN}

    def _db_args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args

    def start(self, timeout: float = 30.0) -> None:
        """Start the process and wait until it answers HTTP."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "supervision_server", "serve", "--host", "127.0.0.1"]
        cmd += ["--port", str(self.port), *(["--demo"] if self.demo else []), *self._db_args()]
        if self.tls:
            cmd += ["--ssl-certfile", str(self.tls[0]), "--ssl-keyfile", str(self.tls[1])]
        log = self.log_path.open("ab")
        env = self._env() | {"SUPERVISION_" + name.upper(): value for name, value in self.settings.items()}
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                requests.get(self.url + "/api/v1/calendar", timeout=1, verify=self.verify)
                return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"server did not answer within {timeout} s: {self.log_tail()}")

    @property
    def verify(self) -> str | bool:
        """What ``requests`` needs to trust this server."""
        return str(self.tls[2]) if self.tls else True

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; whatever was in flight is cut off."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Terminate politely, then kill if it does not go."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, chars: int = 3000) -> str:
        """The end of the server's log, for failure messages."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def admin(self) -> dict[str, str]:
        """The Authorization header of the server's administrator."""
        token = (self.data_dir / "admin_token").read_text().strip() if self.demo else ADMIN_TOKEN
        return {"Authorization": f"Bearer {token}"}

    def issue_code(self, hall: str = "H1", window: int = 1, *, kiosk: bool = False) -> str:
        """A one-time enrollment code from the ``issue-code`` command (``--kiosk N`` for a kiosk)."""
        cmd = [sys.executable, "-m", "supervision_server", "issue-code", "--hall", hall]
        cmd += ["--kiosk", str(window)] if kiosk else ["--window", str(window)]
        out = subprocess.run(
            cmd + self._db_args(),
            cwd=ROOT,
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        return parse_code(out)

    def add_clerk(self, hall: str, number: str, name: str, role: str, password: str) -> str:
        """Add a clerk to the roster with the ``add-clerk`` command (password on stdin); its output."""
        cmd = [sys.executable, "-m", "supervision_server", "add-clerk", "--hall", hall, "--number", number]
        cmd += ["--name", name, "--role", role, "--password-stdin"]
        return subprocess.run(
            cmd + self._db_args(),
            cwd=ROOT,
            env=self._env(),
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout

    def query(self, sql: str, **params: Any) -> list[Any]:
        """Rows from the server's own database (read only)."""
        url = self.database_url or f"sqlite+pysqlite:///{self.data_dir / 'supervision.db'}"
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql), params).all())
        finally:
            engine.dispose()


def parse_code(output: str) -> str:
    """The enrollment code in the ``issue-code`` output: the code alone on the last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"no enrollment code in {output!r}")
    return lines[-1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("SUPERVISION_CONFIG", None)
    # These tests assert the sync and ledger alerts exactly, at whatever hour they run; the
    # supervision rules (OUTSIDE_HOURS at night ...) have their own tests and the hall day
    # (tests/integration/test_hall_day.py) runs them on a real server. settings= turns them on.
    env.setdefault("SUPERVISION_RULES_ON_INGEST", "false")
    env.setdefault("SUPERVISION_RULES_ON_SCHEDULE", "false")
    return env


class FaultProxy:
    """A loopback HTTP proxy that applies scripted faults to requests whose path matches ``only``.

    Actions: ``"forward"``, ``"500"`` (answer without forwarding), ``"drop_reply"`` (forward,
    read the whole reply, close the client socket instead of passing it on), ``("hook", fn)``
    (forward the request, call ``fn()``, then relay whatever comes back, if anything),
    ``("rewrite", fn)`` (forward without If-None-Match, relay the reply with ``fn(body)`` as its
    body).
    """

    def __init__(self, upstream_port: int, only: str = "/events") -> None:
        self.upstream_port = upstream_port
        self.only = only
        self.script: deque[Any] = deque()
        self.seen: list[tuple[str, Any]] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        """Stop accepting (shutdown wakes the thread blocked in accept) and release the port."""
        self._closing = True
        with suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            try:
                head, body = _read_request(client)
            except (OSError, ValueError):
                return
            path = head.split(b" ", 2)[1].decode("latin-1")
            action: Any = "forward"
            if self.only in path and self.script:
                action = self.script.popleft()
            self.seen.append((path, action if isinstance(action, str) else action[0]))
            if action == "500":
                payload = b'{"code":"INTERNAL","message":"injected"}'
                client.sendall(
                    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
                    + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(payload)
                    + payload
                )
                return
            kind = action[0] if isinstance(action, tuple) else action
            hook: Callable[[], None] | None = action[1] if kind == "hook" else None
            if kind == "rewrite":
                head = re.sub(rb"(?im)^if-none-match:[^\r\n]*\r\n", b"", head + b"\r\n")[:-2]
            reply = self._forward(head, body, hook)
            if kind == "rewrite" and reply:
                reply = _rewrite_body(reply, action[1])
            if action == "drop_reply" or not reply:
                client.shutdown(socket.SHUT_RDWR)
                return
            client.sendall(reply)

    def _forward(self, head: bytes, body: bytes, hook: Callable[[], None] | None) -> bytes:
        lines = [ln for ln in head.split(b"\r\n") if not ln.lower().startswith(b"connection:")]
        request = b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body
        chunks: list[bytes] = []
        try:
            with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as up:
                up.sendall(request)
                if hook is not None:
                    hook()
                while data := up.recv(65536):
                    chunks.append(data)
        except OSError:
            pass
        return b"".join(chunks)


def _rewrite_body(reply: bytes, rewrite: Callable[[bytes], bytes]) -> bytes:
    """``reply`` with its body replaced by ``rewrite(body)`` and Content-Length to match."""
    head, _, body = reply.partition(b"\r\n\r\n")
    new = rewrite(body)
    head = re.sub(rb"(?im)^content-length:\s*\d+", b"content-length: %d" % len(new), head)
    return head + b"\r\n\r\n" + new


def _read_request(sock: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed before the request head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(match.group(1)) if match else 0
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed inside the body")
        rest += chunk
    return head, rest[:length]

"""The real server as a subprocess on loopback (``python -m supervision_server serve``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from counter_app.ledger import AckReceipt, public_key_from_b64, verify_receipt
from tests.server.conftest import install_server_key
from tests.server.helpers import Chain, enroll_body, heartbeat_body, unique, wire

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class Server:
    """``serve --demo`` on a free port; ``url``, ``token`` and ``stop()``."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
        workers: int = 1,
    ) -> None:
        self.data_dir = data_dir
        self.args = ["--data-dir", str(data_dir)] + (["--database-url", database_url] if database_url else [])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / "server.log"
        cmd = [
            sys.executable,
            "-m",
            "supervision_server",
            "serve",
            "--port",
            str(self.port),
            "--demo",
            "--workers",
            str(workers),
            *self.args,
        ]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env={**server_env(), **(env or {})}, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if requests.get(self.url + "/api/v1/catalog", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not answer: {self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        self.token = (data_dir / "admin_token").read_text().strip()
        self.admin = {"Authorization": f"Bearer {self.token}"}

    def cli(self, *args: str) -> str:
        command = [sys.executable, "-m", "supervision_server", *args, *self.args]
        done = subprocess.run(
            command, cwd=ROOT, env=server_env(), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def enroll(self, chain: Chain, window: int = 1) -> dict[str, Any]:
        code = self.cli("issue-code", "--hall", "H1", "--window", str(window)).strip().splitlines()[-1]
        body = enroll_body(code, chain.device_id, chain.key)
        reply = requests.post(self.url + "/api/v1/enroll", json=body, timeout=30)
        assert reply.status_code == 201, reply.text
        return dict(reply.json())

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return int(self.proc.returncode)


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "data")
    yield server
    server.stop()


def test_the_server_process_serves_the_whole_flow(sqlite_server: Server) -> None:
    server = sqlite_server
    chain = Chain(unique("dev"))
    enrolled = server.enroll(chain, window=4)
    assert (enrolled["hall_code"], enrolled["window_no"]) == ("H1", 4)
    session = requests.Session()
    events_url = f"{server.url}/api/v1/devices/{chain.device_id}/events"
    reply = session.post(events_url, json=wire(chain.extend(50)), timeout=30)
    assert reply.status_code == 200, reply.text
    receipt = AckReceipt.from_dict(reply.json()["receipt"])
    verify_receipt(receipt, public_key_from_b64(str(enrolled["server_public_key"])))
    assert receipt.acked_seq == 50
    device_time = datetime.now(UTC).isoformat()
    heartbeat = heartbeat_body(chain, 1, device_time=device_time)
    beat = session.post(
        f"{server.url}/api/v1/devices/{chain.device_id}/heartbeat", json=heartbeat, timeout=30
    )
    assert beat.status_code == 200 and beat.json()["acked_seq"] == 50
    head = session.get(f"{server.url}/api/v1/devices/{chain.device_id}/head", timeout=30).json()
    assert (head["acked_seq"], head["forked"]) == (50, False)
    catalog = session.get(f"{server.url}/api/v1/catalog", timeout=30)
    assert catalog.json()["format"] == 1
    again = session.get(f"{server.url}/api/v1/catalog", headers={"If-None-Match": catalog.headers["ETag"]})
    assert again.status_code == 304
    devices = session.get(f"{server.url}/api/v1/devices", headers=server.admin, timeout=30).json()["devices"]
    assert [d["acked_seq"] for d in devices if d["device_id"] == chain.device_id] == [50]
    assert session.get(f"{server.url}/openapi.json", timeout=30).json()["info"]["version"]
    assert "数据库结构已是最新版本" in server.cli("migrate")
    assert server.stop() in (0, -15)  # uvicorn re-raises SIGTERM after a clean shutdown
    assert "Application shutdown complete" in server.log.read_text(errors="replace")


def test_serve_refuses_to_start_without_a_token_outside_demo_mode(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "supervision_server", "serve", "--port", str(free_port())]
    command += ["--data-dir", str(tmp_path / "data")]
    done = subprocess.run(command, cwd=ROOT, env=server_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "SUPERVISION_ADMIN_TOKEN" in done.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("workers", [1, 2])
def test_the_same_batch_twice_at_once_is_stored_once_on_postgres(
    tmp_path: Path, postgres_url: str, session_server_key: bytes, workers: int
) -> None:
    # With two worker processes the two requests may each reach its own process.
    install_server_key(tmp_path / "data", session_server_key)
    server = Server(tmp_path / "data", postgres_url, workers=workers)
    try:
        chain = Chain(unique("dev"))
        server.enroll(chain)
        body = wire(chain.extend(300))
        url = f"{server.url}/api/v1/devices/{chain.device_id}/events"
        replies: list[requests.Response] = []
        barrier = threading.Barrier(2)

        def send() -> None:
            with requests.Session() as session:
                barrier.wait()
                replies.append(session.post(url, json=body, timeout=60))

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [r.status_code for r in replies] == [200, 200]
        assert sorted((r.json()["stored"], r.json()["duplicates"]) for r in replies) == [(0, 300), (300, 0)]
        assert {r.json()["acked_hash"] for r in replies} == {chain.head[1]}
        engine = create_engine(postgres_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT seq, count(*) AS n FROM events WHERE device_id = :d GROUP BY seq ORDER BY seq"
                    ),
                    {"d": chain.device_id},
                ).all()
                forks = conn.execute(
                    text("SELECT count(*) FROM fork_events WHERE device_id = :d"), {"d": chain.device_id}
                ).scalar()
        finally:
            engine.dispose()
        assert [(r.seq, r.n) for r in rows] == [(seq, 1) for seq in range(1, 301)] and forks == 0
    finally:
        server.stop()

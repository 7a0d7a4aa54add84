"""The server key stays the one the windows know: real ``serve`` processes on one database."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from counter_app.ledger import AckReceipt, DeviceKey, public_key_from_b64, verify_receipt
from tests.pg import fresh_database, require_postgres
from tests.server.helpers import Chain, unique, wire
from tests.server.test_real_server import ROOT, Server, free_port, server_env

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database outside every data folder, so that servers with different folders share it."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'shared' / 'supervision.db'}"
        return
    require_postgres()
    with fresh_database("sc_key") as url:
        yield url


def run_cli(data_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "supervision_server", *args]
    command += ["--data-dir", str(data_dir), "--database-url", database_url]
    return subprocess.run(command, cwd=ROOT, env=server_env(), capture_output=True, text=True, timeout=45)


def serve_refused(data_dir: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    return run_cli(data_dir, database_url, "serve", "--demo", "--port", str(free_port()))


def push(server: Server, chain: Chain, count: int, server_key: str) -> int:
    reply = requests.post(
        f"{server.url}/api/v1/devices/{chain.device_id}/events", json=wire(chain.extend(count)), timeout=30
    )
    assert reply.status_code == 200, reply.text
    receipt = AckReceipt.from_dict(reply.json()["receipt"])
    verify_receipt(receipt, public_key_from_b64(server_key))  # what the window checks
    return receipt.acked_seq


def test_a_server_refuses_a_key_the_database_does_not_know(tmp_path: Path, shared_database: str) -> None:
    first, fresh, other = tmp_path / "first", tmp_path / "fresh", tmp_path / "other"
    server = Server(first, shared_database)
    chain = Chain(unique("dev"))
    try:
        known = str(server.enroll(chain)["server_public_key"])
        assert push(server, chain, 3, known) == 3
    finally:
        server.stop()

    done = serve_refused(fresh, shared_database)  # a new data folder on the same database
    assert done.returncode == 2, done.stdout + done.stderr
    assert "server_key.pem" in done.stderr and "rotate-server-key" in done.stderr and known in done.stderr
    assert "请从备份恢复" in done.stderr
    assert not (fresh / "server_key.pem").exists()  # no new key was made on the way

    DeviceKey.load_or_create(other / "server_key.pem")  # another key where the old one belongs
    done = serve_refused(other, shared_database)
    assert done.returncode == 2 and "不一致" in done.stderr and known in done.stderr

    shutil.copy(first / "server_key.pem", fresh / "server_key.pem")  # restored from the backup
    server = Server(fresh, shared_database)
    try:
        assert push(server, chain, 2, known) == 5  # the window carries on, receipts verify
        refused = run_cli(other, shared_database, "rotate-server-key")
        assert refused.returncode == 2 and "--yes" in refused.stderr
    finally:
        server.stop()
    rotated = run_cli(other, shared_database, "rotate-server-key", "--yes").stdout  # explicit choice
    new = DeviceKey.load_or_create(other / "server_key.pem").public_b64
    assert f"服务器公钥已由 {known} 更换为 {new}" in rotated
    server = Server(other, shared_database)
    server.stop()
    done = serve_refused(first, shared_database)
    assert done.returncode == 2 and new in done.stderr

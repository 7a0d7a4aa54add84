"""Drain a 10,000-event offline backlog from a counter to the real server on loopback.

Starts ``python -m supervision_server serve`` on a free port (SQLite in a temporary folder, and
PostgreSQL when one accepts ``postgres`` on 127.0.0.1:5432), enrolls a fresh counter, writes the
backlog while the counter is offline, then times one push cycle until the server's signed
receipt covers every event; the supervision rules follow the receipts, and the bench says when
they had looked at every event and the server's CPU with theirs. Target: 10,000 events in under 1.2 s, that is at least 8,333 events/s
whatever the size. Run: ``python bench/bench_backlog.py [-n 10000]``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_ingest import rules_caught_up  # noqa: E402
from bench.measure import process_cpu_s  # noqa: E402
from counter_app.store.datadir import DataDir  # noqa: E402
from counter_app.store.ledger_store import acked_seq  # noqa: E402
from counter_app.store.uow import Store  # noqa: E402
from counter_app.sync import SyncConfig, enroll, push_pending  # noqa: E402
from counter_app.sync.client import ServerClient  # noqa: E402
from tests.pg import fresh_database, postgres_reachable  # noqa: E402

TARGET_EVENTS_PER_S = 10_000 / 1.2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(data_dir: Path, database_url: str | None) -> Iterator[tuple[str, list[str], int]]:
    """A running server: its base URL, the ``--data-dir``/``--database-url`` arguments and its pid."""
    port = _free_port()
    db_args = ["--data-dir", str(data_dir)] + (["--database-url", database_url] if database_url else [])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [
        sys.executable,
        "-m",
        "supervision_server",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--demo",
    ]
    log = (data_dir.parent / "server.log").open("wb")
    proc = subprocess.Popen(cmd + db_args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data_dir.parent / "server.log").read_text(errors="replace")[-2000:])
            try:
                requests.get(url + "/api/v1/catalog", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.05)
        yield url, db_args, proc.pid
    finally:
        proc.terminate()
        proc.wait(15)
        log.close()


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database (dropped afterwards), or None when none is reachable."""
    if not postgres_reachable():
        yield None
        return
    with fresh_database("bench_backlog") as url:
        yield url


def issue_code(db_args: list[str]) -> str:
    """A one-time enrollment code for window 1 of hall BENCH."""
    cmd = [sys.executable, "-m", "supervision_server", "issue-code", "--hall", "BENCH", "--window", "1"]
    out = subprocess.run(
        cmd + db_args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip()][-1]


def write_backlog(store: Store, count: int) -> None:
    """``count`` case events spread over one offline day, committed in chunks of 1,000."""
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    step = timedelta(seconds=86_400 / count)
    for base in range(0, count, 1000):
        with store.unit_of_work() as uow:
            for i in range(base, min(base + 1000, count)):
                kind = "case.received" if i % 2 == 0 else "case.accepted"
                payload = {"project_no": f"B{i // 2:07d}", "item": "食品经营许可", "applicant": "张三"}
                uow.ledger.append(kind, payload, "clerk-1", start + i * step, project_no=f"B{i // 2:07d}")
            uow.commit()


def run(label: str, count: int, database_url: str | None) -> dict[str, float]:
    """One measured drain: seconds, events/s, and CPU seconds of the counter and of the server."""
    with tempfile.TemporaryDirectory(prefix="bench-backlog-") as tmp:
        root = Path(tmp)
        with server(root / "server", database_url) as (url, db_args, pid):
            store = Store(DataDir(root / "counter"))
            try:
                enroll(store, url, issue_code(db_args))
                write_backlog(store, count)
                # The drain itself: these synthetic case events have no case rows, so the pusher's
                # pre-push self-check (bench_verify.py measures it) would rightly refuse them.
                client = ServerClient(url)
                started, cpu, server_cpu = time.perf_counter(), time.process_time(), process_cpu_s(pid)
                push_pending(store, client, SyncConfig.load(store), lambda: datetime.now(UTC))
                elapsed = time.perf_counter() - started
                cpu, drain_cpu = time.process_time() - cpu, process_cpu_s(pid) - server_cpu
                # The supervision rules follow the receipts: until they have looked at every
                # event, and the server's CPU with theirs.
                sqlite_url = f"sqlite+pysqlite:///{root / 'server' / 'supervision.db'}"
                lag = rules_caught_up(database_url or sqlite_url)
                server_cpu = process_cpu_s(pid) - server_cpu
                client.close()
                with store.read() as conn:
                    done = acked_seq(conn)
                head = requests.get(f"{url}/api/v1/devices/{store.device_id()}/head", timeout=10).json()
            finally:
                store.close()
    if done != count or head["acked_seq"] != count:
        raise SystemExit(f"{label}: drain incomplete: local {done}, server {head}")
    verdict = "OK" if count / elapsed >= TARGET_EVENTS_PER_S else "SLOWER THAN TARGET"
    print(
        f"{label:<10} {count} events  {elapsed:6.2f} s  {count / elapsed:8.0f} events/s  "
        f"[{verdict}: >= {TARGET_EVENTS_PER_S:,.0f} events/s]  CPU counter {cpu:.2f} s, server {drain_cpu:.2f} s "
        f"to the last receipt, {server_cpu:.2f} s with the rules, which caught up {lag * 1000:.0f} ms after it"
    )
    return {
        "seconds": elapsed,
        "events_per_s": count / elapsed,
        "cpu_s": cpu,
        "server_cpu_s": server_cpu,
        "rules_lag_s": lag,
    }


def main() -> None:
    """Run the bench on SQLite, then on PostgreSQL when reachable."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", "--events", type=int, default=10_000)
    args = parser.parse_args()
    print(f"backlog drain to the server on loopback, {os.cpu_count()} CPU(s)")
    run("sqlite", args.events, None)
    with postgres_database() as url:
        if url is None:
            print("postgresql not reachable on 127.0.0.1:5432: skipped")
        else:
            run("postgresql", args.events, url)


if __name__ == "__main__":
    main()

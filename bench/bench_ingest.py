"""Server ingest throughput on PostgreSQL: signed events/s with every check, beside raw inserts.

Run: ``.venv/bin/python bench/bench_ingest.py [--events 20000] [--batch 500]``

It creates a fresh database ``sc_bench_<random>`` on 127.0.0.1:5432 (user postgres), drops it at
the end, and prints:

* Ed25519 verification alone: ``cryptography`` (OpenSSL) and PyNaCl (libsodium) on one thread,
  PyNaCl on two threads (it releases the GIL; OpenSSL through ``cryptography`` does not);
* ingest through ``ingest_batch`` (hash, signature, chain placement, projections, alerts, one
  transaction per batch) with a realistic mix of queue, case and rating events;
* the raw insert rate of the very same rows into a copy of the events table, no checks;
* ingest over HTTP on loopback against ``python -m supervision_server serve``, with one and with
  two client threads (two windows sending at once);
* :func:`small_requests` (``bench/run.py --only small``): 6-event requests, what a window online
  sends, from 1, 16 and 50 windows at once, beside a raw INSERT of the same 6 rows + COMMIT.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from counter_app.domain.rating import RATED_EVENT, Level, Rating  # noqa: E402
from counter_app.domain.validation import resident_id_check_char  # noqa: E402
from counter_app.ledger import GENESIS_HASH, DeviceKey, Envelope, SignedEvent, seal  # noqa: E402
from counter_app.ledger.device_messages import enroll_message  # noqa: E402
from supervision_server.context import ServerContext  # noqa: E402
from supervision_server.db import run_write  # noqa: E402
from supervision_server.enroll import enroll_device, issue_code  # noqa: E402
from supervision_server.ingest import event_row, ingest_batch  # noqa: E402
from supervision_server.rule_runner import RuleRunner, run_rules_now  # noqa: E402
from supervision_server.settings import Settings  # noqa: E402
from supervision_server.verify import envelope_json  # noqa: E402
from tests.pg import fresh_database  # noqa: E402

TOKEN = "bench-admin-token-0123456789abcdef"


def bench_ticket_no(window_no: int, n: int) -> str:
    """The ``n``-th ticket window ``window_no`` serves: each window its own queue category (A-Z),
    and past the 26th window a block digit after the letter, so windows never share a ticket (two
    windows calling the same ticket would race for its row, as no hall's windows do)."""
    block = (window_no - 1) // 26
    return f"{chr(ord('A') + (window_no - 1) % 26)}{block or ''}{n:04d}"


def day_of_events(device_id: str, key: DeviceKey, count: int, window_no: int) -> list[SignedEvent]:
    """``count`` chained events of one window: tickets called and served, cases taken in, ratings."""
    events: list[SignedEvent] = []
    prev, seq, n = GENESIS_HASH, 0, 0
    while len(events) < count:
        n += 1
        ticket, project_no = bench_ticket_no(window_no, n), f"{device_id}-{n:06d}"
        # One applicant per case: one citizen's matter at many windows would be 两头受理 each time.
        body = f"{330785 + window_no // 100}1980{window_no % 100:02d}{n // 1000 % 28 + 1:02d}{n % 1000:03d}"
        applicant = {
            "name": "张小三",
            "cert_type": "111",
            "cert_no": body + resident_id_check_char(body),
            "phone": "13800000000",
        }
        steps: list[tuple[str, dict[str, Any]]] = [
            ("ticket.called", {"ticket_no": ticket, "category": ticket[0], "window_no": window_no}),
            ("ticket.started", {"ticket_no": ticket, "category": ticket[0], "window_no": window_no}),
            (
                "case.received",
                {
                    "project_no": project_no,
                    "task_code": "11330785002541370X4000112233440",
                    "item_name": "食品经营许可证核发",
                    "dept_code": "SCJG",
                    "project_type": 2,
                    "applicant": applicant,
                    "window_no": window_no,
                    "ticket_no": ticket,
                    "materials": [{"name": "申请书", "form": "ORIGINAL", "copies": 1}],
                },
            ),
            (
                "case.accepted",
                {
                    "project_no": project_no,
                    "accepted_at": "2026-11-25T09:12:00.000+08:00",
                    "promise_due": "2026-12-09T23:59:59+08:00",
                    "promise_estimated": False,
                    "check_code": "7K3Q9",
                },
            ),
            (  # as the window's queue writes it: served with a case, the case's number named
                "ticket.finished",
                {
                    "ticket_no": ticket,
                    "category": ticket[0],
                    "window_no": window_no,
                    "outcome": "CASE",
                    "case_nos": [project_no],
                },
            ),
            (RATED_EVENT, Rating(ticket, "2026-11-25", (project_no,), Level.VERY_UNSATISFIED).payload()),
        ]
        for type_, payload in steps:
            seq += 1
            envelope = Envelope(
                device_id=device_id,
                seq=seq,
                prev_hash=prev,
                event_id=str(uuid.uuid4()),
                type=type_,
                payload=payload,
                clerk_id=f"clerk-{window_no}",
                occurred_at="2026-11-25T09:12:00.000+08:00",
                clock_offset_ms=-120,
            )
            event = seal(envelope, key)
            events.append(event)
            prev = event.hash
    return events[:count]


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:8.0f} events/s  ({count} in {seconds:.2f} s)"


def gil_released(work: Callable[[], object], calls: int = 2000) -> int:
    """How often another Python thread ran while ``work`` was called ``calls`` times.

    With a long switch interval a thread that holds the GIL lets the other one run about once;
    a call that releases the GIL lets it run thousands of times.
    """
    stop = False
    ticks = 0

    def other() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            time.sleep(0)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.5)
    thread = threading.Thread(target=other)
    thread.start()
    try:
        for _ in range(calls):
            work()
    finally:
        stop = True
        thread.join()
        sys.setswitchinterval(previous)
    return ticks


def bench_verify(events: list[SignedEvent], key: DeviceKey) -> dict[str, float]:
    """Bare Ed25519 verification rates (signatures/s), the ceiling of every signed path."""
    from nacl.signing import VerifyKey

    pairs = [(base64.b64decode(e.signature), bytes.fromhex(e.hash)) for e in events[:6000]]
    nacl_key = VerifyKey(base64.b64decode(key.public_b64))

    def openssl(part: list[tuple[bytes, bytes]]) -> None:
        for signature, digest in part:
            key.public_key.verify(signature, digest)

    def sodium(part: list[tuple[bytes, bytes]]) -> None:
        for signature, digest in part:
            nacl_key.verify(digest, signature)

    def timed(work: Callable[[list[tuple[bytes, bytes]]], None], threads: int) -> float:
        parts = [pairs[i::threads] for i in range(threads)]
        workers = [threading.Thread(target=work, args=(p,)) for p in parts]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return time.perf_counter() - start

    signature, digest = pairs[0]
    figures: dict[str, float] = {}
    print("Ed25519 verification alone")
    for name, work, one in (
        ("cryptography (OpenSSL)", openssl, lambda: key.public_key.verify(signature, digest)),
        ("PyNaCl (libsodium)    ", sodium, lambda: nacl_key.verify(digest, signature)),
    ):
        cpu = time.process_time()
        single = timed(work, 1)
        figures[f"{name.strip()}, CPU ms per 1000"] = (time.process_time() - cpu) / len(pairs) * 1e6
        double = timed(work, 2)
        figures[f"{name.strip()}, 1 thread"] = len(pairs) / single
        figures[f"{name.strip()}, 2 threads"] = len(pairs) / double
        print(f"  {name}, 1 thread : {rate(len(pairs), single)}")
        print(f"  {name}, 2 threads: {rate(len(pairs), double)}  x{single / double:.2f}")
        ticks = gil_released(one)
        verdict = "releases" if ticks > 100 else "holds"
        print(f"  {name}: another thread ran {ticks} times during 2000 calls -> it {verdict} the GIL")
    busy = gil_released(lambda: sum(range(300)))
    print(f"  (pure Python work for comparison: the other thread ran {busy} times)")
    return figures


def enroll_direct(ctx: ServerContext, device_id: str, key: DeviceKey, window_no: int) -> None:
    now = ctx.clock()
    code = run_write(
        ctx.engine, lambda c: issue_code(c, "H1", window_no, __import__("datetime").timedelta(hours=1), now)
    )
    run_write(
        ctx.engine,
        lambda c: enroll_device(
            c,
            code=code.code,
            device_id=device_id,
            public_key=key.public_b64,
            signature=key.sign(enroll_message(code.code, device_id, key.public_b64, None, None)),
            device_info={},
            now=now,
        ),
    )


def bench_in_process(
    url: str, data_dir: Path, chains: list[tuple[str, DeviceKey, list[SignedEvent]]], batch: int
) -> dict[str, float]:
    """Ingest with every check and the supervision rules after it (events/s, and CPU ms per 1,000
    events), beside a raw INSERT and a COPY of the very same rows into a copy of the events table."""
    settings = Settings(database_url=url, data_dir=data_dir, admin_token=TOKEN)
    ctx = ServerContext.open(settings)
    try:
        for window_no, (device_id, key, _) in enumerate(chains, start=1):
            enroll_direct(ctx, device_id, key, window_no)
        total = sum(len(events) for _, _, events in chains)
        half = len(chains) // 2

        def push(group: list[tuple[str, DeviceKey, list[SignedEvent]]], first: int, last: int) -> None:
            for offset in range(first, last, batch):
                for device_id, _, events in group:
                    part = events[offset : min(offset + batch, last)]
                    if part:
                        result = ingest_batch(ctx, device_id, part)
                        assert result.stored == len(part), result

        length = max(len(e) for _, _, e in chains)
        middle = length // 2 // batch * batch
        # The rule runner works beside ingest as in a server process; the time ends when it
        # has looked at every stored event.
        runner = RuleRunner(ctx)
        runner.start()
        start, cpu = time.perf_counter(), time.process_time()
        push(chains, 0, middle)  # first half of every window's day, one batch after another
        sequential = time.perf_counter() - start
        start = time.perf_counter()
        workers = [
            threading.Thread(target=push, args=(group, middle, length))
            for group in (chains[:half], chains[half:])
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        runner.stop()
        run_rules_now(ctx)
        concurrent = time.perf_counter() - start
        cpu = time.process_time() - cpu
        checked = sequential + concurrent
        done_sequential = sum(len(e[:middle]) for _, _, e in chains)
        stamp = "2026-11-25T01:00:00.000000+00:00"
        rows = [
            event_row(e, stamp, envelope_json(e.envelope.as_dict()))
            for _, _, events in chains
            for e in events
        ]
        with ctx.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE bench_raw (LIKE events INCLUDING ALL)")
        start = time.perf_counter()
        for offset in range(0, len(rows), batch):
            with ctx.engine.begin() as conn:
                conn.execute(text("SELECT 1"))
                conn.execute(
                    text(
                        "INSERT INTO bench_raw (device_id, seq, hash, prev_hash, event_id, type, clerk_id, "
                        "occurred_at, clock_offset_ms, received_at, project_no, envelope, signature) VALUES "
                        "(:device_id, :seq, :hash, :prev_hash, :event_id, :type, :clerk_id, :occurred_at, "
                        ":clock_offset_ms, :received_at, :project_no, :envelope, :signature)"
                    ),
                    rows[offset : offset + batch],
                )
        raw = time.perf_counter() - start
        copied = copy_rows(ctx, rows, batch)
        print(f"ingest_batch() on PostgreSQL, batches of {batch}, {len(chains)} windows")
        print(f"  with every check, 1 thread       : {rate(done_sequential, sequential)}")
        print(f"  with every check, 2 threads      : {rate(total - done_sequential, concurrent)}")
        print(f"  with every check, whole run      : {rate(total, checked)}")
        print(f"  raw INSERT of the same rows      : {rate(total, raw)}")
        print(f"  COPY of the same rows            : {rate(total, copied)}")
        print(f"  verify threads: {ctx.verifier.threads}, parallel verification: {ctx.verifier.parallel}")
        return {
            "checked_1_thread": done_sequential / sequential,
            "checked_2_threads": (total - done_sequential) / concurrent,
            "checked": total / checked,
            "checked_cpu_ms_per_1000": cpu / total * 1e6,
            "raw_insert": total / raw,
            "copy": total / copied,
        }
    finally:
        ctx.close()


COPY_COLUMNS = (
    "device_id",
    "seq",
    "hash",
    "prev_hash",
    "event_id",
    "type",
    "clerk_id",
    "occurred_at",
    "clock_offset_ms",
    "received_at",
    "project_no",
    "envelope",
    "signature",
)


def copy_rows(ctx: ServerContext, rows: list[dict[str, Any]], batch: int) -> float:
    """Seconds to COPY ``rows`` into a fresh copy of the events table, one transaction per batch."""
    with ctx.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE bench_copy (LIKE events INCLUDING ALL)")
    start = time.perf_counter()
    for offset in range(0, len(rows), batch):
        with ctx.engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY bench_copy ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
                for row in rows[offset : offset + batch]:
                    copy.write_row([row[c] for c in COPY_COLUMNS])
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_http(
    url: str, data_dir: Path, chains: list[tuple[str, DeviceKey, list[SignedEvent]]], batch: int
) -> dict[str, float]:
    """Ingest over HTTP from one and from two clients at once (events/s)."""
    import json

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_")}
    env.update(SUPERVISION_ADMIN_TOKEN=TOKEN, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "supervision_server", "serve", "--port", str(port)]
    command += ["--database-url", url, "--data-dir", str(data_dir)]
    log = (data_dir.parent / "http-server.log").open("wb")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/api/v1"
    admin = {"Authorization": f"Bearer {TOKEN}"}
    try:
        for _ in range(300):
            try:
                requests.get(base + "/calendar", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        bodies: dict[str, list[bytes]] = {}
        for window_no, (device_id, key, events) in enumerate(chains, start=1):
            code = requests.post(
                base + "/admin/enroll-codes", json={"hall_code": "H1", "window_no": window_no}, headers=admin
            ).json()["code"]
            signature = key.sign(enroll_message(code, device_id, key.public_b64, None, None))
            body = {
                "code": code,
                "device_id": device_id,
                "public_key": key.public_b64,
                "signature": signature,
            }
            assert requests.post(base + "/enroll", json=body).status_code == 201
            bodies[device_id] = [
                json.dumps(
                    {"events": [e.as_wire() for e in events[i : i + batch]]}, ensure_ascii=False
                ).encode()
                for i in range(0, len(events), batch)
            ]

        def send(device_id: str) -> None:
            with requests.Session() as session:
                for payload in bodies[device_id]:
                    reply = session.post(
                        f"{base}/devices/{device_id}/events",
                        data=payload,
                        headers={"Content-Type": "application/json"},
                        timeout=120,
                    )
                    assert reply.status_code == 200, reply.text

        def run(devices: list[str]) -> float:
            threads = [threading.Thread(target=send, args=(d,)) for d in devices]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return time.perf_counter() - start

        first, second, third = chains[0][0], chains[1][0], chains[2][0]
        one = run([first])
        two = run([second, third])
        print(f"HTTP on loopback (uvicorn, 1 worker), batches of {batch}")
        print(f"  1 client                          : {rate(len(chains[0][2]), one)}")
        print(f"  2 clients at once                 : {rate(len(chains[1][2]) + len(chains[2][2]), two)}")
        return {
            "http_1_client": len(chains[0][2]) / one,
            "http_2_clients": (len(chains[1][2]) + len(chains[2][2])) / two,
        }
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def make_chains(
    prefix: str, windows: int, per_window: int, first_window: int
) -> list[tuple[str, DeviceKey, list[SignedEvent]]]:
    """``windows`` fresh devices, each with a signed day of ``per_window`` events."""
    chains = []
    for i in range(windows):
        key = DeviceKey.generate()
        device_id = f"{prefix}-{i}-{uuid.uuid4().hex[:6]}"
        chains.append((device_id, key, day_of_events(device_id, key, per_window, first_window + i)))
    return chains


def measure(events: int, batch: int, windows: int, http: bool = True) -> dict[str, float]:
    """Sign the events, then every figure of this bench on a fresh PostgreSQL database."""
    print(f"signing {events} + {events if http else 0} events ...", flush=True)
    chains = make_chains("bench", windows, events // windows, 1)
    http_chains = make_chains("http", 3, events // 2, 10) if http else []
    figures = {f"verify {k}": v for k, v in bench_verify(chains[0][2], chains[0][1]).items()}
    with fresh_database("sc_bench") as url, tempfile.TemporaryDirectory() as tmp:
        figures.update(bench_in_process(url, Path(tmp) / "in-process", chains, batch))
        if http:
            # The same database: the HTTP server must use the server key it recorded.
            (Path(tmp) / "http").mkdir()
            shutil.copy(Path(tmp) / "in-process" / "server_key.pem", Path(tmp) / "http" / "server_key.pem")
            figures.update(bench_http(url, Path(tmp) / "http", http_chains, batch))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000, help="events for the in-process run")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--windows", type=int, default=4)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    measure(args.events, args.batch, args.windows)


if __name__ == "__main__":
    main()


# -- small requests: what windows online send ----------------------------------------------------

SMALL_BATCH = 6
SMALL_TARGET_EVENTS_PER_S = 2_500.0  # with 16 windows at once
SMALL_TARGET_P99_MS = 100.0  # with 50 windows at once


def raw_small_inserts(url: str, rows: list[dict[str, Any]], size: int = SMALL_BATCH) -> dict[str, float]:
    """The ceiling of a small request: the same rows inserted ``size`` at a time, one multi-row
    INSERT and its COMMIT per transaction, on one plain psycopg connection (events/s, ms each)."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    columns = ", ".join(COPY_COLUMNS)
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_small_raw (LIKE events INCLUDING ALL)")
        conn.commit()
        times: list[float] = []
        start = time.perf_counter()
        for offset in range(0, len(rows), size):
            part = rows[offset : offset + size]
            values = ", ".join(["(" + ", ".join(["%s"] * len(COPY_COLUMNS)) + ")"] * len(part))
            t0 = time.perf_counter()
            conn.execute(
                f"INSERT INTO bench_small_raw ({columns}) VALUES {values}",
                [row[c] for row in part for c in COPY_COLUMNS],
            )
            conn.commit()
            times.append((time.perf_counter() - t0) * 1000)
        wall = time.perf_counter() - start
        conn.execute("DROP TABLE bench_small_raw")
        conn.commit()
    return {"events_per_s": len(rows) / wall, "ms_per_request": statistics.median(times)}


def small_requests(
    url: str | None,
    levels: tuple[int, ...] = (1, 16, 50),
    requests_each: int = 40,
    workers: int = 1,
    paced: tuple[int, float] | None = (50, 1.0),
) -> dict[str, float]:
    """6-event requests over HTTP from 1, 16 and 50 windows at once, each window sending its
    requests one after another on its own keep-alive connection, beside the raw insert ceiling;
    then ``paced`` = (windows, seconds): that many windows each sending one request every so many
    seconds on average, a load the server can carry, to read its latency rather than its queue.

    Per level: events/s (all events over the wall time from the common start to the last reply),
    p50 and p99 of one request (send to reply), the server's CPU per request (with the rule
    runner's passes, which follow the replies: the figure waits until the rules owe nothing),
    PostgreSQL's and the sending client's CPU per request, and so the most events/s the
    machine's cores could carry at that cost. ``url`` None runs the server on SQLite (no
    raw-insert ceiling then). ``workers`` server processes (``serve --workers``); the server's CPU
    is theirs together."""
    import json

    from bench.bench_cases import pct
    from bench.measure import backends_cpu_s, postgres_backends, tree_cpu_s, wait_until_idle
    from tests.server.test_real_server import Server

    figures: dict[str, float] = {}
    runs = [(w, 0.0) for w in levels] + ([paced] if paced else [])
    with tempfile.TemporaryDirectory(prefix="bench-small-") as tmp:
        server = Server(Path(tmp) / "data", url, workers=workers)
        database = url or f"sqlite+pysqlite:///{Path(tmp) / 'data' / 'supervision.db'}"
        try:
            next_window = 1
            for windows, every_s in runs:
                name = f"{windows} windows" + (f" paced {every_s:g} s" if every_s else "")
                chains = make_chains(
                    f"small{windows}p{every_s:g}", windows, requests_each * SMALL_BATCH, next_window
                )
                for offset, (device_id, key, _) in enumerate(chains):
                    enroll_http(server.url + "/api/v1", server.admin, device_id, key, next_window + offset)
                next_window += windows
                bodies = {
                    device_id: [
                        json.dumps(
                            {"events": [e.as_wire() for e in events[i : i + SMALL_BATCH]]}, ensure_ascii=False
                        ).encode()
                        for i in range(0, len(events), SMALL_BATCH)
                    ]
                    for device_id, _, events in chains
                }
                wait_until_idle(server.proc.pid)
                # The database's share: its backends serving this server (url None: SQLite, none).
                pids = postgres_backends(url) if url else []
                pg_before = backends_cpu_s(pids)
                before = (tree_cpu_s(server.proc.pid), 0.0, time.process_time())
                times, wall, failures = _send_all(server.port, bodies, every_s)
                lag = rules_caught_up(database)
                pg_after = backends_cpu_s(postgres_backends(url)) if url else {}
                pg_spent = sum(
                    cpu - pg_before.get(pid, 0.0) for pid, cpu in pg_after.items()
                )  # new: all theirs
                after = (tree_cpu_s(server.proc.pid), pg_spent, time.process_time())
                if failures:
                    raise SystemExit(f"small requests failed {len(failures)} times: {failures[0]}")
                count = len(times)
                server_ms, pg_ms, client_ms = (
                    (b - a) / count * 1000 for a, b in zip(before, after, strict=True)
                )
                machine = (os.cpu_count() or 1) * 1000 / (server_ms + pg_ms + client_ms) * SMALL_BATCH
                figures[f"{name} events/s"] = count * SMALL_BATCH / wall
                figures[f"{name} p50 ms"] = pct(times, 0.5)
                figures[f"{name} p99 ms"] = pct(times, 0.99)
                figures[f"{name} server CPU ms per request"] = server_ms
                figures[f"{name} PostgreSQL CPU ms per request"] = pg_ms
                figures[f"{name} client CPU ms per request"] = client_ms
                figures[f"{name} machine events/s at most"] = machine
                figures[f"{name} rules caught up ms"] = lag * 1000
                print(
                    f"6-event requests over HTTP, {name}, {workers} process(es): "
                    f"{count * SMALL_BATCH / wall:6.0f} events/s, p50 {pct(times, 0.5):6.1f} ms, "
                    f"p99 {pct(times, 0.99):6.1f} ms; CPU per request: server {server_ms:.2f} ms with "
                    f"the rules, PostgreSQL {pg_ms:.2f} ms, client {client_ms:.2f} ms (the cores carry at "
                    f"most {machine:.0f} events/s at that cost); rules caught up {lag * 1000:.0f} ms "
                    "after the last reply"
                )
        finally:
            server.stop()
    if url is None or workers > 1:
        return figures
    stamp = "2026-11-25T01:00:00.000000+00:00"
    sample = make_chains("raw", 1, requests_each * SMALL_BATCH, 1)[0][2]
    rows = [event_row(e, stamp, envelope_json(e.envelope.as_dict())) for e in sample]
    raw = raw_small_inserts(url, rows)
    figures["raw events/s"], figures["raw ms per request"] = raw["events_per_s"], raw["ms_per_request"]
    print(
        f"raw INSERT of the same 6 rows + COMMIT, one connection: {raw['events_per_s']:6.0f} events/s, "
        f"{raw['ms_per_request']:.2f} ms per request"
    )
    return figures


def rules_caught_up(url: str, limit_s: float = 120.0) -> float:
    """Seconds from now until the server's rule runner owes nothing (it runs after the replies)."""
    from supervision_server.db import make_engine, read_connection
    from supervision_server.rule_runner import owed

    engine = make_engine(url, pool_size=1)
    start = time.perf_counter()
    try:
        while True:
            with read_connection(engine) as conn:
                if not owed(conn):
                    return time.perf_counter() - start
            if time.perf_counter() - start > limit_s:
                raise SystemExit(f"the rules still owe events {limit_s:.0f} s after the last reply")
            time.sleep(0.005)
    finally:
        engine.dispose()


def _send_all(
    port: int, bodies: dict[str, list[bytes]], every_s: float = 0.0
) -> tuple[list[float], float, list[str]]:
    """Each device's requests one after another on its own keep-alive connection, opened before
    all devices are released at once (50 connections opened in the same instant would time the
    server's accepting them, once, as the first requests' latency): per-request ms, seconds from
    the release to the last reply, failures.

    ``every_s`` 0: each request as soon as the last reply came (the server saturated). Otherwise
    each window sends one request every ``every_s`` seconds on average (exponential gaps, as
    independent clerks would), so the latency is that of a server under a given load."""
    import http.client
    import random

    times: list[float] = []
    failures: list[str] = []
    barrier = threading.Barrier(len(bodies) + 1)

    def window(device_id: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        path = f"/api/v1/devices/{device_id}/events"
        headers = {"Content-Type": "application/json"}
        pace = random.Random(device_id)
        conn.connect()  # open before the common start, as a window's connection is all day
        barrier.wait()
        due = time.perf_counter() + (pace.expovariate(1 / every_s) if every_s else 0.0)
        for body in bodies[device_id]:
            if every_s:
                time.sleep(max(0.0, due - time.perf_counter()))
                due += pace.expovariate(1 / every_s)
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                reply = conn.getresponse()
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # The server closed a connection idle past its keep-alive (paced windows): a
                # new one, as an HTTP client library would open, timed from here.
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                t0 = time.perf_counter()
                conn.request("POST", path, body, headers)
                reply = conn.getresponse()
            text = reply.read()
            times.append((time.perf_counter() - t0) * 1000)
            if reply.status != 200:
                failures.append(text[:200].decode(errors="replace"))
        conn.close()

    threads = [threading.Thread(target=window, args=(d,)) for d in bodies]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return times, time.perf_counter() - start, failures


def enroll_http(base: str, admin: dict[str, str], device_id: str, key: DeviceKey, window_no: int) -> None:
    """Enroll ``device_id`` at window ``window_no`` of hall H1 through the admin and enroll routes."""
    code = requests.post(
        base + "/admin/enroll-codes",
        json={"hall_code": "H1", "window_no": window_no},
        headers=admin,
        timeout=30,
    ).json()["code"]
    body = {
        "code": code,
        "device_id": device_id,
        "public_key": key.public_b64,
        "signature": key.sign(enroll_message(code, device_id, key.public_b64, None, None)),
    }
    reply = requests.post(base + "/enroll", json=body, timeout=30)
    assert reply.status_code == 201, reply.text

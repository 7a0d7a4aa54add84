"""Where the time of a call-next goes, phase by phase, inside a real server at a hall's pace.

Run: ``.venv/bin/python bench/queue_phases.py [--windows 25] [--rate 12.5] [--seconds 30] [--backend sqlite|postgresql]``

It starts the server as ``bench/queue_phases.py serve ...``: the same ``supervision_server serve``,
with timestamps taken around each phase of a queue operation (the route and ``_run`` wrapped, a
SQLAlchemy ``commit`` listener), and the windows call next at their pace as in ``bench_queue``.
``time.perf_counter`` is CLOCK_MONOTONIC, one clock for client and server, so each call's time is
split into: the client's send to the route having the body (``to_route``), the wait for a thread
of the pool, the work up to COMMIT (the window's lock is taken by its first statement), the COMMIT
(fsync), the way back to the event loop and the reply to the client; and the worker thread's CPU.
It prints p50/p90/p99/max of each, the slowest calls whole, how long each periodic check of the
server took meanwhile, and the garbage collector's passes over 5 ms (``--gc-freeze`` moves what
the server holds after its first queue operation out of the collector's way, ``gc.freeze()``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PHASES = ("total", "to_route", "pool_wait", "work", "commit", "back_to_loop", "reply", "cpu")


def serve(argv: list[str]) -> None:
    """The server with each queue operation's phases timed; writes them to $PHASES_OUT on SIGUSR1."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from supervision_server import app as app_module
    from supervision_server import routes_queue
    from supervision_server.__main__ import main

    freeze = os.environ.get("PHASES_GC_FREEZE") == "1"
    records: list[dict[str, Any]] = []
    checks: list[float] = []
    collections: list[tuple[int, float]] = []  # (generation, seconds) of the garbage collector's passes
    collecting: dict[str, float] = {}

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collecting["at"] = time.perf_counter()
        elif "at" in collecting:
            collections.append((int(info["generation"]), time.perf_counter() - collecting.pop("at")))

    gc.callbacks.append(on_gc)
    local = threading.local()
    clock = time.perf_counter
    pool = routes_queue.run_in_threadpool
    run = routes_queue._run

    async def timed_pool(fn: Any, *args: Any) -> Any:
        if fn is not run:
            return await pool(fn, *args)
        record: dict[str, Any] = {"route": clock()}

        def inner(*inner_args: Any) -> Any:
            record["start"], cpu = clock(), time.thread_time()
            local.record = record
            try:
                return fn(*inner_args)
            finally:
                record["end"], record["cpu"] = clock(), time.thread_time() - cpu
                local.record = None
                record["op_id"] = json.loads(inner_args[2]).get("op_id")

        answer = await pool(inner, *args)
        record["back"] = clock()
        records.append(record)
        if freeze and len(records) == 1:  # the catalog is parsed, the statements compiled
            gc.freeze()
        return answer

    @event.listens_for(Engine, "commit")
    def before_commit(_conn: Any) -> None:
        record = getattr(local, "record", None)
        if record is not None:
            record["commit_at"] = clock()

    periodic = app_module.run_periodic_checks

    def timed_checks(ctx: Any, now: Any = None) -> int:
        start = clock()
        try:
            return periodic(ctx, now)
        finally:
            checks.append(clock() - start)

    routes_queue.run_in_threadpool = timed_pool  # type: ignore[assignment]
    app_module.run_periodic_checks = timed_checks

    def dump(*_: Any) -> None:
        found = {"records": records, "checks": checks, "collections": collections}
        Path(os.environ["PHASES_OUT"]).write_text(json.dumps(found))
        os._exit(0)

    signal.signal(signal.SIGUSR1, dump)
    main(argv)


def measure(
    database_url: str | None, windows: int, rate: float, seconds: float, freeze: bool = False
) -> None:
    """Start the timed server, let ``windows`` windows call at ``rate`` calls/s for ``seconds``."""
    import requests

    from bench import bench_queue as bq
    from tests.server.test_queue_live import Window, hall_catalog
    from tests.server.test_real_server import free_port, server_env

    with tempfile.TemporaryDirectory(prefix="bench-queue-phases-") as tmp:
        out, data = Path(tmp) / "phases.json", Path(tmp) / "data"
        port = free_port()
        args = ["serve", "--port", str(port), "--demo", "--data-dir", str(data)]
        args += ["--database-url", database_url] if database_url else []
        with (Path(tmp) / "server.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, __file__, *args],
                cwd=ROOT,
                env={**server_env(), "PHASES_OUT": str(out), "PHASES_GC_FREEZE": "1" if freeze else ""},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = _Reached(f"http://127.0.0.1:{port}", data)
        reply = requests.put(
            server.url + "/api/v1/admin/catalog", json=hall_catalog(), headers=server.admin, timeout=60
        )
        assert reply.status_code in (200, 201), reply.text
        with ThreadPoolExecutor(4) as pool:
            staff = list(pool.map(lambda place: Window(server, place[1], place[0]), bq.hall_layout(windows)))  # type: ignore[arg-type]
            kiosks = {w.hall: w for w in staff}
            per_hall = {h: sum(w.hall == h for w in staff) / windows * rate * seconds for h in kiosks}
            needed = {h: int(per_hall[h] * 1.3) + 2 * windows + 20 for h in kiosks}
            list(pool.map(lambda k: bq.issue(k, needed[k.hall]), kiosks.values()))
        bq.warm_up(staff)
        sent: dict[str, tuple[float, float]] = {}
        _pace(staff, rate, seconds, sent)
        os.kill(proc.pid, signal.SIGUSR1)
        proc.wait(60)
        found = json.loads(out.read_text())
    by_op = {r["op_id"]: r for r in found["records"]}
    rows = [_phases(start, end, by_op[op]) for op, (start, end) in sent.items() if op in by_op]
    label = "postgresql" if database_url else "sqlite"
    print(
        f"{label}: {len(rows)} calls of {windows} windows at {rate:g} calls/s; load {os.getloadavg()[0]:.2f}"
    )
    for phase in PHASES:
        values = sorted(row[phase] for row in rows)
        marks = "  ".join(
            f"{name} {bq.pct(values, q):7.2f}" for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
        )
        print(f"  {phase:<13} {marks}  max {values[-1]:7.2f} ms")
    for row in sorted(rows, key=lambda r: -r["total"])[:5]:
        print("  slowest:", ", ".join(f"{k} {v:.1f}" for k, v in row.items()))
    print("  periodic checks meanwhile (ms):", [round(s * 1000, 1) for s in found["checks"]])
    slow = [(g, round(s * 1000, 1)) for g, s in found["collections"] if s > 0.005]
    print("  garbage collections over 5 ms in the server (generation, ms):", slow)


class _Reached:
    """What ``Window`` needs of a server: its address and admin header, once it answers."""

    def __init__(self, url: str, data: Path) -> None:
        import requests

        self.url = url
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/api/v1/catalog", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.admin = {"Authorization": "Bearer " + (data / "admin_token").read_text().strip()}


def _pace(windows: list[Any], rate: float, seconds: float, sent: dict[str, tuple[float, float]]) -> None:
    """Each window calls next at its Poisson moments and frees its caller; ``sent`` gets each
    call's op id with its send and reply times."""
    import random

    from bench import bench_queue as bq

    begin = time.perf_counter() + 0.5
    mean_gap = len(windows) / rate

    def window(w: Any, rng: random.Random) -> None:
        due = begin + rng.expovariate(1 / mean_gap)
        while due < begin + seconds:
            time.sleep(max(0.0, due - time.perf_counter()))
            prepared = bq.signed(w, "call_next")
            start = time.perf_counter()
            reply = bq.send(w, prepared)
            sent[json.loads(prepared[0])["op_id"]] = (start, time.perf_counter())
            assert reply.status_code == 200 and reply.json()["ticket"], reply.text
            assert bq.send(w, bq.signed(w, "no_show")).status_code == 200
            due += rng.expovariate(1 / mean_gap)

    threads = [threading.Thread(target=window, args=(w, random.Random(i))) for i, w in enumerate(windows)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)


def _phases(start: float, end: float, r: dict[str, Any]) -> dict[str, float]:
    ms = 1000.0
    return {
        "total": (end - start) * ms,
        "to_route": (r["route"] - start) * ms,
        "pool_wait": (r["start"] - r["route"]) * ms,
        "work": (r["commit_at"] - r["start"]) * ms,
        "commit": (r["end"] - r["commit_at"]) * ms,
        "back_to_loop": (r["back"] - r["end"]) * ms,
        "reply": (end - r["back"]) * ms,
        "cpu": r["cpu"] * ms,
    }


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--windows", type=int, default=25)
    parser.add_argument("--rate", type=float, default=12.5, help="calls/s of all windows together")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() in the server after its first queue operation"
    )
    args = parser.parse_args()
    from tests.pg import fresh_database, postgres_reachable

    for backend in args.backend or ["sqlite", "postgresql"]:
        if backend == "sqlite":
            measure(None, args.windows, args.rate, args.seconds, args.gc_freeze)
        elif postgres_reachable():
            with fresh_database("bench_queue_phases") as url:
                measure(url, args.windows, args.rate, args.seconds, args.gc_freeze)


if __name__ == "__main__":
    main()

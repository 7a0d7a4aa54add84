"""Call-next on the live queue: latency of 200 windows calling at a busy hall's pace, the burst of
200 at once as a stress figure, and how long a call takes to reach the hall board stream.

Run: ``.venv/bin/python bench/bench_queue.py [--rounds 3] [--board-samples 20] [--rate 30]``

It starts ``python -m supervision_server serve`` on loopback (SQLite, then PostgreSQL when one
accepts ``postgres`` on 127.0.0.1:5432), publishes a catalog staffing windows 1-99 and enrolls 200
windows (a hall has at most 99, so halls X and Y with 99 each and hall Z with 2), each with its
own session and signing key. Every window first calls and frees one ticket, untimed (the server's
first calls compile its statements and parse the catalog).

* **Headline, at a hall's pace**: each window calls next at random moments (a Poisson process;
  together ``--rate`` calls per second, 30 by default, where a busy hall of 99 windows each calling
  every 30-60 s makes 2-3) and frees its caller right after with a no-show, untimed. The windows
  run in 4 client processes (windows are separate PCs; 200 threads of one Python process would
  wait on its GIL and add that to every figure). Each call is timed from its send to its reply
  (on a new connection, as a window idle for seconds has); target p99 < 50 ms.
* **Stress, all at once**: each round the 200 windows send one signed call-next at the same
  instant, then free their callers, untimed. Its p99 is bounded by the serial CPU of the burst,
  not by any waiting that could be removed: every call needs its few milliseconds of CPU
  (signature, statements, HTTP), the Python of one server process runs on one core at a time
  (the GIL), and the clients' 200 threads need theirs on the same cores; so the last of 200
  replies comes no sooner than 200 x the server's CPU per call, nor than the burst's whole CPU
  (server and clients) / cores, whichever is longer: about 0.6 s at 3 ms a call, and 200 calls
  could only all reply within 50 ms at 0.25 ms of CPU each. That bound is printed beside each
  round and is the figure's ceiling. What matters there is that every window gets a ticket,
  none twice, and the throughput (calls/s).
* **Board**: one window of hall X calls its next ticket while the board feed holds the hall's SSE
  stream open, timed from the send to the board event that shows the ticket at that window.
* **Ceiling**: the same signature check and one conditional UPDATE (``... WHERE id = ? AND state =
  'WAITING'``) committed on its own in the same backend, driver only, one after another: what a
  call-next would cost with no HTTP, no rules and no other statement.
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_cases import pct  # noqa: E402
from bench.measure import process_cpu_s  # noqa: E402
from counter_app.ledger import DeviceKey, public_key_from_b64  # noqa: E402
from counter_app.ledger.signed_request import queue_op_message  # noqa: E402
from counter_app.sync.board_feed import BoardFeed  # noqa: E402
from supervision_server.routes_queue import sign_queue_op  # noqa: E402
from tests.pg import fresh_database, postgres_reachable  # noqa: E402
from tests.server.test_queue_live import WINDOWS, Window, hall_catalog  # noqa: E402
from tests.server.test_real_server import Server  # noqa: E402

CONCURRENT = 200
CORES = os.cpu_count() or 1
TARGET_P99_MS = 50.0
HALL_RATE = 30.0  # calls per second over all 200 windows: ten times a busy hall's peak
HALL_SECONDS = 30.0


def signed(window: Window, action: str, **args: Any) -> tuple[bytes, dict[str, str]]:
    """A signed operation body and its headers, made before the clock starts."""
    body = json.dumps(
        {
            "op_id": uuid.uuid4().hex,
            "action": action,
            "args": args,
            "device_time": datetime.now(UTC).isoformat(),
        }
    ).encode()
    return body, {"X-Signature": sign_queue_op(window.key, body), "Content-Type": "application/json"}


def send(window: Window, prepared: tuple[bytes, dict[str, str]]) -> requests.Response:
    """Post on a new connection: the server closes a keep-alive connection idle for 5 s, and a
    window's connection sits idle while the other 199 are freed between rounds."""
    window.http.close()
    body, headers = prepared
    url = f"{window.server.url}/api/v1/queue/devices/{window.device_id}/ops"
    return window.http.post(url, data=body, headers=headers, timeout=120)


def hall_layout(concurrent: int) -> list[tuple[str, int]]:
    """(hall, window number) for ``concurrent`` windows, 99 per hall at most."""
    stamp = uuid.uuid4().hex[:6].upper()
    return [(f"Q{stamp}{i // WINDOWS}", 1 + i % WINDOWS) for i in range(concurrent)]


def one_round(windows: list[Window], server_pid: int) -> tuple[list[float], float, float, float]:
    """All windows call next at once: per-request ms, seconds from release to last reply, and the
    CPU seconds this process and the server spent on it (the no-shows after it excluded)."""
    prepared = [signed(w, "call_next") for w in windows]
    barrier = threading.Barrier(len(windows) + 1)
    times: list[float] = [0.0] * len(windows)
    ends: list[float] = [0.0] * len(windows)
    failures: list[str] = []

    def press(i: int) -> None:
        barrier.wait()
        start = time.perf_counter()
        try:
            reply = send(windows[i], prepared[i])
        except requests.RequestException as exc:
            failures.append(repr(exc))
            return
        ends[i] = time.perf_counter()
        times[i] = (ends[i] - start) * 1000
        if reply.status_code != 200 or reply.json()["ticket"] is None:
            failures.append(reply.text[:200])

    threads = [threading.Thread(target=press, args=(i,)) for i in range(len(windows))]
    for thread in threads:
        thread.start()
    cpu, server_cpu = time.process_time(), process_cpu_s(server_pid)
    barrier.wait()
    released = time.perf_counter()
    for thread in threads:
        thread.join(180)
    cpu, server_cpu = time.process_time() - cpu, process_cpu_s(server_pid) - server_cpu
    if failures:
        raise SystemExit(f"call-next failed {len(failures)} times: {failures[0]}")
    with ThreadPoolExecutor(4) as pool:  # free every window for the next round, untimed
        for reply in pool.map(lambda w: send(w, signed(w, "no_show")), windows):
            assert reply.status_code == 200, reply.text
    return times, max(ends) - released, cpu, server_cpu


CLIENT_PROCESSES = 4  # windows are separate PCs: 200 threads in one client would queue on its GIL


def at_hall_pace(
    windows: list[Window], rate: float, seconds: float, server_pid: int
) -> tuple[list[float], float, float]:
    """Each window calls next at the moments of its own Poisson process (together ``rate`` calls
    per second) for ``seconds``, and marks its caller a no-show right after (untimed). The windows
    are shared among ``CLIENT_PROCESSES`` forked client processes. Returns per-call ms, and the
    server's and the clients' CPU seconds per call (with its no-show)."""
    begin = time.perf_counter() + 1.0  # CLOCK_MONOTONIC: the same clock in every process
    fork = multiprocessing.get_context("fork")
    results: Any = fork.SimpleQueue()
    share = [windows[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
    clients = [
        fork.Process(
            target=_pace_client, args=(part, rate * len(part) / len(windows), begin, seconds, i, results)
        )
        for i, part in enumerate(share)
    ]
    server_cpu = process_cpu_s(server_pid)
    for client in clients:
        client.start()
    found = [results.get() for _ in clients]
    for client in clients:
        client.join(60)
    server_cpu = process_cpu_s(server_pid) - server_cpu
    failures = [f for _times, _cpu, fails in found for f in fails]
    if failures:
        raise SystemExit(f"call-next at hall pace failed {len(failures)} times: {failures[0]}")
    times = [t for part, _cpu, _fails in found for t in part]
    calls = max(1, len(times))
    return times, server_cpu / calls, sum(cpu for _t, cpu, _f in found) / calls


def _pace_client(
    windows: list[Window], rate: float, begin: float, seconds: float, seed: int, results: Any
) -> None:
    """One client process's windows at their pace; puts (ms per call, CPU s, failures) on ``results``."""
    times: list[float] = []
    failures: list[str] = []
    stop = begin + seconds
    mean_gap = len(windows) / rate

    def window(w: Window, rng: random.Random) -> None:
        due = begin + rng.expovariate(1 / mean_gap)
        while due < stop:
            time.sleep(max(0.0, due - time.perf_counter()))
            prepared = signed(w, "call_next")
            start = time.perf_counter()
            reply = send(w, prepared)
            times.append((time.perf_counter() - start) * 1000)
            if reply.status_code != 200 or reply.json()["ticket"] is None:
                failures.append(reply.text[:200])
                return
            free = send(w, signed(w, "no_show"))
            if free.status_code != 200:
                failures.append(free.text[:200])
                return
            due += rng.expovariate(1 / mean_gap)  # the schedule is kept: a slow reply is no pause

    cpu = time.process_time()
    threads = [
        threading.Thread(target=window, args=(w, random.Random(seed * 1000 + i)))
        for i, w in enumerate(windows)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    results.put((times, time.process_time() - cpu, failures))


def warm_up(windows: list[Window]) -> None:
    """Every window calls and frees one ticket, untimed, a few at a time."""

    def once(w: Window) -> None:
        for action in ("call_next", "no_show"):
            reply = send(w, signed(w, action))
            assert reply.status_code == 200, reply.text

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(once, windows))


def bare_signed_update(database_url: str | None, n: int) -> dict[str, float]:
    """The ceiling: ``n`` times one Ed25519 verification and one conditional UPDATE committed on
    its own (SQLite WAL with ``synchronous=FULL`` as the server sets it, or PostgreSQL), through
    the driver alone, one after another: p50 and p99 ms and the rate."""
    key = DeviceKey.generate()
    public = public_key_from_b64(key.public_b64)
    bodies = [json.dumps({"op_id": uuid.uuid4().hex, "i": i}).encode() for i in range(n)]
    signatures = [base64.b64decode(sign_queue_op(key, body)) for body in bodies]
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-queue-bare-") as tmp:
        if database_url:
            import psycopg

            conn: Any = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
            conn.autocommit = True
            param = "%s"
        else:
            conn = sqlite3.connect(Path(tmp) / "bare.sqlite", isolation_level=None)
            for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"):
                conn.execute(pragma)
            param = "?"
        conn.execute("DROP TABLE IF EXISTS bench_bare_tickets")
        conn.execute(
            "CREATE TABLE bench_bare_tickets (id INTEGER PRIMARY KEY, state TEXT, window_no INTEGER)"
        )
        for i in range(n):
            conn.execute(f"INSERT INTO bench_bare_tickets VALUES ({param}, 'WAITING', NULL)", (i,))
        update = (
            f"UPDATE bench_bare_tickets SET state = 'CALLED', window_no = {param} "
            f"WHERE id = {param} AND state = 'WAITING'"
        )
        wall = time.perf_counter()
        for i in range(n):
            start = time.perf_counter()
            public.verify(signatures[i], queue_op_message(bodies[i]))
            conn.execute("BEGIN" if database_url else "BEGIN IMMEDIATE")
            if conn.execute(update, (1 + i % 99, i)).rowcount != 1:
                raise SystemExit("the bare conditional UPDATE changed no row")
            conn.execute("COMMIT")
            times.append((time.perf_counter() - start) * 1000)
        wall = time.perf_counter() - wall
        conn.execute("DROP TABLE bench_bare_tickets")
        conn.close()
    return {"p50_ms": pct(times, 0.5), "p99_ms": pct(times, 0.99), "per_s": n / wall}


def issue(kiosk: Window, count: int) -> None:
    """``count`` tickets of category A in the kiosk's hall, one after another."""
    for _ in range(count):
        reply = send(kiosk, signed(kiosk, "issue", category="A"))
        assert reply.status_code == 200, reply.text


@contextmanager
def board_watch(server: Server, hall: str) -> Iterator[tuple[threading.Condition, list[tuple[float, Any]]]]:
    """The hall's board feed, live: every board it delivers, with the moment it arrived."""
    seen: list[tuple[float, Any]] = []
    changed = threading.Condition()

    def listener(board: Any) -> None:
        with changed:
            seen.append((time.perf_counter(), board))
            changed.notify_all()

    feed = BoardFeed(server.url, hall, listener)
    feed.start()
    try:
        with changed:
            if not changed.wait_for(lambda: seen, timeout=30):
                raise SystemExit("the board stream sent nothing in 30 s")
        yield changed, seen
    finally:
        feed.stop()


def call_to_board(server: Server, window: Window, samples: int) -> list[float]:
    """ms from sending a call-next to the stream's board showing that ticket at that window."""
    delays: list[float] = []
    with board_watch(server, window.hall) as (changed, seen):
        for _ in range(samples):
            prepared = signed(window, "call_next")
            start = time.perf_counter()
            number = send(window, prepared).json()["ticket"]["number"]
            wanted = (window.window_no, number)

            def shown(start: float = start, wanted: tuple[int, str] = wanted) -> float | None:
                for at, board in seen:
                    if at >= start and any((w["window_no"], w["number"]) == wanted for w in board["windows"]):
                        return at
                return None

            with changed:
                if not changed.wait_for(lambda: shown() is not None, timeout=30):
                    raise SystemExit(f"ticket {number} never reached the board stream")
                delays.append(((shown() or start) - start) * 1000)
            send(window, signed(window, "no_show"))
    return delays


def measure(
    database_url: str | None,
    rounds: int,
    board_samples: int,
    concurrent: int = CONCURRENT,
    hall_s: float = HALL_SECONDS,
    rate: float = HALL_RATE,
) -> dict[str, list[float]]:
    """Every figure of this bench against one fresh server: one value per round (the burst), per
    sample (board delay, ms) or per run (the hall's pace, the ceiling)."""
    figures: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        server = Server(Path(tmp) / "data", database_url)
        try:
            reply = requests.put(
                server.url + "/api/v1/admin/catalog", json=hall_catalog(), headers=server.admin, timeout=60
            )
            assert reply.status_code in (200, 201), reply.text
            with ThreadPoolExecutor(4) as pool:  # setup, untimed: enroll and issue a few at a time
                windows = list(
                    pool.map(lambda place: Window(server, place[1], place[0]), hall_layout(concurrent))
                )
                kiosks = {w.hall: w for w in reversed(windows)}  # each hall's first window
                staff = {hall: sum(w.hall == hall for w in windows) for hall in kiosks}
                # warm-up, the hall's pace (its expected calls and a margin), the burst, the board;
                # a category numbers at most 999 tickets a day
                paced_calls = {hall: staff[hall] / concurrent * rate * hall_s for hall in kiosks}
                needed = {
                    hall: staff[hall] * (1 + rounds) + int(paced_calls[hall] * 1.2 + 40) + board_samples
                    for hall in kiosks
                }
                assert max(needed.values()) <= 999, needed
                list(pool.map(lambda kiosk: issue(kiosk, needed[kiosk.hall]), kiosks.values()))
            warm_up(windows)
            if hall_s:
                times, cpu_each, client_cpu_each = at_hall_pace(windows, rate, hall_s, server.proc.pid)
                figures["hall_p50_ms"] = [pct(times, 0.5)]
                figures["hall_p99_ms"] = [pct(times, 0.99)]
                figures["hall_calls"] = [float(len(times))]
                figures["hall_server_cpu_ms_per_call"] = [cpu_each * 1000]
                figures["hall_client_cpu_ms_per_call"] = [client_cpu_each * 1000]
            for _ in range(rounds):
                times, seconds, cpu, server_cpu = one_round(windows, server.proc.pid)
                figures["p50_ms"].append(pct(times, 0.5))
                figures["p99_ms"].append(pct(times, 0.99))
                figures["calls_per_s"].append(concurrent / seconds)
                figures["client_cpu_ms_per_call"].append(cpu / concurrent * 1000)
                figures["server_cpu_ms_per_call"].append(server_cpu / concurrent * 1000)
                # the burst's serial CPU: no schedule of it ends sooner (see the module docstring)
                figures["burst_cpu_bound_ms"].append(max(server_cpu, (server_cpu + cpu) / CORES) * 1000)
            figures["board_ms"] = call_to_board(server, windows[0], board_samples)
        finally:
            server.stop()
    bare = bare_signed_update(database_url, 300)
    figures["bare_p50_ms"], figures["bare_p99_ms"] = [bare["p50_ms"]], [bare["p99_ms"]]
    figures["bare_per_s"] = [bare["per_s"]]
    label = "postgresql" if database_url else "sqlite"
    if hall_s:
        verdict = "OK" if figures["hall_p99_ms"][0] < TARGET_P99_MS else "SLOWER THAN TARGET"
        print(
            f"{label:<10} call-next, {concurrent} windows at a hall's pace (Poisson, {rate:g} calls/s in "
            f"all, {hall_s:.0f} s, {figures['hall_calls'][0]:.0f} calls): p50 {figures['hall_p50_ms'][0]:.1f} ms, "
            f"p99 {figures['hall_p99_ms'][0]:.1f} ms [{verdict}: p99 < {TARGET_P99_MS:.0f} ms]; CPU per call "
            f"(with its no-show): server {figures['hall_server_cpu_ms_per_call'][0]:.1f} ms, "
            f"clients {figures['hall_client_cpu_ms_per_call'][0]:.1f} ms"
        )
    print(
        f"{label:<10} ceiling, signature check + conditional UPDATE committed alone: "
        f"p50 {bare['p50_ms']:.2f} ms, p99 {bare['p99_ms']:.2f} ms, {bare['per_s']:.0f}/s"
    )
    for i in range(rounds):
        print(
            f"{label:<10} stress, call-next x{concurrent} at once: p50 {figures['p50_ms'][i]:.1f} ms, "
            f"p99 {figures['p99_ms'][i]:.1f} ms (its serial CPU: {figures['burst_cpu_bound_ms'][i]:.0f} ms), "
            f"{figures['calls_per_s'][i]:.0f} calls/s; CPU per call: server "
            f"{figures['server_cpu_ms_per_call'][i]:.1f} ms, clients {figures['client_cpu_ms_per_call'][i]:.1f} ms"
        )
    board = figures["board_ms"]
    print(
        f"{label:<10} call to hall board stream x{board_samples}: p50 {statistics.median(board):.0f} ms, "
        f"max {max(board):.0f} ms"
    )
    return dict(figures)


def main() -> None:
    """SQLite, then PostgreSQL when reachable."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--board-samples", type=int, default=20)
    parser.add_argument("--rate", type=float, default=HALL_RATE, help="calls/s of all windows together")
    parser.add_argument("--seconds", type=float, default=HALL_SECONDS, help="length of the hall-pace run")
    args = parser.parse_args()
    measure(None, args.rounds, args.board_samples, hall_s=args.seconds, rate=args.rate)
    if postgres_reachable():
        with fresh_database("bench_queue") as url:
            measure(url, args.rounds, args.board_samples, hall_s=args.seconds, rate=args.rate)
    else:
        print("postgresql not reachable on 127.0.0.1:5432: skipped")


if __name__ == "__main__":
    main()

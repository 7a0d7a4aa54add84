"""Call-next on the live queue: latency and throughput of 200 windows at once, and how long a call
takes to reach the hall board stream (what the display shows).

Run: ``.venv/bin/python bench/bench_queue.py [--rounds 3] [--board-samples 20]``

It starts ``python -m supervision_server serve`` on loopback (SQLite, then PostgreSQL when one
accepts ``postgres`` on 127.0.0.1:5432), publishes a catalog staffing windows 1-99 and enrolls 200
windows (a hall has at most 99, so halls X and Y with 99 each and hall Z with 2), each signing its
own operations. Each round, the 200 windows send one signed call-next at the same moment; each is
timed from its own send to its reply (target p99 < 50 ms), then every window marks its caller a
no-show, untimed, so it is free for the next round. Then one window of hall X calls its next
ticket while the board feed holds the hall's SSE stream open, timed from the send to the board
event that shows the ticket at that window.
"""

from __future__ import annotations

import argparse
import json
import random
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
from counter_app.sync.board_feed import BoardFeed  # noqa: E402
from supervision_server.routes_queue import sign_queue_op  # noqa: E402
from tests.pg import fresh_database, postgres_reachable  # noqa: E402
from tests.server.test_queue_live import WINDOWS, Window, hall_catalog  # noqa: E402
from tests.server.test_real_server import Server  # noqa: E402

CONCURRENT = 200
TARGET_P99_MS = 50.0


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


PACED_WINDOWS = 25
PACED_MEAN_S = 2.0  # each window calls every 2 s on average: 12.5 calls/s, far above a hall's peak


def paced(windows: list[Window], seconds: float, server_pid: int) -> tuple[list[float], float]:
    """Each window calls next at random moments (exponential gaps, mean ``PACED_MEAN_S``) and
    marks its caller a no-show right after (untimed), for ``seconds``: per-call ms and the
    server's CPU seconds per call."""
    times: list[float] = []
    failures: list[str] = []
    stop = time.perf_counter() + seconds

    def window(w: Window, seed: int) -> None:
        rng = random.Random(seed)
        while True:
            time.sleep(rng.expovariate(1 / PACED_MEAN_S))
            if time.perf_counter() >= stop:
                return
            prepared = signed(w, "call_next")
            start = time.perf_counter()
            reply = send(w, prepared)
            times.append((time.perf_counter() - start) * 1000)
            if reply.status_code != 200 or reply.json()["ticket"] is None:
                failures.append(reply.text[:200])
                return
            send(w, signed(w, "no_show"))

    threads = [threading.Thread(target=window, args=(w, i)) for i, w in enumerate(windows)]
    server_cpu = process_cpu_s(server_pid)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    server_cpu = process_cpu_s(server_pid) - server_cpu
    if failures:
        raise SystemExit(f"paced call-next failed {len(failures)} times: {failures[0]}")
    return times, server_cpu / max(1, len(times))


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
    paced_s: float = 30.0,
) -> dict[str, list[float]]:
    """Every figure of this bench against one fresh server: one value per round (call-next) or
    per sample (board delay, ms)."""
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
                needed = {
                    hall: sum(w.hall == hall for w in windows) * rounds + board_samples for hall in kiosks
                }
                list(pool.map(lambda kiosk: issue(kiosk, needed[kiosk.hall]), kiosks.values()))
            for _ in range(rounds):
                times, seconds, cpu, server_cpu = one_round(windows, server.proc.pid)
                figures["p50_ms"].append(pct(times, 0.5))
                figures["p99_ms"].append(pct(times, 0.99))
                figures["calls_per_s"].append(concurrent / seconds)
                figures["client_cpu_ms_per_call"].append(cpu / concurrent * 1000)
                figures["server_cpu_ms_per_call"].append(server_cpu / concurrent * 1000)
            figures["board_ms"] = call_to_board(server, windows[0], board_samples)
            if paced_s:
                hall = windows[0].hall
                staff = [w for w in windows if w.hall == hall][:PACED_WINDOWS]
                # about len(staff) * paced_s / PACED_MEAN_S calls; a category holds 999 tickets a day
                issue(kiosks[hall], int(len(staff) * paced_s / PACED_MEAN_S * 1.3) + 20)
                times, cpu_each = paced(staff, paced_s, server.proc.pid)
                figures["paced_p50_ms"] = [pct(times, 0.5)]
                figures["paced_p99_ms"] = [pct(times, 0.99)]
                figures["paced_calls"] = [float(len(times))]
                figures["paced_server_cpu_ms_per_call"] = [cpu_each * 1000]
        finally:
            server.stop()
    label = "postgresql" if database_url else "sqlite"
    for i in range(rounds):
        verdict = "OK" if figures["p99_ms"][i] < TARGET_P99_MS else "SLOWER THAN TARGET"
        print(
            f"{label:<10} call-next x{concurrent} at once: p50 {figures['p50_ms'][i]:.1f} ms, "
            f"p99 {figures['p99_ms'][i]:.1f} ms [{verdict}: p99 < {TARGET_P99_MS:.0f} ms], "
            f"{figures['calls_per_s'][i]:.0f} calls/s; CPU per call: server "
            f"{figures['server_cpu_ms_per_call'][i]:.1f} ms, clients {figures['client_cpu_ms_per_call'][i]:.1f} ms"
        )
    if paced_s:
        print(
            f"{label:<10} call-next, {PACED_WINDOWS} windows at hall pace (one call per window every "
            f"{PACED_MEAN_S:.0f} s on average, {paced_s:.0f} s, {figures['paced_calls'][0]:.0f} calls): "
            f"p50 {figures['paced_p50_ms'][0]:.1f} ms, p99 {figures['paced_p99_ms'][0]:.1f} ms; "
            f"server CPU {figures['paced_server_cpu_ms_per_call'][0]:.1f} ms per call (with its no-show)"
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
    args = parser.parse_args()
    measure(None, args.rounds, args.board_samples)
    if postgres_reachable():
        with fresh_database("bench_queue") as url:
            measure(url, args.rounds, args.board_samples)
    else:
        print("postgresql not reachable on 127.0.0.1:5432: skipped")


if __name__ == "__main__":
    main()

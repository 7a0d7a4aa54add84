"""Cold start of the clerk's window, in a separate process with a warm file cache: from the
process start to the login window, and to a usable main window (logged in, today's cases
loaded, the event loop turning). And the longest stall of the window's event loop while 1,000
events sync to a real server process and while a receipt PDF is built and archived. And the
window process's memory after login and after a day of 300 cases recorded through it.

    .venv/bin/python bench/bench_window.py [--runs 5] [--stall] [--memory]

The data folder is set up once (initialised, demo catalog, a cached roster with one clerk); each
run starts ``bench/bench_window.py --child DIR`` offscreen, which logs the clerk in by itself and
prints the monotonic times it reached each screen. One run is discarded first (cold disk cache).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NUMBER, PASSWORD = "0307", "bench-0307"
TARGET_S = 1.5
STALL_TARGET_MS = 50.0
DAY_CASES = 300
RECEIPT_EVERY = 10  # every 10th case gets its receipt PDF, built and archived (no printer)


def prepare(root: Path, hall: str = "YX330781") -> Path:
    """A window folder that opens straight to login (no server needed)."""
    from argon2 import PasswordHasher

    from counter_app.domain.clerks import RosterEntry
    from counter_app.services.clock import system_clock
    from counter_app.services.setup import import_catalog, init_counter
    from counter_app.store.datadir import DataDir
    from counter_app.store.uow import Store
    from counter_app.sync.roster import cache_roster

    data = DataDir(root / "window")
    init_counter(data, hall, 3, system_clock)
    store = Store(data)
    try:
        import_catalog(store, ROOT / "resources" / "catalog" / "demo_catalog.json", system_clock)
        entry = RosterEntry(NUMBER, "张丽", "clerk", PasswordHasher().hash(PASSWORD), hall)
        cache_roster(store, [entry], "")
        with store.unit_of_work() as uow:
            uow.put_setting("lock_after_s", "0")
            uow.commit()
    finally:
        store.close()
    return data.root


def child(folder: str) -> None:
    """Start the window the way ``counter window --login`` does (startup.open_window), log in,
    print ``login T`` and ``main T`` (time.monotonic), quit."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from counter_app.store.datadir import DataDir
    from counter_app.ui.startup import open_window

    def watch(window: Any) -> None:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        def at_login(_dialog: Any) -> None:
            QTimer.singleShot(0, lambda: print(f"login {time.monotonic()}", flush=True))

        def at_main(main: Any) -> None:
            def ready() -> None:
                if main.today.loads < 1:
                    QTimer.singleShot(5, ready)
                    return
                print(f"main {time.monotonic()}", flush=True)
                QApplication.quit()

            QTimer.singleShot(0, ready)

        window.login_shown.connect(at_login)
        window.main_shown.connect(at_main)

    open_window(DataDir(Path(folder)), auto_login=(NUMBER, PASSWORD), on_start=watch)


def stall_child(folder: str, project_no: str) -> None:
    """Log in, then start the pusher on the backlog and measure the longest gap between ticks of
    a 2 ms timer until nothing waits; then the same while a receipt is built. Prints ``sync MS``
    and ``receipt MS``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from counter_app.services.clock import system_clock
    from counter_app.services.documents import issue_document
    from counter_app.store.datadir import DataDir
    from counter_app.ui.look import apply_look
    from counter_app.ui.window_app import WindowApp

    app = QApplication(sys.argv[:1])
    apply_look(app, 12)
    window = WindowApp(DataDir(Path(folder)), auto_login=(NUMBER, PASSWORD), start_pusher=False)
    gaps = {"max": 0.0, "last": 0.0}
    ticker = QTimer()
    ticker.setInterval(2)

    def tick() -> None:
        now = time.perf_counter()
        gaps["max"] = max(gaps["max"], now - gaps["last"])
        gaps["last"] = now

    ticker.timeout.connect(tick)

    def watch(done: Any, then: Any) -> None:
        gaps["max"], gaps["last"] = 0.0, time.perf_counter()
        ticker.start()
        give_up = time.monotonic() + 120

        def check() -> None:
            if time.monotonic() > give_up:
                status = window.pusher.status() if window.pusher else None
                print(f"gave up waiting; sync status {status}", file=sys.stderr, flush=True)
                app.exit(3)
                return
            if not done():
                QTimer.singleShot(20, check)
                return
            ticker.stop()
            then(gaps["max"] * 1000)

        QTimer.singleShot(20, check)

    def at_main(main: Any) -> None:
        assert window.pusher is not None and window.store is not None
        store = window.store

        def receipt(sync_ms: float) -> None:
            print(f"sync {sync_ms:.1f}", flush=True)
            result: dict[str, Any] = {}
            window.db.run(
                lambda: issue_document(store, system_clock, NUMBER, project_no),
                lambda doc: result.setdefault("doc", doc),
                lambda exc: result.setdefault("error", exc),
            )
            watch(lambda: bool(result), lambda ms: (print(f"receipt {ms:.1f}", flush=True), app.quit()))

        status = main.status
        pusher = window.pusher

        def sync(idle_ms: float) -> None:
            print(f"idle {idle_ms:.1f}", flush=True)
            pusher.start()
            watch(
                lambda: (
                    status.status is not None
                    and status.status.acked_seq == status.status.head_seq
                    and status.status.head_seq > 1000
                ),
                receipt,
            )

        # The same watch with nothing to do: what the machine's load alone costs the event loop.
        idle_until = time.perf_counter() + 2.0
        watch(lambda: time.perf_counter() >= idle_until, sync)

    window.main_shown.connect(at_main)
    # A login refused (say, a roster without the clerk) must not hang the bench.
    QTimer.singleShot(150_000, lambda: (print("no main window", file=sys.stderr, flush=True), app.exit(3)))
    window.start()
    app.exec()
    window.shutdown()


def prepare_stall(root: Path, server_url: str, hall: str, code: str) -> tuple[Path, str]:
    """An enrolled window with one accepted case and 1,000 events waiting to sync."""
    from counter_app.services.clock import system_clock
    from counter_app.services.intake import accept_case
    from counter_app.store.datadir import DataDir
    from counter_app.store.uow import Store
    from counter_app.sync.enroll import enroll
    from tests.support import intake_for, promise_item

    folder = prepare(root, hall)
    store = Store(DataDir(folder))
    try:
        with store.unit_of_work() as uow:
            uow.put_setting("check_base_url", server_url + "/check")
            uow.commit()
        enroll(store, server_url, code)
        project_no = accept_case(store, system_clock, NUMBER, intake_for(promise_item(store))).project_no
        for start in range(0, 1000, 100):  # a morning offline: 1,000 events in the ledger
            with store.unit_of_work() as uow:
                for n in range(start, start + 100):
                    uow.ledger.append("bench.event", {"n": n}, NUMBER, system_clock())
                uow.commit()
    finally:
        store.close()
    return folder, project_no


def measure_stalls(runs: int) -> dict[str, list[float]]:
    """The longest event-loop stall (ms) during sync and during a receipt, ``runs`` times."""
    from tests.sync.sync_server import ServerProcess

    found: dict[str, list[float]] = {"idle_ms": [], "sync_ms": [], "receipt_ms": []}
    with tempfile.TemporaryDirectory(prefix="bench-stall-") as tmp:
        server = ServerProcess(Path(tmp) / "server")
        server.start()
        try:
            for n in range(runs):
                root = Path(tmp) / f"run-{n}"
                hall = f"BW{n:02d}"
                server.add_clerk(hall, NUMBER, "张丽", "clerk", PASSWORD)  # the roster the window refreshes
                folder, project_no = prepare_stall(root, server.url, hall, server.issue_code(hall, 3))
                env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
                done = subprocess.run(
                    [sys.executable, str(Path(__file__).resolve()), "--stall-child", str(folder), project_no],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=300,
                    check=True,
                )
                marks = dict(
                    line.split()
                    for line in done.stdout.splitlines()
                    if line.startswith(("idle ", "sync ", "receipt "))
                )
                for key in ("idle", "sync", "receipt"):
                    found[f"{key}_ms"].append(float(marks[key]))
        finally:
            server.stop()
    return found


def memory_mb() -> dict[str, float]:
    """This process's resident set now (VmRSS) and at its highest (VmHWM), in MB."""
    found: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024  # kB
    return found


def applicant(rng: random.Random) -> Any:
    """A resident with a random name and a valid resident ID (as ``hall_day.person``, whose
    module would load the server into the window's process)."""
    from bench.bench_cases import GIVEN, SURNAMES
    from counter_app.domain.validation import resident_id_check_char
    from counter_app.services.intake_model import Party

    birth = f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"330781{birth}{rng.randint(0, 999):03d}"
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return Party(
        name, "111", body + resident_id_check_char(body), phone=f"138{rng.randint(0, 99_999_999):08d}"
    )


def memory_child(folder: str) -> None:
    """Log in, read the memory once today's list is loaded, record ``DAY_CASES`` cases on the
    window's database worker as the intake form does (a receipt for every ``RECEIPT_EVERY``th),
    each commit refreshing today's list before the next case; then read the memory again.
    Prints one JSON line."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from counter_app.services.documents import issue_document
    from counter_app.services.intake import accept_case
    from counter_app.store.datadir import DataDir
    from counter_app.ui.look import apply_look
    from counter_app.ui.window_app import WindowApp
    from tests.support import intake_for, promise_item

    app = QApplication(sys.argv[:1])
    apply_look(app, 12)
    window = WindowApp(DataDir(Path(folder)), auto_login=(NUMBER, PASSWORD), start_pusher=False)
    rng = random.Random(11)
    out: dict[str, Any] = {"cases": 0, "receipts": 0}

    def at_main(main: Any) -> None:
        session = main.session
        store, clerk, clock = session.store, session.clerk_id, window.clock
        item = promise_item(store)

        def after(loads: int, then: Any) -> None:
            """``then()`` once today's list has loaded more than ``loads`` times."""
            if main.today.loads <= loads:
                QTimer.singleShot(1, lambda: after(loads, then))
                return
            then()

        def start() -> None:
            gc.collect()
            app.processEvents()
            out["rss_start_mb"] = round(memory_mb()["VmRSS"], 1)
            record(0)

        def record(n: int) -> None:
            if n == DAY_CASES:
                finish()
                return
            intake = intake_for(item, applicant=applicant(rng), ticket_no=f"A{n + 1:03d}")
            receipt = (n + 1) % RECEIPT_EVERY == 0

            def work() -> str:
                project_no = accept_case(store, clock, clerk, intake).project_no
                if receipt:
                    issue_document(store, clock, clerk, project_no)
                return project_no

            def done(_project_no: str) -> None:
                out["cases"] += 1
                out["receipts"] += int(receipt)
                loads = main.today.loads
                session.committed()  # as the form does: wakes the pusher, refreshes today's list
                after(loads, lambda: QTimer.singleShot(0, lambda: record(n + 1)))

            def failed(error: BaseException) -> None:
                print(f"case {n + 1} refused: {error!r}", file=sys.stderr, flush=True)
                app.exit(3)

            session.db.run(work, done, failed)

        def finish() -> None:
            gc.collect()
            app.processEvents()
            mem = memory_mb()
            out.update(
                rss_end_mb=round(mem["VmRSS"], 1),
                hwm_mb=round(mem["VmHWM"], 1),
                listed=main.today.model.rowCount(),
            )
            print(json.dumps(out), flush=True)
            app.quit()

        after(0, start)

    window.main_shown.connect(at_main)
    QTimer.singleShot(300_000, lambda: (print("no end", file=sys.stderr, flush=True), app.exit(3)))
    window.start()
    app.exec()
    window.shutdown()


def measure_memory(runs: int) -> dict[str, list[float]]:
    """The window process's memory (MB) after login and after a day of ``DAY_CASES`` cases, each
    run on a fresh data folder."""
    found: dict[str, list[float]] = {"rss_start_mb": [], "rss_end_mb": [], "hwm_mb": []}
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        for n in range(runs):
            folder = prepare(Path(tmp) / f"run-{n}")
            from counter_app.store.datadir import DataDir
            from counter_app.store.uow import Store

            store = Store(DataDir(folder))
            try:
                with store.unit_of_work() as uow:  # as enrollment sets it: the receipts' QR address
                    uow.put_setting("check_base_url", "https://zwfw.example.gov.cn/check")
                    uow.commit()
            finally:
                store.close()
            env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
            done = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(folder)],
                capture_output=True,
                text=True,
                env=env,
                timeout=900,
                check=True,
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if result["cases"] != DAY_CASES or result["listed"] != DAY_CASES:
                raise RuntimeError(f"the day was not recorded in full: {result}")
            for key in found:
                found[key].append(float(result[key]))
    return found


def one_run(folder: Path) -> dict[str, float]:
    """Seconds from spawning the process to the login window and to the usable main window."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    marks = dict(line.split() for line in done.stdout.splitlines() if line.startswith(("login ", "main ")))
    return {"login_s": float(marks["login"]) - started, "main_s": float(marks["main"]) - started}


def measure(runs: int) -> dict[str, list[float]]:
    """``runs`` warm runs after one discarded run."""
    with tempfile.TemporaryDirectory(prefix="bench-window-") as tmp:
        folder = prepare(Path(tmp))
        one_run(folder)  # fills the file cache
        results = [one_run(folder) for _ in range(runs)]
    return {"login_s": [r["login_s"] for r in results], "main_s": [r["main_s"] for r in results]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--stall-child", nargs=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory-child")
    parser.add_argument("--stall", action="store_true", help="also the longest event-loop stall")
    parser.add_argument("--memory", action="store_true", help="only the memory after a day of cases")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.stall_child:
        stall_child(*args.stall_child)
        return
    if args.memory_child:
        memory_child(args.memory_child)
        return
    if args.memory:
        memory = measure_memory(max(1, args.runs // 5))
        for key, what in (
            ("rss_start_mb", "after login (today's list loaded)"),
            ("rss_end_mb", f"after a day of {DAY_CASES} cases ({DAY_CASES // RECEIPT_EVERY} receipts)"),
            ("hwm_mb", "at its peak (VmHWM)"),
        ):
            values = memory[key]
            print(f"window memory {what}: median {statistics.median(values):.1f} MB ({len(values)} runs)")
        return
    found = measure(args.runs)
    for key, what in (("login_s", "to the login window"), ("main_s", "to a usable main window")):
        values = found[key]
        print(
            f"cold start {what}: median {statistics.median(values):.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f}, {len(values)} runs; target < {TARGET_S} s)"
        )
    if args.stall:
        stalls = measure_stalls(max(1, args.runs // 2))
        for key, what in (
            ("idle_ms", "with nothing to do (the machine's load alone, 2 s)"),
            ("sync_ms", "while 1,000 events sync"),
            ("receipt_ms", "while a receipt is built"),
        ):
            values = stalls[key]
            print(
                f"longest event-loop stall {what}: median {statistics.median(values):.1f} ms "
                f"(min {min(values):.1f}, max {max(values):.1f}; target < {STALL_TARGET_MS} ms)"
            )


if __name__ == "__main__":
    main()

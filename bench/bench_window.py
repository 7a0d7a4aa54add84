"""Cold start of the clerk's window, in a separate process with a warm file cache: from the
process start to the login window, and to a usable main window (logged in, today's cases
loaded, the event loop turning).

    .venv/bin/python bench/bench_window.py [--runs 5]

The data folder is set up once (initialised, demo catalog, a cached roster with one clerk); each
run starts ``bench/bench_window.py --child DIR`` offscreen, which logs the clerk in by itself and
prints the monotonic times it reached each screen. One run is discarded first (cold disk cache).
"""

from __future__ import annotations

import argparse
import os
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


def prepare(root: Path) -> Path:
    """A window folder that opens straight to login (no server needed)."""
    from argon2 import PasswordHasher

    from counter_app.domain.clerks import RosterEntry
    from counter_app.services.clock import system_clock
    from counter_app.services.setup import import_catalog, init_counter
    from counter_app.store.datadir import DataDir
    from counter_app.store.uow import Store
    from counter_app.sync.roster import cache_roster

    data = DataDir(root / "window")
    init_counter(data, "YX330781", 3, system_clock)
    store = Store(data)
    try:
        import_catalog(store, ROOT / "resources" / "catalog" / "demo_catalog.json", system_clock)
        entry = RosterEntry(NUMBER, "张丽", "clerk", PasswordHasher().hash(PASSWORD), "YX330781")
        cache_roster(store, [entry], "")
        with store.unit_of_work() as uow:
            uow.put_setting("lock_after_s", "0")
            uow.commit()
    finally:
        store.close()
    return data.root


def child(folder: str) -> None:
    """Start the window, log in, print ``login T`` and ``main T`` (time.monotonic), quit."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from counter_app.store.datadir import DataDir
    from counter_app.ui.look import apply_look
    from counter_app.ui.window_app import WindowApp

    app = QApplication(sys.argv[:1])
    apply_look(app, 12)
    window = WindowApp(DataDir(Path(folder)), auto_login=(NUMBER, PASSWORD), start_pusher=False)

    def at_login(_dialog: Any) -> None:
        QTimer.singleShot(0, lambda: print(f"login {time.monotonic()}", flush=True))

    def at_main(main: Any) -> None:
        def ready() -> None:
            if main.today.loads < 1:
                QTimer.singleShot(5, ready)
                return
            print(f"main {time.monotonic()}", flush=True)
            app.quit()

        QTimer.singleShot(0, ready)

    window.login_shown.connect(at_login)
    window.main_shown.connect(at_main)
    window.start()
    app.exec()
    window.shutdown()


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
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    found = measure(args.runs)
    for key, what in (("login_s", "to the login window"), ("main_s", "to a usable main window")):
        values = found[key]
        print(
            f"cold start {what}: median {statistics.median(values):.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f}, {len(values)} runs; target < {TARGET_S} s)"
        )


if __name__ == "__main__":
    main()

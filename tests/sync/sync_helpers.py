"""Helpers for sync tests: an injected clock, condition waits, counters, events, backups."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class StepClock:
    """An injected clock that moves only when told."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def wait_until(condition: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    """Poll ``condition`` until it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def append_events(
    store: Store, count: int, *, start: int = 0, at: datetime = T0, kind: str = "note.recorded"
) -> None:
    """Append ``count`` signed events in one unit of work (numbers are the device's own).

    Not case events: those come with case rows that ``verify`` (and so the pusher) compares
    them with; tests that need cases take them in through the services.
    """
    prefix = store.settings().get("device_id", "")[-8:]
    with store.unit_of_work() as uow:
        for i in range(start, start + count):
            no = f"{prefix}P{i:06d}"
            payload = {"project_no": no, "item": "食品经营许可", "i": i}
            uow.ledger.append(kind, payload, "clerk-1", at, project_no=no)
        uow.commit()


def make_store(path: Path, device_id: str | None = None) -> Store:
    """A counter store in ``path``, optionally with a device id already set."""
    store = Store(DataDir(path))
    if device_id:
        with store.unit_of_work() as uow:
            uow.put_setting("device_id", device_id)
            uow.commit()
    return store


def backup_db(store: Store, dest: Path) -> Path:
    """Copy the counter's database with SQLite's online backup API (safe while in use)."""
    source = sqlite3.connect(store.data_dir.db_path)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return dest


def restore_db(data_dir: DataDir, backup: Path) -> Store:
    """Put ``backup`` in place of the (closed) counter's database and reopen the store."""
    for suffix in ("-wal", "-shm"):
        Path(str(data_dir.db_path) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, data_dir.db_path)
    return Store(data_dir)

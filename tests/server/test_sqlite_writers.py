"""A SQLite server's writers of one process take turns on a lock, never in SQLite's busy handler:
with that handler cut to 1 ms, a writer that comes while another holds the database for 300 ms
still commits, right after it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from supervision_server import db


def test_a_second_writer_waits_its_turn_and_commits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 1)
    engine = db.make_engine(f"sqlite+pysqlite:///{tmp_path / 'w.db'}")
    try:
        with db.write_transaction(engine) as conn:
            conn.execute(text("CREATE TABLE log (n INTEGER)"))
        holding = threading.Event()
        order: list[str] = []

        def first() -> None:
            with db.write_transaction(engine) as conn:
                conn.execute(text("INSERT INTO log VALUES (1)"))
                holding.set()
                time.sleep(0.3)
                order.append("first commits")

        def second() -> None:
            holding.wait()
            with db.write_transaction(engine) as conn:
                order.append("second writes")
                conn.execute(text("INSERT INTO log VALUES (2)"))

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert order == ["first commits", "second writes"]
        with db.read_connection(engine) as conn:
            assert conn.execute(text("SELECT n FROM log ORDER BY rowid")).scalars().all() == [1, 2]
    finally:
        engine.dispose()

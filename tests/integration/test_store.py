"""The local store on a real SQLite file: pragmas, append-only tables, unit of work."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from counter_app.ledger import AckReceipt, verify_chain
from counter_app.store.datadir import DataDir
from counter_app.store.db import integrity_check
from counter_app.store.ledger_store import acked_seq, iter_events, pending_stats, record_ack
from counter_app.store.migrations import LATEST, current_version
from counter_app.store.uow import Store

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(DataDir(tmp_path / "data"))
    with s.unit_of_work() as uow:
        uow.put_setting("device_id", "dev-test")
        uow.commit()
    yield s
    s.close()


def test_pragmas_and_version(store: Store) -> None:
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    assert current_version(store.engine) == LATEST
    assert integrity_check(store.engine) == "ok"


def test_events_chain_and_refuse_update_and_delete(store: Store) -> None:
    for i in range(3):
        with store.unit_of_work() as uow:
            uow.ledger.append("test.event", {"i": i}, "clerk-1", T0)
            uow.commit()
    with store.read() as conn:
        events = list(iter_events(conn))
    report = verify_chain(events, store.key.public_key, device_id="dev-test")
    assert report.ok and report.head_seq == 3
    for sql in ("UPDATE events SET type='x' WHERE seq=1", "DELETE FROM events WHERE seq=2"):
        with store.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(sql))


def test_unit_of_work_rolls_back_unless_committed(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.ledger.append("test.event", {}, "clerk-1", T0)
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.ledger.append("test.event", {}, "clerk-1", T0)
        raise RuntimeError("power cut")
    with store.read() as conn:
        assert list(iter_events(conn)) == []


def test_acks_move_forward_only(store: Store) -> None:
    with store.unit_of_work() as uow:
        for _ in range(4):
            uow.ledger.append("test.event", {}, "clerk-1", T0)
        uow.commit()
    with store.unit_of_work() as uow:
        assert record_ack(uow.conn, AckReceipt("dev-test", 2, "h", "t", "s"), T0)
        assert not record_ack(uow.conn, AckReceipt("dev-test", 1, "h", "t", "s"), T0)
        uow.commit()
    with store.read() as conn:
        assert acked_seq(conn) == 2
        count, oldest = pending_stats(conn)
    assert count == 2 and oldest is not None and oldest.startswith("2026-11-25T09:00")

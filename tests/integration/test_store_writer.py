"""Units of work share one connection, one at a time, and give it back whatever happens."""

from __future__ import annotations

import gc
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from counter_app.store.datadir import DataDir
from counter_app.store.ledger_store import iter_events
from counter_app.store.uow import Store

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(DataDir(tmp_path / "data"))
    yield s
    s.close()


def _append(store: Store, i: int) -> sqlite3.Connection:
    with store.unit_of_work() as uow:
        uow.ledger.append("test.event", {"i": i}, "clerk-1", T0)
        uow.commit()
        return uow.driver


def test_one_unit_after_another_uses_the_same_idle_connection(store: Store) -> None:
    first, second = _append(store, 1), _append(store, 2)
    assert first is second
    assert first.in_transaction is False  # between units of work: no snapshot, no lock
    assert store.engine.pool.checkedout() == 1
    with store.read() as conn:
        assert [e.envelope.payload["i"] for e in iter_events(conn)] == [1, 2]


def test_a_unit_of_work_that_finds_it_in_use_takes_a_pooled_connection(store: Store) -> None:
    held = store.writer.take()
    assert held is not None and store.writer.take() is None
    try:
        other = _append(store, 1)
        assert other is not held.connection.driver_connection
        assert store.engine.pool.checkedout() == 1  # the pooled one went back
    finally:
        store.writer.give_back()
    assert _append(store, 2) is held.connection.driver_connection


def test_a_failed_begin_gives_the_connection_back_and_the_next_unit_opens_a_new_one(store: Store) -> None:
    _append(store, 1).execute("PRAGMA busy_timeout = 50")
    before = store.writer.take()
    store.writer.give_back()
    blocker = sqlite3.connect(store.data_dir.db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"), store.unit_of_work():
            pass
        assert store.engine.pool.checkedout() == 0  # closed, back in the pool
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    _append(store, 2)
    after = store.writer.take()
    store.writer.give_back()
    assert after is not None and after is not before
    assert store.engine.pool.checkedout() == 1


def test_an_exception_inside_rolls_back_and_the_connection_stays_shared(store: Store) -> None:
    first = _append(store, 1)
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.ledger.append("test.event", {"i": 2}, "clerk-1", T0)
        raise RuntimeError("the clerk closed the form")
    assert _append(store, 3) is first
    with store.read() as conn:
        assert [e.envelope.payload["i"] for e in iter_events(conn)] == [1, 3]


def test_closed_or_dropped_stores_give_their_connection_back(tmp_path: Path) -> None:
    store = Store(DataDir(tmp_path / "data"))
    _append(store, 1)
    store.close()
    assert store.engine.pool.checkedout() == 0
    _append(store, 2)  # a closed store opens what it needs again
    engine = store.engine
    assert engine.pool.checkedout() == 1
    del store
    gc.collect()
    assert engine.pool.checkedout() == 0


def test_statements_through_sqlalchemy_join_the_unit_of_works_transaction(store: Store) -> None:
    with store.unit_of_work() as uow:  # both kinds, then no commit: neither stays
        uow.ledger.append("test.event", {"i": 1}, "clerk-1", T0)
        uow.put_setting("window_no", "7")
        assert uow.conn.in_transaction() and uow.driver.in_transaction
    assert store.settings().get("window_no") is None
    with store.unit_of_work() as uow:  # SQLAlchemy joined: its commit ends the one transaction
        uow.put_setting("window_no", "7")
        uow.ledger.append("test.event", {"i": 2}, "clerk-1", T0)
        uow.commit()
        assert not uow.driver.in_transaction and not uow.conn.in_transaction()
    with store.unit_of_work() as uow:  # the driver alone: committed on the driver
        uow.ledger.append("test.event", {"i": 3}, "clerk-1", T0)
        assert not uow.conn.in_transaction()
        uow.commit()
        assert not uow.driver.in_transaction
    assert store.settings()["window_no"] == "7"
    with store.read() as conn:
        assert [e.envelope.payload["i"] for e in iter_events(conn)] == [2, 3]

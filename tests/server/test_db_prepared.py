"""The ingest path's statements on the driver itself (``db.Prepared``), the read that opens a
write transaction with its BEGIN (``db.first_row``) and the writes that end it with the COMMIT
(``db.deferred_writes(commit=True)``), on SQLite and on PostgreSQL: what they store, and that a
failure anywhere in the transaction still leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Boolean, Column, Engine, Integer, MetaData, String, Table, bindparam, select, text
from sqlalchemy.exc import IntegrityError

from supervision_server import db
from tests.server.helpers import unique

_META = MetaData()
_ITEMS = Table(
    "prepared_items",
    _META,
    Column("name", String, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("on", Boolean, nullable=False),
)
_LOCK = db.Prepared(select(_ITEMS).where(_ITEMS.c.name == bindparam("name")).with_for_update())
_SET_N = db.Prepared(_ITEMS.update().where(_ITEMS.c.name == bindparam("key")))


@pytest.fixture
def engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    engine = db.make_engine(database_url or f"sqlite+pysqlite:///{tmp_path / 'p.db'}")
    _META.create_all(engine)
    with db.write_transaction(engine) as conn:
        conn.execute(_ITEMS.delete())
    try:
        yield engine
    finally:
        engine.dispose()


def _rows(engine: Engine) -> list[tuple[str, int, bool]]:
    with db.read_connection(engine) as conn:
        return [tuple(r) for r in conn.execute(select(_ITEMS).order_by(_ITEMS.c.name))]


def test_prepared_writes_store_what_sqlalchemy_would(engine: Engine) -> None:
    a, b = unique("a"), unique("b")
    with db.write_transaction(engine) as conn:
        db.bulk_insert(conn, _ITEMS, [{"name": a, "n": 1, "on": True}, {"name": b, "n": 2, "on": False}])
        with db.deferred_writes(conn):
            db.write(conn, _SET_N, [{"key": a, "n": 10}, {"key": b, "n": 20}])
            db.write(conn, _SET_N, {"key": a, "on": False})
    assert _rows(engine) == sorted([(a, 10, False), (b, 20, False)])


def test_a_statement_with_values_of_its_own_is_refused(engine: Engine) -> None:
    own = db.Prepared(_ITEMS.update().values(n=_ITEMS.c.n + bindparam("step")))
    with pytest.raises(ValueError, match="beyond its rows"), db.write_transaction(engine) as conn:
        db.write(conn, own, {"on": True})


def test_first_row_then_the_committing_pipeline(engine: Engine) -> None:
    name = unique("x")
    with db.write_transaction(engine) as conn:
        db.bulk_insert(conn, _ITEMS, [{"name": name, "n": 1, "on": False}])
    with db.write_transaction(engine) as conn:
        row = db.first_row(conn, _LOCK, {"name": name})
        assert (row.name, row.n, row.on) == (name, 1, False)
        assert db.first_row(conn, _LOCK, {"name": "none"}) is None  # a second read, plain
        with db.deferred_writes(conn, commit=True):
            db.write(conn, _SET_N, {"key": name, "n": row.n + 1, "on": True})
    assert _rows(engine) == [(name, 2, True)]


def test_a_failure_after_first_row_rolls_back_and_the_next_transaction_is_whole(engine: Engine) -> None:
    """The first read runs in autocommit with the transaction opened by hand (PostgreSQL): a
    failure later in it must still undo everything, and the connection must come back to the
    pool with autocommit off, so a later transaction on it is one transaction again."""
    name, other = unique("y"), unique("z")
    with db.write_transaction(engine) as conn:
        db.bulk_insert(conn, _ITEMS, [{"name": name, "n": 1, "on": False}])
    engine.pool.dispose()  # one connection from here on, reused by each transaction below
    with pytest.raises(RuntimeError), db.write_transaction(engine) as conn:
        db.first_row(conn, _LOCK, {"name": name})
        db.write(conn, _SET_N, {"key": name, "n": 5, "on": True})
        db.bulk_insert(conn, _ITEMS, [{"name": other, "n": 7, "on": True}])
        raise RuntimeError("after the writes, before the commit")
    assert _rows(engine) == [(name, 1, False)]
    with pytest.raises(IntegrityError), db.write_transaction(engine) as conn:
        conn.execute(text("UPDATE prepared_items SET n = 3"))  # a plain statement first
        db.bulk_insert(conn, _ITEMS, [{"name": name, "n": 9, "on": True}])  # taken: fails
    assert _rows(engine) == [(name, 1, False)]
    if db.is_postgres(engine):
        with engine.connect() as conn:
            assert conn.connection.driver_connection.autocommit is False  # type: ignore[union-attr]


def test_an_error_in_the_committing_pipeline_commits_nothing(engine: Engine) -> None:
    """A unique race in the last writes is raised as SQLAlchemy's IntegrityError (run_write
    retries on it) and the COMMIT that went with them does not happen."""
    name = unique("w")
    with db.write_transaction(engine) as conn:
        db.bulk_insert(conn, _ITEMS, [{"name": name, "n": 1, "on": False}])
    with pytest.raises(IntegrityError), db.write_transaction(engine) as conn:
        db.first_row(conn, _LOCK, {"name": name})
        with db.deferred_writes(conn, commit=True):
            db.write(conn, _SET_N, {"key": name, "n": 2, "on": True})
            db.bulk_insert(conn, _ITEMS, [{"name": name, "n": 3, "on": True}])
    assert _rows(engine) == [(name, 1, False)]

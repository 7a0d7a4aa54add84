"""The ingest path's statements on the driver itself (``db.Prepared``), the read that opens a
write transaction with its BEGIN (``db.first_row``) and the writes that end it with the COMMIT
(``db.deferred_writes(commit=True)``), on SQLite and on PostgreSQL: what they store, and that a
failure anywhere in the transaction still leaves nothing behind."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    select,
    text,
)
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
    with _engine(database_url or f"sqlite+pysqlite:///{tmp_path / 'p.db'}") as engine:
        yield engine


@contextlib.contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = db.make_engine(url)
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


def test_keyed_alerts_are_recorded_once_each_with_their_own_row(make_app: Any, database_url: str) -> None:
    """A pass that raises many keyed alerts inserts them together (INSERT ... RETURNING), and
    each occurrence key still points at the alert it was raised with; a key seen before, or
    twice in one pass, is recorded once."""
    from datetime import UTC, datetime

    from supervision_server.alerts import AlertDraft, record_alerts
    from supervision_server.rules_schema import alert_occurrences
    from supervision_server.schema import alerts

    engine = make_app(database_url=database_url).state.ctx.engine
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    tag = unique("k")

    def draft(n: int, key: str | None) -> AlertDraft:
        return AlertDraft("OUTSIDE_HOURS", f"{tag} {n}", device_id=tag, seq=n, occurrence_key=key)

    first = [
        draft(1, f"{tag}/a"),
        draft(2, f"{tag}/b"),
        draft(3, f"{tag}/a"),
        draft(4, None),
        draft(5, f"{tag}/c"),
    ]
    assert db.run_write(engine, lambda conn: record_alerts(conn, first, now)) == 4
    again = [draft(6, f"{tag}/b"), draft(7, f"{tag}/d")]
    assert db.run_write(engine, lambda conn: record_alerts(conn, again, now)) == 1
    with db.read_connection(engine) as conn:
        held = conn.execute(
            select(alert_occurrences.c.occurrence_key, alerts.c.seq)
            .join(alerts, alerts.c.id == alert_occurrences.c.alert_id)
            .where(alerts.c.device_id == tag)
            .order_by(alert_occurrences.c.occurrence_key)
        ).all()
        seqs = conn.execute(
            select(alerts.c.seq).where(alerts.c.device_id == tag).order_by(alerts.c.seq)
        ).scalars()
        assert [tuple(r) for r in held] == [
            (f"{tag}/a", 1),
            (f"{tag}/b", 2),
            (f"{tag}/c", 5),
            (f"{tag}/d", 7),
        ]
        assert list(seqs) == [1, 2, 4, 5, 7]


def test_any_of_binds_the_whole_list_as_one_parameter(engine: Engine) -> None:
    names = [unique("q"), unique("引号'\"")]
    with db.write_transaction(engine) as conn:
        db.bulk_insert(conn, _ITEMS, [{"name": n, "n": i, "on": True} for i, n in enumerate(names)])
    query = select(_ITEMS.c.name).where(db.any_of(_ITEMS.c.name, "wanted")).order_by(_ITEMS.c.name)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with db.read_connection(engine) as conn:
        assert conn.execute(query, {"wanted": [*names, "absent"]}).scalars().all() == sorted(names)
        assert conn.execute(query, {"wanted": names[1:]}).scalars().all() == names[1:]
        assert conn.execute(query, {"wanted": []}).scalars().all() == []
        numbers = select(_ITEMS.c.name).where(db.any_of(_ITEMS.c.n, [1, 5]))
        assert conn.execute(numbers).scalars().all() == [names[1]]
        more = select(_ITEMS.c.name).where(db.any_of(_ITEMS.c.n, [0, 1, 5]))
        assert conn.execute(more).scalars().all() == names
    selects = [s for s in seen if s.startswith("SELECT")]
    # one text whatever the list's length, given by name or as a list
    assert len(selects) == 5 and len(set(selects[:3])) == 1 and selects[3] == selects[4]


def test_fetch_reads_what_sqlalchemy_reads(engine: Engine) -> None:
    names = [unique("f"), unique("g")]
    with db.write_transaction(engine) as conn:
        db.bulk_insert(conn, _ITEMS, [{"name": n, "n": i, "on": i == 0} for i, n in enumerate(names)])
    query = select(_ITEMS).where(db.any_of(_ITEMS.c.name, "names")).order_by(_ITEMS.c.name)
    with db.read_connection(engine) as conn:
        fetched = db.fetch(conn, db.Prepared(query), {"names": names})
        expected = [dict(r) for r in conn.execute(query, {"names": names}).mappings()]
    assert fetched == expected == [{"name": n, "n": i, "on": i == 0} for i, n in enumerate(names)]
    assert [type(r["on"]) for r in fetched] == [bool, bool]  # SQLite stores 1 and 0


_BY_NAME = db.Prepared(select(_ITEMS.c.name, _ITEMS.c.n).where(db.any_of(_ITEMS.c.name, "names")))


def test_reads_ahead_are_taken_once_and_forgotten_after_a_write(engine: Engine) -> None:
    """What :func:`db.prefetch` read is what a later fetch of the same read gets, once; any
    write sent, or the end of the transaction, forgets the rest. SQLite: nothing is read ahead."""
    a, b = unique("a"), unique("b")
    with db.write_transaction(engine) as conn:
        db.bulk_insert(conn, _ITEMS, [{"name": a, "n": 1, "on": True}, {"name": b, "n": 2, "on": True}])

    def change(name: str, n: int) -> None:  # from another connection, committed at once
        with db.write_transaction(engine) as other:
            other.execute(_ITEMS.update().where(_ITEMS.c.name == name).values(n=n))

    if not db.is_postgres(engine):  # one writer: nothing to save, nothing kept
        with db.write_transaction(engine) as conn:
            db.prefetch(conn, [(_BY_NAME, {"names": [a]}), (_BY_NAME, {"names": [b]})])
            assert not conn.info.get("sc_prefetched")
        return
    with db.write_transaction(engine) as conn:
        db.prefetch(conn, [(_BY_NAME, {"names": [a]}), None, (_BY_NAME, {"names": [b]})])
        change(a, 10)
        change(b, 20)
        assert db.fetch(conn, _BY_NAME, {"names": [a]}) == [{"name": a, "n": 1}]  # as read ahead
        assert db.fetch(conn, _BY_NAME, {"names": [a]}) == [{"name": a, "n": 10}]  # taken once
        db.write(conn, _SET_N, {"key": a, "n": 11})
        assert db.fetch(conn, _BY_NAME, {"names": [b]}) == [{"name": b, "n": 20}]  # forgotten
        db.prefetch(conn, [(_BY_NAME, {"names": [a]}), (_BY_NAME, {"names": [b]})])
        kept = conn.info  # the pooled connection's: it outlives the transaction
        assert kept["sc_prefetched"]
    assert "sc_prefetched" not in kept  # no later transaction on it can take them


_BY_KEY = db.Prepared(select(_ITEMS.c.name, _ITEMS.c.n).where(_ITEMS.c.name == bindparam("name")))


@pytest.mark.postgres
def test_a_read_over_a_list_is_planned_for_its_values_on_every_run(postgres_url: str) -> None:
    """PostgreSQL settles a prepared statement on one plan after a few runs: for a list it was
    chosen while the table was small (a scan of the whole table) and kept as the table grew.
    So a statement binding a list is never prepared; one by key is, once per connection.
    (SQLite plans every statement for its values.)"""
    names = [unique("p") for _ in range(3)]
    with _engine(postgres_url) as engine, db.write_transaction(engine) as conn:
        db.bulk_insert(conn, _ITEMS, [{"name": n, "n": i, "on": True} for i, n in enumerate(names)])
        for _ in range(8):  # beyond the five custom plans PostgreSQL tries before a generic one
            listed = db.fetch(conn, _BY_NAME, {"names": names[:2]})
            assert sorted(listed, key=lambda r: r["n"]) == [
                {"name": names[0], "n": 0},
                {"name": names[1], "n": 1},
            ]
            assert db.fetch(conn, _BY_KEY, {"name": names[2]}) == [{"name": names[2], "n": 2}]
        prepared = [
            statement for (statement,) in conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements")
        ]
        reads = [s for s in prepared if s.startswith("SELECT") and "prepared_items" in s]
        assert reads == [_BY_KEY.form(engine.dialect, ("name",)).sql]

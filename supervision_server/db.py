"""Engines and transactions for SQLite (the default) and PostgreSQL (``postgresql+psycopg://``).

SQLite: WAL, ``synchronous=FULL``, foreign keys and a busy timeout on every connection.
pysqlite's implicit transactions are switched off and writes start with ``BEGIN IMMEDIATE``
(the "serializable isolation" recipe of SQLAlchemy's pysqlite documentation), so a write
transaction holds the database's write lock from its first statement. Reads begin with a plain
deferred ``BEGIN`` and never block writers under WAL.

PostgreSQL: READ COMMITTED; writers that must be serialised lock the row they are about
(``SELECT ... FOR UPDATE`` on the device).

The ingest path, where a window's request of a few events costs more in SQLAlchemy's per-call
work than in the database, runs its statements on the driver itself: :class:`Prepared` Core
statements compiled once per dialect, run by :func:`write` / :func:`bulk_insert` and read by
:func:`fetch`; on PostgreSQL they go through libpq's pipeline directly
(:mod:`~supervision_server.pg_pipeline`), each prepared once per connection. Lists are bound as
one parameter (:func:`any_of`). On PostgreSQL the transaction's BEGIN goes with its first read
(:func:`first_row`) and its COMMIT with its last writes (:func:`deferred_writes` with
``commit``), and the reads between go together (:func:`prefetch`): three round trips for a
6-event request (``tests/server/test_ingest_round_trips.py`` reads them off libpq's trace).
"""

from __future__ import annotations

import json
import logging
import random
import sqlite3
import threading
import time
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Connection,
    Dialect,
    Engine,
    Executable,
    Insert,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.sqltypes import NULLTYPE
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal

from supervision_server import pg_pipeline

BUSY_TIMEOUT_MS = 10_000
_READ_ONLY = "sc_read_only"


def normalise_url(url: str) -> str:
    """Map plain ``postgresql://`` and ``postgres://`` URLs onto the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url`` with the durability settings described in the module docstring."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        _install_sqlite_hooks(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    # No pre-ping: it costs a round trip on every checkout. A connection that died with the
    # server raises a disconnect on first use; SQLAlchemy then drops every pooled connection
    # older than it, and run_write runs the transaction again on a fresh one.
    # psycopg prepares nothing of its own (prepare_threshold None): it would answer a ROLLBACK
    # with DEALLOCATE ALL, and so drop the statements pg_pipeline prepared on the connection.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
        connect_args={"prepare_threshold": None},
    )


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is issued below, never implicitly by pysqlite
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def is_postgres(bind: Engine | Connection) -> bool:
    """Whether ``bind`` talks to PostgreSQL."""
    return bind.dialect.name == "postgresql"


_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends normally, rolled back otherwise.

    On SQLite, which has one writer at a time, the writers of this process (requests, the rule
    runner, the watcher) take their turn on a lock here rather than in SQLite's busy handler,
    which sleeps in growing steps (up to 100 ms) and so wakes long after the database is free; a
    thread waiting on this lock runs the moment the last writer is done. Other processes (a
    command run beside the server) still meet the busy handler.
    """
    if is_postgres(engine):
        with engine.connect() as conn:
            conn.info[_WRITE_TX] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop(_WRITE_TX, None)
                _forget_prefetched(conn)  # conn.info outlives the transaction (it is the pooled connection's)
                _autocommit_off(conn)
        return
    lock = _SQLITE_WRITERS.setdefault(engine, threading.RLock())
    with lock, engine.begin() as conn:
        yield conn


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for reads only (a deferred transaction, rolled back at the end)."""
    with engine.connect() as conn:
        conn.execution_options(**{_READ_ONLY: True})
        try:
            yield conn
        finally:
            conn.rollback()


T = TypeVar("T")
_log = logging.getLogger(__name__)


def run_write(engine: Engine, work: Callable[[Connection], T], attempts: int = 4) -> T:
    """Run ``work`` in one write transaction, retrying on lock conflicts and unique races.

    Two batches that touch the same case or ticket can deadlock or race to insert the same row on
    PostgreSQL; the loser is rolled back whole and simply runs again against the winner's data.
    """
    for attempt in range(attempts):
        try:
            with write_transaction(engine) as conn:
                return work(conn)
        except (IntegrityError, OperationalError) as exc:
            if attempt == attempts - 1:
                _log.error("write transaction failed after %d attempts: %s", attempts, exc)
                raise
            _log.info("write transaction retried after: %s", exc.orig)
            time.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise AssertionError("unreachable")


class _ListOf(TypeDecorator[list[Any]]):
    """A list bound as ONE parameter: a PostgreSQL array, or JSON text for SQLite's json_each."""

    impl = Text
    cache_ok = True

    def __init__(self, item: TypeEngine[Any]) -> None:
        super().__init__()
        self.item = item

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(self.item))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return list(value) if dialect.name == "postgresql" else json.dumps(list(value), ensure_ascii=False)


class _AnyOf(ColumnElement[Any]):
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]
    type = NULLTYPE  # a condition as it is: no "= 1" added where booleans are integers

    def __init__(self, column: ColumnElement[Any], values: BindParameter[Any]) -> None:
        self.column = column
        self.values = values


@compiles(_AnyOf)
def _any_of_sqlite(element: _AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(_AnyOf, "postgresql")
def _any_of_postgres(element: _AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} = ANY({values})"


def any_of(column: ColumnElement[Any], values: str | Iterable[Any]) -> ColumnElement[Any]:
    """``column IN (values)`` with the whole list bound as one parameter (``values`` a list, or
    the name of a parameter given at execution): PostgreSQL ``column = ANY(%(p)s)`` over an
    array, SQLite ``column IN (SELECT value FROM json_each(?))`` over JSON text.

    SQLAlchemy's own ``in_`` binds one parameter per value: the statement is re-rendered for
    every length of the list (and psycopg re-parses its text), which costs more than the query
    on a batch of hundreds. This statement's text stays the same whatever the list.
    """
    kind = _ListOf(column.type)
    if isinstance(values, str):
        return _AnyOf(column, bindparam(values, type_=kind))
    return _AnyOf(column, bindparam(None, list(values), type_=kind))


class Prepared:
    """A Core statement run on the driver itself: compiled once per dialect and set of parameter
    names, then executed without SQLAlchemy's per-call work (the compiled-cache lookup, parameter
    processing, the result's setup), which costs more than the driver does on a small request.

    Every value comes from the rows it is run with (a statement with values of its own is
    refused when it is compiled); the column types' bind and result processing still apply. For
    the statements of the ingest path: :func:`write` and :func:`bulk_insert` run it, and
    :func:`fetch` and :func:`first_row` read with it.
    """

    __slots__ = ("_forms", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement: Any = statement
        self._forms: dict[tuple[str, tuple[str, ...]], _Form] = {}

    def form(self, dialect: Dialect, keys: tuple[str, ...]) -> _Form:
        """The driver's SQL for parameters named ``keys`` (compiled on first use)."""
        found = self._forms.get((dialect.name, keys))
        if found is None:
            found = self._forms[(dialect.name, keys)] = _Form.compile(self.statement, dialect, keys)
        return found


@dataclass(frozen=True)
class _Form:
    sql: str
    positions: tuple[str, ...] | None  # parameter order for a positional driver (sqlite3)
    processors: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...]  # per column of a read, or () if none needs one
    pick: Callable[[dict[str, Any]], Any] | None = None  # a row's values in ``positions`` order
    processed: tuple[tuple[int, Callable[[Any], Any]], ...] = ()  # positions whose value is processed
    # A list bound as one parameter (any_of): PostgreSQL plans such a statement for the values
    # of each run. Prepared, it would settle on one plan for every list after a few runs, chosen
    # while the table was small (a scan of the whole table), and keep it as the table grows:
    # a 500-event batch then spent 30 ms in each read of its cases.
    plan_each_run: bool = False

    @classmethod
    def compile(cls, statement: Any, dialect: Dialect, keys: tuple[str, ...]) -> _Form:
        if isinstance(statement, Insert) and not statement.exported_columns:
            statement = statement.inline()  # no RETURNING of a generated key
        if dialect.name == "postgresql":
            dialect = _numbered(dialect)  # $1, $2 ... for libpq itself (pg_pipeline)
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        foreign = sorted(set(compiled.binds) - set(keys))
        if foreign or "POSTCOMPILE" in compiled.string:
            raise ValueError(f"statement needs values beyond its rows ({foreign}): run it through SQLAlchemy")
        processors = tuple(
            (name, processor)
            for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        )
        positions = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        columns = getattr(statement, "selected_columns", ())
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
        lists = any(isinstance(bind.type, _ListOf) for bind in compiled.binds.values())
        if not positions:
            return cls(
                compiled.string, positions, processors, results if any(results) else (), plan_each_run=lists
            )
        # Positional parameters are picked in one C call; the few that need processing after.
        by_name = dict(processors)
        picked = itemgetter(*positions)
        pick = picked if len(positions) > 1 else lambda row: (picked(row),)
        processed = tuple((i, by_name[n]) for i, n in enumerate(positions) if n in by_name)
        return cls(
            compiled.string,
            positions,
            processors,
            results if any(results) else (),
            pick,
            processed,
            plan_each_run=lists,
        )

    def step(self, rows: list[dict[str, Any]], read: bool = False) -> pg_pipeline.Step:
        """This statement run once per row of ``rows`` in a PostgreSQL pipeline."""
        return pg_pipeline.Step(
            self.sql, [self.params(row) for row in rows], read=read, prepare=not self.plan_each_run
        )

    def params(self, row: dict[str, Any]) -> Any:
        if self.pick is None:
            if self.processors:
                row = {**row, **{name: process(row[name]) for name, process in self.processors}}
            return row
        values = self.pick(row)
        if self.processed:
            values = list(values)
            for i, process in self.processed:
                values[i] = process(values[i])
        return values


_NUMBERED: dict[type[Dialect], Dialect] = {}


def _numbered(dialect: Dialect) -> Dialect:
    """The PostgreSQL dialect compiling parameters as ``$1::TYPE`` (libpq's own form)."""
    found = _NUMBERED.get(type(dialect))
    if found is None:
        found = _NUMBERED[type(dialect)] = type(dialect)(paramstyle="numeric_dollar")  # type: ignore[call-arg]
    return found


_PREFETCHED = "sc_prefetched"


def _read_key(prepared: Prepared, params: dict[str, Any]) -> tuple[Any, ...]:
    return (id(prepared), *((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


def prefetch(conn: Connection, reads: Iterable[tuple[Prepared, dict[str, Any]] | None]) -> None:
    """Run these :class:`Prepared` reads now, together: on PostgreSQL one round trip for all of
    them. A later :func:`fetch` of the same statement with the same parameters, in the same
    transaction and before any write is sent, takes its rows from here (once) instead of asking
    again; one that differs reads as usual, so a read-ahead can only save, never change, a result.
    Elsewhere (SQLite: no round trips to save) nothing is done."""
    wanted = [read for read in reads if read is not None]
    if not is_postgres(conn) or len(wanted) < 2:
        return
    steps = []
    for prepared, params in wanted:
        form = prepared.form(conn.dialect, tuple(params))
        steps.append(form.step([params], read=True))
    with _driver_errors(conn, steps[0].sql):
        pg_pipeline.run(conn.connection.driver_connection, steps)  # type: ignore[arg-type]
    store = conn.info.setdefault(_PREFETCHED, {})
    for (prepared, params), step in zip(wanted, steps, strict=True):
        store[_read_key(prepared, params)] = (step.names, step.result)


def _forget_prefetched(conn: Connection) -> None:
    conn.info.pop(_PREFETCHED, None)


def fetch(conn: Connection, prepared: Prepared, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a :class:`Prepared` read, each a dict by column name, read on the driver
    itself (the column types' result processing applied, as SQLAlchemy would), or read ahead by
    :func:`prefetch`."""
    form = prepared.form(conn.dialect, tuple(params))
    driver = conn.connection.driver_connection
    ahead = conn.info.get(_PREFETCHED)
    if ahead and (found := ahead.pop(_read_key(prepared, params), None)) is not None:
        names, rows = found
    elif is_postgres(conn):
        read = form.step([params], read=True)
        with _driver_errors(conn, form.sql, params):
            pg_pipeline.run(driver, [read])  # type: ignore[arg-type]
        names, rows = read.names, read.result
    else:
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            with _driver_errors(conn, form.sql, params):
                cursor.execute(form.sql, form.params(params))
                names = [column[0] for column in cursor.description]
                rows = cursor.fetchall()
        finally:
            cursor.close()
    if form.results:
        pairs = list(zip(names, form.results, strict=True))
        return [
            {
                name: (value if process is None else process(value))
                for (name, process), value in zip(pairs, row, strict=True)
            }
            for row in rows
        ]
    return [dict(zip(names, row, strict=True)) for row in rows]


def _driver_error(conn: Connection) -> type[Exception]:
    module = conn.dialect.loaded_dbapi
    return module.Error  # type: ignore[no-any-return,unused-ignore]


@contextmanager
def _driver_errors(conn: Connection, statement: str, params: Any = None) -> Iterator[None]:
    """The driver's own errors of the block raised as SQLAlchemy would raise them (IntegrityError,
    OperationalError, ...), so that run_write retries a unique race or a deadlock exactly as for
    any statement run through SQLAlchemy."""
    error = _driver_error(conn)
    try:
        yield
    except error as exc:
        raise DBAPIError.instance(statement, params, exc, error) from exc


def _run_prepared(conn: Connection, cursor: Any, prepared: Prepared, rows: list[dict[str, Any]]) -> None:
    form = prepared.form(conn.dialect, tuple(rows[0]))
    params = [form.params(row) for row in rows]
    with _driver_errors(conn, form.sql, params):
        cursor.executemany(form.sql, params)


_WRITE_TX = "sc_write_transaction"


def first_row(conn: Connection, prepared: Prepared, params: dict[str, Any]) -> Any:
    """The first row of the read that opens a :func:`write_transaction` (None if there is none).

    On PostgreSQL the read goes out with the transaction's BEGIN in one round trip: psycopg
    would send the BEGIN by itself and wait for it, a whole round trip per request. The
    connection runs in autocommit with the transaction opened explicitly, so psycopg adds no
    BEGIN of its own; :func:`write_transaction` turns autocommit off again once it has ended.
    Elsewhere (SQLite, a transaction already under way) a plain SQLAlchemy read.
    """
    if not is_postgres(conn) or not conn.info.get(_WRITE_TX):
        return conn.execute(prepared.statement, params).first()
    from psycopg.pq import TransactionStatus

    driver = conn.connection.driver_connection
    if driver.pgconn.transaction_status != TransactionStatus.IDLE:  # type: ignore[union-attr]
        return conn.execute(prepared.statement, params).first()
    form = prepared.form(conn.dialect, tuple(params))
    driver.autocommit = True  # type: ignore[union-attr]
    read = form.step([params], read=True)
    with _driver_errors(conn, form.sql, params):
        pg_pipeline.run(driver, [pg_pipeline.Step("BEGIN", prepare=False), read])  # type: ignore[arg-type]
    if not read.result:
        return None
    return _row_type(tuple(read.names))(*_processed(form, read.result[0]))


def _processed(form: _Form, row: tuple[Any, ...]) -> tuple[Any, ...]:
    if not form.results:
        return row
    return tuple(v if p is None else p(v) for p, v in zip(form.results, row, strict=True))


_ROW_TYPES: dict[tuple[str, ...], Any] = {}


def _row_type(names: tuple[str, ...]) -> Any:
    found = _ROW_TYPES.get(names)
    if found is None:
        found = _ROW_TYPES[names] = namedtuple("Row", names)
    return found


def _autocommit_off(conn: Connection) -> None:
    """Undo :func:`first_row`'s autocommit once the transaction has ended."""
    if conn.invalidated or conn.closed:
        return
    driver = conn.connection.driver_connection
    if not driver.autocommit:  # type: ignore[union-attr]
        return
    try:
        driver.autocommit = False  # type: ignore[union-attr]
    except _driver_error(conn):  # still in a transaction (a failed rollback): not reusable
        conn.invalidate()


_DEFERRED = "sc_deferred_writes"


@contextmanager
def deferred_writes(conn: Connection, *, commit: bool = False) -> Iterator[None]:
    """Hold back the writes made through :func:`write` (and so :func:`bulk_insert` below the COPY
    size) in this block, and send them together when it ends: on PostgreSQL in one pipeline
    (:mod:`supervision_server.pg_pipeline`: one write of the socket and one round trip for all
    of them instead of one each); elsewhere in order.

    Only for writes that nothing later in the block reads back: they reach the database at its
    end. An error of any of them (a unique race, a deadlock) is raised there, as the
    SQLAlchemy error ``run_write`` retries on. ``commit``: the block ends its transaction, and on
    PostgreSQL the COMMIT goes in the same round trip (the caller runs nothing after it;
    SQLAlchemy's own commit then finds the transaction done and sends nothing).
    """
    pending: list[tuple[Any, Any]] = []
    conn.info[_DEFERRED] = pending
    try:
        yield
    finally:
        conn.info.pop(_DEFERRED, None)
    _send(conn, pending, commit)


def flush_writes(conn: Connection) -> None:
    """Send what :func:`deferred_writes` holds back so far, now (for code that must read it)."""
    pending = conn.info.get(_DEFERRED)
    if pending:
        _send(conn, list(pending), False)
        pending.clear()


def _send(conn: Connection, pending: list[tuple[Any, Any]], commit: bool) -> None:
    _forget_prefetched(conn)  # what was read ahead may be what these writes change
    postgres = is_postgres(conn)
    if not pending and not (commit and postgres):
        return
    if postgres:
        _send_postgres(conn, pending, commit)
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for statement, rows in pending:
            if isinstance(statement, Prepared):
                _run_prepared(conn, cursor, statement, rows if isinstance(rows, list) else [rows])
            else:
                conn.execute(statement, rows)
    finally:
        cursor.close()


def _send_postgres(conn: Connection, pending: list[tuple[Any, Any]], commit: bool) -> None:
    """The writes in order, each run of :class:`Prepared` ones (and the COMMIT) in one pipeline;
    a plain SQLAlchemy statement between them goes on its own."""
    steps: list[pg_pipeline.Step] = []
    driver = conn.connection.driver_connection

    def flush() -> None:
        if steps:
            # A write's error surfaces when its pipeline is read: raised as SQLAlchemy's.
            with _driver_errors(conn, steps[0].sql):
                pg_pipeline.run(driver, steps)  # type: ignore[arg-type]
            steps.clear()

    for statement, rows in pending:
        if isinstance(statement, Prepared):
            rows = rows if isinstance(rows, list) else [rows]
            form = statement.form(conn.dialect, tuple(rows[0]))
            steps.append(form.step(rows))
        else:
            flush()
            # inline(): no RETURNING of the new key.
            conn.execute(statement.inline() if isinstance(statement, Insert) else statement, rows)
    if commit:
        steps.append(pg_pipeline.Step("COMMIT", prepare=False))
    flush()


def write(conn: Connection, statement: Any, rows: Any = None) -> None:
    """Execute an INSERT or UPDATE (or a :class:`Prepared` one) now, or at the end of the
    enclosing :func:`deferred_writes`."""
    pending = conn.info.get(_DEFERRED)
    if pending is not None:
        pending.append((statement, rows))
    elif isinstance(statement, Prepared):
        _send(conn, [(statement, rows)], False)
    else:
        _forget_prefetched(conn)
        conn.execute(statement, rows)


def insert_returning(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` (all with the same keys) and return the new primary keys, in order.

    PostgreSQL: one prepared single-row INSERT ... RETURNING per row, all in one pipeline (one
    round trip; SQLAlchemy's multi-row form would have the server parse a statement of thousands
    of parameters on every call). SQLite: SQLAlchemy's multi-row INSERT ... RETURNING.
    """
    if not rows:
        return []
    (key,) = table.primary_key.columns
    if not is_postgres(conn):
        statement = table.insert().returning(key, sort_by_parameter_order=True)
        return list(conn.execute(statement, rows).scalars())
    prepared = _RETURNING.get(table)
    if prepared is None:
        prepared = _RETURNING[table] = Prepared(table.insert().returning(key))
    form = prepared.form(conn.dialect, tuple(rows[0]))
    inserts = form.step(rows, read=True)
    with _driver_errors(conn, form.sql):
        pg_pipeline.run(conn.connection.driver_connection, [inserts])  # type: ignore[arg-type]
    return [row[0] for row in inserts.result]


_RETURNING: dict[Table, Prepared] = {}
_INSERTS: dict[Table, Prepared] = {}


def prepared_insert(table: Table) -> Prepared:
    """``table``'s INSERT as a :class:`Prepared` statement (one per table)."""
    found = _INSERTS.get(table)
    if found is None:
        found = _INSERTS[table] = Prepared(table.insert())
    return found


# From this many rows on, PostgreSQL inserts go through COPY.
COPY_FROM_ROWS = 64


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) in the caller's transaction.

    PostgreSQL gets one ``COPY ... FROM STDIN`` for a large batch, about twice as fast as a
    pipelined executemany for a batch of events; constraints and the transaction apply as for
    INSERT. A COPY costs two round trips, so a few rows (what a window online sends) go as a
    :class:`Prepared` INSERT, executed once per row in the transaction's pipeline of writes (one
    round trip for all of them). Elsewhere an executemany INSERT.
    """
    if not rows:
        return
    if not is_postgres(conn) or len(rows) < COPY_FROM_ROWS:
        write(conn, prepared_insert(table), rows)
        return
    _forget_prefetched(conn)
    columns = list(rows[0])
    driver = conn.connection.driver_connection
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with _driver_errors(conn, statement), driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row([row[c] for c in columns])

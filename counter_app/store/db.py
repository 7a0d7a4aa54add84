"""The SQLite engine: WAL, synchronous=FULL, foreign keys, busy timeout, BEGIN IMMEDIATE.

pysqlite opens transactions lazily and only before DML, which lets a read-then-write race
another writer. We switch its implicit handling off and issue ``BEGIN IMMEDIATE`` ourselves, so
a unit of work holds the write lock from its first statement (the recipe in SQLAlchemy's
pysqlite documentation).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 10_000


def open_engine(path: Path | str, *, pool_size: int = 2) -> Engine:
    """An engine on the SQLite file at ``path`` with the hall's durability settings."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=2,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Readers take a deferred transaction (a consistent snapshot, no write lock).
        driver = conn.connection.driver_connection
        if driver.in_transaction:
            return  # a unit of work began it on the driver: SQLAlchemy's transaction is that one
        run_on_driver(driver, f"BEGIN {conn.get_execution_options().get('sqlite_begin', 'IMMEDIATE')}")

    return engine


def run_on_driver(driver: sqlite3.Connection, statement: str) -> None:
    """BEGIN, COMMIT or ROLLBACK straight on the DBAPI connection (through exec_driver_sql or a
    SQLAlchemy transaction each costs some 10-20 µs of bookkeeping, on every unit of work, for a
    statement with no parameters and no result); an error is raised as SQLAlchemy's own."""
    try:
        driver.execute(statement)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, (), exc, sqlite3.Error) from exc


def integrity_check(engine: Engine) -> str:
    """``PRAGMA integrity_check``: 'ok' or the first problems SQLite reports."""
    with engine.connect() as conn:
        rows = conn.execute(text("PRAGMA integrity_check")).scalars().all()
        conn.rollback()
    return "\n".join(str(r) for r in rows)

"""Statements of the intake hot path, compiled once from the table definitions.

``conn.execute(table.insert().values(...))`` builds a new statement object, computes its cache
key and looks up its compiled form on every call (about 70 µs), and even
``Connection.exec_driver_sql`` costs some 20 µs of bookkeeping a statement; a case takes a dozen.
A :class:`Prepared` statement is compiled once, at import, by SQLAlchemy Core from the same
``schema`` tables, and runs on the DBAPI cursor of the caller's connection, inside the
transaction that connection holds (a read connection begins its deferred one first): same SQL,
same transaction, no per-call compilation or result wrapping. Only plain TEXT and INTEGER columns
go through it (no type processing is skipped); a database error is raised as SQLAlchemy's own.

A unit of work's statements may also run on its ``driver``, the DBAPI connection under its
SQLAlchemy connection, whose transaction it holds from its start: that skips the five property
lookups of finding the driver again for each statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable

_DIALECT = sqlite.dialect(paramstyle="qmark")

Executor = Connection | sqlite3.Connection
"""Where a statement runs: a SQLAlchemy connection (begun if it is not), or the DBAPI connection
of a unit of work (already in its transaction)."""


class Prepared:
    """One SQL statement compiled for the store's SQLite dialect, run with named parameters."""

    def __init__(self, statement: Executable) -> None:
        compiled = statement.compile(dialect=_DIALECT)  # type: ignore[attr-defined]
        self.sql: str = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self._fixed: dict[str, Any] = dict(compiled.params)  # values bound in the statement (LIMIT 1)

    def run(self, conn: Executor, params: Mapping[str, Any] | None = None) -> sqlite3.Cursor:
        """Execute on ``conn`` (in its transaction) with ``params`` by name; the DBAPI cursor."""
        given = params or {}
        fixed = self._fixed
        values = tuple([given[n] if n in given else fixed[n] for n in self.names])
        if isinstance(conn, sqlite3.Connection):
            driver = conn
        else:
            if not conn.in_transaction():
                conn.begin()  # the engine's begin event issues BEGIN (DEFERRED for a read connection)
            found = conn.connection.driver_connection
            assert isinstance(found, sqlite3.Connection)
            driver = found
        try:
            return driver.execute(self.sql, values)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(self.sql, values, exc, sqlite3.Error) from exc

    def first(self, conn: Executor, params: Mapping[str, Any] | None = None) -> Any:
        """The first row (a tuple), or None."""
        return self.run(conn, params).fetchone()

    def scalar(self, conn: Executor, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self.first(conn, params)
        return None if row is None else row[0]

    def all(self, conn: Executor, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row (tuples)."""
        return self.run(conn, params).fetchall()


def insert(table: Table, columns: Sequence[str] | None = None) -> Prepared:
    """``INSERT INTO table (columns) VALUES (...)``; every column unless ``columns`` names some."""
    names = list(columns) if columns is not None else [c.name for c in table.columns]
    return Prepared(table.insert().values({n: bindparam(n) for n in names}))


def select_where(table: Table, columns: Sequence[str], key: str) -> Prepared:
    """``SELECT columns FROM table WHERE key = :key``."""
    return Prepared(select(*(table.c[n] for n in columns)).where(table.c[key] == bindparam(key)))

"""Statements of the intake hot path, compiled once from the table definitions.

``conn.execute(table.insert().values(...))`` builds a new statement object, computes its cache
key and looks up its compiled form on every call: about 70 µs each, and a case takes a dozen
statements. A :class:`Prepared` statement is compiled once, at import, from the same
``schema`` tables, and runs through ``Connection.exec_driver_sql`` with its parameters in
compiled order: same SQL, same connection and transaction, same engine events, no per-call
compilation. Only plain TEXT and INTEGER columns go through it (no type processing is skipped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, Table, bindparam, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.expression import Executable

_DIALECT = sqlite.dialect(paramstyle="qmark")


class Prepared:
    """One SQL statement compiled for the store's SQLite dialect, run with named parameters."""

    def __init__(self, statement: Executable) -> None:
        compiled = statement.compile(dialect=_DIALECT)  # type: ignore[attr-defined]
        self.sql: str = compiled.string
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self._fixed: dict[str, Any] = dict(compiled.params)  # values bound in the statement (LIMIT 1)

    def run(
        self, conn: Connection, params: Mapping[str, Any] | None = None
    ) -> CursorResult[*tuple[Any, ...]]:
        """Execute on ``conn`` (in its transaction) with ``params`` by name."""
        given = params or {}
        fixed = self._fixed
        values = tuple(given[n] if n in given else fixed[n] for n in self.names)
        return conn.exec_driver_sql(self.sql, values)


def insert(table: Table, columns: Sequence[str] | None = None) -> Prepared:
    """``INSERT INTO table (columns) VALUES (...)``; every column unless ``columns`` names some."""
    names = list(columns) if columns is not None else [c.name for c in table.columns]
    return Prepared(table.insert().values({n: bindparam(n) for n in names}))


def select_where(table: Table, columns: Sequence[str], key: str) -> Prepared:
    """``SELECT columns FROM table WHERE key = :key``."""
    return Prepared(select(*(table.c[n] for n in columns)).where(table.c[key] == bindparam(key)))

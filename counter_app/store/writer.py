"""The connection a store's units of work use one after the other.

Checking a connection out of SQLAlchemy's pool and back in, with a new ``Connection`` around it,
costs some 40 µs of Python for each unit of work, near a tenth of the CPU of accepting a case.
A window writes from one thread at a time, so its units of work share one connection,
kept open between them (idle: no transaction, no lock, no snapshot held). A unit of work that
finds it in use (another thread's, or one nested inside another) takes a pooled connection as
before: it then waits for SQLite's write lock exactly as it always did.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection, Engine


class SharedWriter:
    """One SQLAlchemy connection lent to one unit of work at a time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._conn: Connection | None = None

    def take(self) -> Connection | None:
        """The shared connection, now this caller's until :meth:`give_back`; None if in use."""
        if not self._lock.acquire(blocking=False):
            return None
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            try:
                conn = self._conn = self._engine.connect()
            except BaseException:
                self._lock.release()
                raise
        return conn

    def give_back(self, *, broken: bool = False) -> None:
        """Lend it again; ``broken`` closes it first (a failed BEGIN or ROLLBACK), the next
        unit of work then opens a fresh one."""
        try:
            if broken and self._conn is not None:
                conn, self._conn = self._conn, None
                conn.close()
        finally:
            self._lock.release()

    def close(self) -> None:
        """Return the connection to the pool, unless a unit of work holds it right now."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                conn.close()
        finally:
            self._lock.release()

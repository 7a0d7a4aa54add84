"""The store and its unit of work: one write transaction, rolled back unless committed."""

from __future__ import annotations

import json
import sqlite3
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, select

from counter_app.ledger import DeviceKey
from counter_app.store import prepared, schema
from counter_app.store.datadir import DataDir, NotInitialised
from counter_app.store.db import open_engine, run_on_driver
from counter_app.store.ledger_store import LedgerWriter
from counter_app.store.migrations import migrate
from counter_app.store.writer import SharedWriter

__all__ = ["NotInitialised", "Store", "UnitOfWork"]


class Store:
    """A counter's database and device key; hands out units of work."""

    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        data_dir.prepare()
        self.engine: Engine = open_engine(data_dir.db_path)
        migrate(self.engine)
        self.key = DeviceKey.load_or_create(data_dir.key_path)
        self.writer = SharedWriter(self.engine)  # idle between units of work; close() returns it

    def close(self) -> None:
        """Release the database connections (the store opens new ones if used again)."""
        self.writer.close()
        self.engine.dispose()

    def settings(self) -> dict[str, str]:
        """All device settings (device_id, hall_code, window_no, ...)."""
        with self.read() as conn:
            rows = conn.execute(select(schema.settings)).all()
        return {r.key: r.value for r in rows}

    def device_id(self) -> str:
        """This device's id; NotInitialised before ``init``."""
        value = self.settings().get("device_id")
        if not value:
            raise NotInitialised("数据目录尚未初始化，请先运行 counter init")
        return value

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work; use it as a context manager and call ``commit()``."""
        return UnitOfWork(self)

    def read(self) -> Connection:
        """A connection for reading; the caller closes it (``with store.read() as conn``).

        Its transaction is deferred: a snapshot that never holds the write lock.
        """
        return self.engine.connect().execution_options(sqlite_begin="DEFERRED")


_SETTINGS = prepared.Prepared(select(schema.settings.c.key, schema.settings.c.value))


class UnitOfWork:
    """One BEGIN IMMEDIATE transaction with the ledger writer bound to it.

    The transaction is begun and ended on the DBAPI connection; a statement run through
    SQLAlchemy (``conn.execute``) joins it, and SQLAlchemy then ends it.

    Leaving the ``with`` block without ``commit()`` (by return or by exception) rolls back, so
    a state change and its event are stored together or not at all.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self.conn: Connection
        self.driver: sqlite3.Connection  # the DBAPI connection under ``conn``, for prepared statements
        self.ledger: LedgerWriter
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        shared = self._store.writer.take()
        self._shared = shared is not None
        self.conn = shared if shared is not None else self._store.engine.connect()
        try:
            driver = self.conn.connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            self.driver = driver
            run_on_driver(driver, "BEGIN IMMEDIATE")
            settings: dict[str, str] = {str(k): str(v) for k, v in _SETTINGS.all(driver)}
        except BaseException:
            self._release(broken=True)
            raise
        self.settings = settings
        offset = settings.get("clock_offset_ms")
        self.ledger = LedgerWriter(
            driver,
            self._store.key,
            settings.get("device_id", ""),
            int(offset) if offset not in (None, "") else None,
        )
        return self

    def commit(self) -> None:
        """Make everything done in this unit of work durable."""
        if self.conn.in_transaction():  # SQLAlchemy joined the transaction: it ends it
            self.conn.commit()
        else:
            run_on_driver(self.driver, "COMMIT")
        self._committed = True

    def put_setting(self, key: str, value: Any) -> None:
        """Insert or replace one device setting."""
        text = value if isinstance(value, str) else json.dumps(value)
        self.conn.execute(schema.settings.delete().where(schema.settings.c.key == key))
        self.conn.execute(schema.settings.insert().values(key=key, value=text))
        self.settings[key] = text
        if key == "device_id":
            self.ledger.device_id = text

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        broken = True
        try:
            if self.conn.in_transaction():
                self.conn.rollback()
            elif self.driver.in_transaction:
                run_on_driver(self.driver, "ROLLBACK")
            broken = False
        finally:
            self._release(broken)

    def _release(self, broken: bool) -> None:
        if self._shared:
            self._store.writer.give_back(broken=broken)
        else:
            self.conn.close()

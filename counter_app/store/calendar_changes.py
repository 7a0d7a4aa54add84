"""A count of the changes to what the hall calendar is built from, kept by SQLite itself.

The calendar is built from the ``calendar_days`` rows, the server's calendar in ``documents``
and the official years in ``settings``. Triggers on those tables add one to ``calendar_changes.n``
in the same transaction as any change to them (by this program, another process, or an
administrator's SQL), so the built calendar can be kept under ``(token, n)`` and read back with
one cheap statement instead of the tables' whole content. ``token`` is random per database: two
databases open in one process never share an entry. (A hand that drops the triggers first is
not followed until the program restarts.)
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from counter_app.store.prepared import Executor, Prepared

CALENDAR_DOC = "calendar"  # the server's calendar in ``documents``, as cached by counter_app.sync
OFFICIAL_YEARS_KEY = "calendar_official_years"  # the setting listing the years with official data

TABLE = "calendar_changes"

# (table, condition on a row) for each source of the calendar
_SOURCES = (
    ("calendar_days", "1"),
    ("documents", f"{{row}}.name = '{CALENDAR_DOC}'"),
    ("settings", f"{{row}}.key = '{OFFICIAL_YEARS_KEY}'"),
)


def install(conn: Connection) -> None:
    """Create the counter and its triggers (a schema migration's step)."""
    conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {TABLE} (token TEXT NOT NULL, n INTEGER NOT NULL)")
    conn.exec_driver_sql(
        f"INSERT INTO {TABLE} (token, n) SELECT lower(hex(randomblob(16))), 0"
        f" WHERE NOT EXISTS (SELECT 1 FROM {TABLE})"
    )
    for table, condition in _SOURCES:
        rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}
        for op, names in rows.items():
            when = " OR ".join(condition.format(row=name) for name in names)
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {table}_{op.lower()}_counted AFTER {op} ON {table}"
                f" WHEN {when} BEGIN UPDATE {TABLE} SET n = n + 1; END"
            )


_STATE = Prepared(text(f"SELECT token, n FROM {TABLE}"))


def state(conn: Executor) -> tuple[str, int]:
    """This database's token and its count of calendar changes, as of ``conn``'s transaction."""
    token, n = _STATE.first(conn)
    return str(token), int(n)

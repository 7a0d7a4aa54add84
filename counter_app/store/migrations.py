"""Schema versions, applied in order at start-up inside one transaction each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select

from counter_app.store import calendar_changes, schema, search_index

Migration = Callable[[Connection], None]


def _v1_initial(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[t for t in schema.metadata.sorted_tables])
    for table in schema.APPEND_ONLY_TABLES:
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"
            )


def _v2_search_index(conn: Connection) -> None:
    """Search by any part of a name, and cases of a matter newest first."""
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_cases_task_code ON cases (task_code, received_at)")
    search_index.rebuild(conn)


def _v3_leaner_intake(conn: Connection) -> None:
    """What accepting a case reads and writes beyond its rows, made smaller.

    The intake is read from the case's signed ``case.received`` event, not from a copy in
    ``cases`` (hundreds of bytes a case, written twice): the copy in a database made before is
    dropped; it equals that event's payload, which ``verify`` checked against it. And the
    calendar's sources count their changes (:mod:`calendar_changes`), so that the calendar's
    state is one small row rather than the whole table on every acceptance.
    """
    columns = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(cases)")}
    if "intake" in columns:  # a file created at version 1 or 2 (newer ones never had it)
        conn.exec_driver_sql("ALTER TABLE cases DROP COLUMN intake")
    calendar_changes.install(conn)


MIGRATIONS: list[tuple[int, Migration]] = [
    (1, _v1_initial),
    (2, _v2_search_index),
    (3, _v3_leaner_intake),
]
LATEST = MIGRATIONS[-1][0]


def current_version(engine: Engine) -> int:
    """The schema version of the database, 0 for an empty file."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("schema_version"):
            return 0
        versions = conn.execute(select(schema.schema_version.c.version)).scalars().all()
        return max(versions, default=0)


def migrate(engine: Engine) -> int:
    """Bring the database to the latest version; returns the version reached.

    A database newer than this program is refused rather than guessed at.
    """
    version = current_version(engine)
    if version > LATEST:
        raise RuntimeError(f"数据库版本 {version} 高于程序支持的版本 {LATEST}，请升级程序")
    for number, step in MIGRATIONS:
        if number <= version:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(
                schema.schema_version.insert().values(
                    version=number, applied_at=datetime.now(UTC).isoformat(timespec="seconds")
                )
            )
    return LATEST

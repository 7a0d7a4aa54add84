"""Schema versions, applied in order at start-up, each step in its own transaction.

``schema_version`` records every applied step. Two servers starting at once are serialised by
the write lock on SQLite and by a transaction-scoped advisory lock on PostgreSQL, and each step
re-reads the version inside its transaction, so a step never runs twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, func, insert, inspect, select

from supervision_server import schema
from supervision_server.case_authority import backfill_holders
from supervision_server.db import is_postgres, write_transaction
from supervision_server.queue_schema import QUEUE_TABLES
from supervision_server.rules_schema import RULES_TABLES, rule_progress

Migration = Callable[[Connection], None]

# Any constant will do: it only has to be the same for every server process.
_PG_MIGRATION_LOCK = 0x5C_5E_17


def _insert_only_triggers(conn: Connection, tables: tuple[str, ...]) -> None:
    """Make ``tables`` refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL)."""
    if is_postgres(conn):
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION sc_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            # %% because the driver sees placeholders in any statement sent with parameters.
            "BEGIN RAISE EXCEPTION 'table %% is insert-only: %% refused', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        )
        for table in tables:
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sc_refuse_change()"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION sc_refuse_change()"
            )
        return
    for table in tables:
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is insert-only: {op} refused'); END"
            )


def _v1_initial(conn: Connection) -> None:
    later = {
        schema.schema_version,
        *QUEUE_TABLES,
        *RULES_TABLES,
        schema.case_holders,
        schema.ledger_holes,
        schema.clerk_roster,
    }
    tables = [t for t in schema.metadata.sorted_tables if t not in later]
    schema.metadata.create_all(conn, tables=tables)
    _insert_only_triggers(conn, tuple(t for t in schema.INSERT_ONLY_TABLES if t != "clerk_roster"))


def _v2_queue(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=list(QUEUE_TABLES))


def _v4_case_authority(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.case_holders])
    # Cases already held were received by their devices and never handed over.
    backfill_holders(conn)


def _v5_ledger_holes(conn: Connection) -> None:
    schema.ledger_holes.create(conn, checkfirst=True)


def _add_missing(conn: Connection, tables: list[Table], columns: list[Column[Any]]) -> None:
    """Create ``tables`` and add ``columns`` that are not there yet.

    A database created at this version may already have them (step 1 builds its tables from the
    current definitions), so each step that adds tables or columns adds only what is missing, and
    makes a table it created insert-only when the schema says so.
    """
    inspector = inspect(conn)
    for table in tables:
        if inspector.has_table(table.name):
            continue
        table.create(conn)
        if table.name in schema.INSERT_ONLY_TABLES:
            _insert_only_triggers(conn, (table.name,))
    for column in columns:
        table_name = column.table.name
        if column.name in {c["name"] for c in inspector.get_columns(table_name)}:
            continue
        kind = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {column.name} {kind}")


def _v3_identity(conn: Connection) -> None:
    _add_missing(
        conn,
        [schema.alert_closings, schema.server_keys],
        [
            schema.enroll_codes.c.device_id,
            schema.devices.c.heartbeat_counter,
            schema.devices.c.silent_alert_id,
        ],
    )


def _v6_clerk_roster(conn: Connection) -> None:
    _add_missing(conn, [schema.clerk_roster], [])


def _v7_rules(conn: Connection) -> None:
    """Alert occurrences and steps, department registers (insert-only), alert subjects."""
    existing = set(inspect(conn).get_table_names())
    created = tuple(t.name for t in RULES_TABLES if t.name not in existing)
    _add_missing(
        conn,
        list(RULES_TABLES),
        [schema.alerts.c.window_no, schema.alerts.c.clerk_id, schema.alerts.c.dept_code],
    )
    _insert_only_triggers(conn, created)


def _v8_assessment_index(conn: Connection) -> None:
    # The assessment reads a period's events of a few types (tickets ended, ratings, pauses).
    if "ix_events_type_occurred" not in {i["name"] for i in inspect(conn).get_indexes("events")}:
        schema.events_type_occurred.create(conn)


def _v9_device_roles(conn: Connection) -> None:
    """A role on every device and enrollment code; devices enrolled before roles are windows."""
    inspector = inspect(conn)
    for table in (schema.enroll_codes, schema.devices):
        if "role" not in {c["name"] for c in inspector.get_columns(table.name)}:
            conn.exec_driver_sql(
                f"ALTER TABLE {table.name} ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'window'"
            )


def _v10_rule_progress(conn: Connection) -> None:
    """The ingest rules' own cursor; every batch stored before it was checked in its request."""
    _add_missing(conn, [rule_progress], [])
    conn.execute(
        insert(rule_progress).from_select(
            ["device_id", "checked_seq"],
            select(schema.devices.c.device_id, schema.devices.c.main_seq).where(
                schema.devices.c.device_id.not_in(select(rule_progress.c.device_id))
            ),
        )
    )


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "initial schema: devices, events, forks, alerts, documents, read models", _v1_initial),
    (2, "live hall queue: tickets, windows, serials, operations", _v2_queue),
    # Before the case holders: their backfill reads the devices table with its new columns.
    (3, "re-enrollment codes, heartbeat counters, silent windows, server key record", _v3_identity),
    (4, "case holders: who may record events about each case", _v4_case_authority),
    (5, "ledger holes reported by devices and accepted by an administrator", _v5_ledger_holes),
    (6, "clerk roster: versioned, insert-only entries with argon2 password hashes", _v6_clerk_roster),
    (7, "supervision rules: alert occurrences and steps, department registers", _v7_rules),
    (8, "events by type and device time, for the assessment", _v8_assessment_index),
    (9, "device roles: a window or a ticket kiosk, on devices and enrollment codes", _v9_device_roles),
    (10, "the ingest rules' cursor per device: rules run after the request", _v10_rule_progress),
]
LATEST = MIGRATIONS[-1][0]


def _version_in(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    return int(conn.execute(select(func.coalesce(func.max(schema.schema_version.c.version), 0))).scalar_one())


def current_version(engine: Engine) -> int:
    """The schema version of the database, 0 when it is empty."""
    with engine.connect() as conn:
        version = _version_in(conn)
        conn.rollback()
        return version


def migrate(engine: Engine) -> int:
    """Bring the database to :data:`LATEST`; returns the version reached.

    A database newer than this program is refused rather than guessed at.
    """
    for number, description, step in MIGRATIONS:
        with write_transaction(engine) as conn:
            if is_postgres(conn):
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            schema.schema_version.create(conn, checkfirst=True)
            version = _version_in(conn)
            if version > LATEST:
                raise RuntimeError(
                    f"数据库结构版本 {version} 高于本程序支持的版本 {LATEST}，请升级服务器程序"
                )
            if version >= number:
                continue
            step(conn)
            conn.execute(
                schema.schema_version.insert().values(
                    version=number,
                    description=description,
                    applied_at=datetime.now(UTC).isoformat(timespec="microseconds"),
                )
            )
    return LATEST

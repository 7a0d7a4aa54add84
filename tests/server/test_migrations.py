"""Migration 2 brings a database made by version 1 up to date, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from supervision_server import schema
from supervision_server.db import make_engine, write_transaction
from supervision_server.migrations import LATEST, MIGRATIONS, current_version, migrate
from tests.pg import fresh_database, require_postgres

NEW_TABLES = ("alert_closings", "server_keys")
NEW_COLUMNS = {
    "devices": ("heartbeat_counter", "silent_alert_id", "role"),  # role: step 9
    "enroll_codes": ("device_id", "role"),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'old.db'}"
        return
    require_postgres()
    with fresh_database("sc_mig") as url:
        yield url


def make_version_1(url: str) -> None:
    """A database as version 1 left it: step 1 ran, without the tables and columns of step 2."""
    engine = make_engine(url)
    try:
        with write_transaction(engine) as conn:
            schema.schema_version.create(conn)
            MIGRATIONS[0][2](conn)
            for table in NEW_TABLES:
                conn.exec_driver_sql(f"DROP TABLE {table}")
            for table, columns in NEW_COLUMNS.items():
                for column in columns:
                    conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
            conn.exec_driver_sql("DROP INDEX ix_events_type_occurred")  # added by step 8
            conn.execute(schema.schema_version.insert().values(version=1, description="v1", applied_at="x"))
            conn.exec_driver_sql(
                "INSERT INTO devices (device_id, public_key, hall_code, window_no, device_info, enrolled_at, "
                "main_seq, main_hash, head_seq, head_hash, forked, withholding_alerted) VALUES "
                f"('dev-old', 'k', 'H1', 3, '{{}}', 't', 0, '{'0' * 64}', 0, '{'0' * 64}', false, false)"
            )
    finally:
        engine.dispose()


def test_version_1_is_brought_up_to_date_and_keeps_its_rows(empty_database: str) -> None:
    make_version_1(empty_database)
    engine = make_engine(empty_database)
    try:
        assert current_version(engine) == 1
        assert migrate(engine) == LATEST and migrate(engine) == LATEST
        inspector = inspect(engine)
        assert all(inspector.has_table(t) for t in NEW_TABLES)
        for table, columns in NEW_COLUMNS.items():
            assert set(columns) <= {c["name"] for c in inspector.get_columns(table)}
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("events")}
        assert indexes["ix_events_type_occurred"] == ["type", "occurred_at"]
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT window_no, heartbeat_counter, silent_alert_id, role FROM devices")
            ).one()
            assert tuple(row) == (3, None, None, "window")  # enrolled before roles: a window
        with write_transaction(engine) as conn:
            conn.execute(schema.alert_closings.insert().values(alert_id=1, closed_at="t", note="n"))
        with pytest.raises(DBAPIError), write_transaction(engine) as conn:  # insert-only, like alerts
            conn.execute(text("UPDATE alert_closings SET note = 'changed'"))
    finally:
        engine.dispose()

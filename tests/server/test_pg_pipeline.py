"""Statements sent to PostgreSQL through libpq in one pipeline (``supervision_server.pg_pipeline``):
one burst of messages for all of them, each statement prepared once per connection, values and
errors as psycopg gives them, and a connection still whole after a failed pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors, pq

from supervision_server.pg_pipeline import Step, run
from tests.server.test_ingest_round_trips import _round_trips

pytestmark = pytest.mark.postgres

_INSERT = "INSERT INTO pipeline_items (name, n, flag) VALUES ($1::VARCHAR, $2::INTEGER, $3::BOOLEAN)"
_READ = "SELECT name, n, flag FROM pipeline_items WHERE name = ANY($1::VARCHAR[]) ORDER BY name"


@pytest.fixture
def driver(postgres_url: str) -> Iterator[psycopg.Connection[Any]]:
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("DROP TABLE IF EXISTS pipeline_items")
        conn.execute("CREATE TABLE pipeline_items (name VARCHAR PRIMARY KEY, n INTEGER, flag BOOLEAN)")
        yield conn
        conn.execute("DROP TABLE pipeline_items")


def _trace(conn: psycopg.Connection[Any], path: Path) -> Any:
    out = path.open("w")
    conn.pgconn.trace(out.fileno())
    conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
    return out


def test_every_statement_goes_in_one_burst_and_is_prepared_once(
    driver: psycopg.Connection[Any], tmp_path: Path
) -> None:
    out = _trace(driver, tmp_path / "first.txt")
    read = Step(_READ, [(["b", "a", "c"],)], read=True)
    run(
        driver,
        [
            Step("BEGIN", prepare=False),
            Step(_INSERT, [("a", 1, True), ("b", None, False), ("张丽", 2**31 - 1, None)]),
            read,
            Step("COMMIT", prepare=False),
        ],
    )
    driver.pgconn.untrace()
    out.close()
    trips = _round_trips((tmp_path / "first.txt").read_text())
    assert len(trips) == 1  # one write of the socket, then only the server's answers
    assert [m for m in trips[0] if m.startswith("Parse")] == [
        "Parse BEGIN",
        "Parse INSERT INTO pipeline_items",
        "Parse SELECT name, n,",
        "Parse COMMIT",
    ]
    # The rows read in the same pipeline see the inserts before them; values as psycopg loads them.
    assert read.names == ["name", "n", "flag"]
    assert read.result == [("a", 1, True), ("b", None, False)]

    out = _trace(driver, tmp_path / "again.txt")
    again = Step(_READ, [(["张丽"],)], read=True)
    run(driver, [again])
    driver.pgconn.untrace()
    out.close()
    trips = _round_trips((tmp_path / "again.txt").read_text())
    assert trips == [["Bind", "Describe", "Execute", "Sync"]]  # prepared before: no Parse
    assert again.result == [("张丽", 2**31 - 1, None)]


def test_an_error_stops_the_pipeline_and_the_connection_goes_on(driver: psycopg.Connection[Any]) -> None:
    run(driver, [Step(_INSERT, [("a", 1, True)])])
    with pytest.raises(errors.UniqueViolation):
        run(
            driver,
            [
                Step("BEGIN", prepare=False),
                Step(_INSERT, [("x", 1, True), ("a", 2, False)]),  # the second row collides
                Step("UPDATE pipeline_items SET n = n + $1::INTEGER", [(10,)]),  # never prepared
                Step("COMMIT", prepare=False),
            ],
        )
    assert driver.pgconn.transaction_status == pq.TransactionStatus.INERROR
    driver.execute("ROLLBACK")
    # The statement the error kept from being prepared is prepared on its next use.
    read = Step("SELECT name, n FROM pipeline_items ORDER BY name", read=True)
    run(driver, [Step("UPDATE pipeline_items SET n = n + $1::INTEGER", [(10,)]), read])
    assert read.result == [("a", 11)]


def test_statements_dropped_behind_its_back_are_prepared_again(driver: psycopg.Connection[Any]) -> None:
    run(driver, [Step(_INSERT, [("a", 1, True)])])
    driver.execute("DEALLOCATE ALL")
    with pytest.raises(errors.InvalidSqlStatementName):
        run(driver, [Step(_INSERT, [("b", 2, True)])])
    run(driver, [Step(_INSERT, [("b", 2, True)])])
    read = Step(_READ, [(["a", "b"],)], read=True)
    run(driver, [read])
    assert read.result == [("a", 1, True), ("b", 2, True)]

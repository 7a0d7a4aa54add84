"""Statements sent to PostgreSQL in one pipeline through libpq itself: one write of the socket
for all of them and one read of their results.

psycopg's own pipeline flushes the socket after every statement (each one a ``poll`` and a
``sendto``, and a wake-up of the server's backend for each) and runs a few generators of Python
per statement; on a window's small request that was most of the server's work. Here the
statements are queued with libpq (``PQsendQueryPrepared``), the pipeline is synced and flushed
once, and the results are read back together.

Each statement is prepared once per connection under a name of its own (``sc<n>``, apart from
psycopg's ``_pg3_<n>``) and its parameters go as text, so the server takes their types from the
statement (SQLAlchemy's PostgreSQL compiler casts every parameter: ``$1::VARCHAR``). Values are
adapted by psycopg's own Transformer, results loaded by it, and a statement's error is raised as
psycopg raises it, so callers see the same exceptions as from a cursor.

Only for a connection that nothing else is using meanwhile (the transaction's own).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from psycopg import Connection, errors, pq
from psycopg.adapt import PyFormat, Transformer
from psycopg.waiting import Ready, Wait

_ExecStatus = pq.ExecStatus
# Per connection: statement text -> the name it is prepared under on that connection's session.
_NAMES: weakref.WeakKeyDictionary[Connection[Any], dict[bytes, bytes]] = weakref.WeakKeyDictionary()


@dataclass
class Step:
    """One statement: run once per parameter tuple of ``rows`` (``[()]`` for none); with
    ``read`` its result rows are kept. ``prepare`` False sends it unnamed, parsed and planned
    on each run (BEGIN, COMMIT, a statement whose plan depends on its values)."""

    sql: str
    rows: Sequence[Sequence[Any]] = ((),)
    read: bool = False
    prepare: bool = True
    names: list[str] = field(default_factory=list)  # column names of a read, filled by run()
    result: list[tuple[Any, ...]] = field(default_factory=list)  # rows of a read, filled by run()


def run(driver: Connection[Any], steps: Sequence[Step]) -> None:
    """Send every step in one pipeline, read all results, raise the first statement error.

    Reads get their ``names`` and ``result`` filled. On an error the statements after it are
    not run (the server skips the rest of a pipeline after an error); the transaction is then
    aborted, as it would be after a failed statement on a cursor.
    """
    pgconn = driver.pgconn
    known = _NAMES.setdefault(driver, {})
    encoding = driver.info.encoding
    transformer = Transformer(driver)
    sent: list[tuple[Step | None, bytes, bytes]] = []  # per result: its read; a new statement and name
    new: dict[bytes, bytes] = {}
    pgconn.enter_pipeline_mode()
    try:
        for step in steps:
            query = step.sql.encode(encoding)
            name = (known.get(query) or new.get(query)) if step.prepare else b""
            if name is None:
                name = new[query] = b"sc%d" % (len(known) + len(new))
                pgconn.send_prepare(name, query)
                sent.append((None, query, name))
            for params in step.rows:
                values = transformer.dump_sequence(params, [PyFormat.TEXT] * len(params)) if params else None
                if step.prepare:
                    pgconn.send_query_prepared(name, values)
                else:
                    pgconn.send_query_params(query, values)
                sent.append((step if step.read else None, b"", b""))
        pgconn.pipeline_sync()
        results: list[pq.abc.PGresult] = driver.wait(_exchange(pgconn))
    finally:
        if pgconn.pipeline_status != pq.PipelineStatus.OFF and pgconn.status == pq.ConnStatus.OK:
            # Results left unread after a broken exchange: the connection is lost anyway.
            with contextlib.suppress(Exception):
                pgconn.exit_pipeline_mode()
    failure: errors.Error | None = None
    for (read, query, name), result in zip(sent, results, strict=True):
        status = result.status
        if status == _ExecStatus.FATAL_ERROR:
            failure = failure or errors.error_from_result(result, encoding=encoding)
        elif status == _ExecStatus.PIPELINE_ABORTED:
            continue
        elif name:
            known[query] = name  # prepared on this session from now on
        elif read is not None:
            transformer.set_pgresult(result)
            if not read.names:
                read.names = [(result.fname(i) or b"").decode(encoding) for i in range(result.nfields)]
            read.result.extend(transformer.load_rows(0, result.ntuples, tuple))
    if failure is not None:
        if isinstance(failure, errors.InvalidSqlStatementName):
            known.clear()  # dropped behind our back (DEALLOCATE ALL): prepared again next time
        raise failure


def _exchange(pgconn: pq.abc.PGconn) -> Generator[Wait, Ready | int, list[pq.abc.PGresult]]:
    """Flush what is queued (reading meanwhile, so neither side's buffer fills up), then read
    one result per statement up to the pipeline's sync; returns them in order."""
    while pgconn.flush():
        ready = yield Wait.RW
        if ready & Ready.R:
            pgconn.consume_input()
    results: list[pq.abc.PGresult] = []
    while True:
        while pgconn.is_busy():
            yield Wait.R
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:  # the end of one statement's results
            continue
        if result.status == _ExecStatus.PIPELINE_SYNC:
            return results
        results.append(result)

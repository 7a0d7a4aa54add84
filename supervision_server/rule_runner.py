"""The ingest rules, run after the request rather than inside it.

A window's batch is acknowledged as soon as it is stored; the supervision rules for what it
stored (two-place acceptance, late entry, hasty close ...) run a moment later on a thread of
their own: a thread of the server process, or, as ``serve`` runs them on PostgreSQL, the one
thread of a process of their own (:mod:`supervision_server.rules_process`). The request's path
is then only the ledger and its projections, and under load the rules look at many batches in
one pass instead of one pass per batch.

What is still to look at is kept in the database, not in memory: ``rule_progress`` holds, per
device, the last main-chain seq the rules have looked at, and the device row's ``main_seq`` how
far its chain is stored. A pass reads the devices whose chain is ahead of their cursor, runs the
ingest rules over those events, records the alerts and moves the cursors, all in one
transaction: a crash anywhere re-runs the pass, and occurrence keys keep its alerts single.

Each ingest wakes the runner of its own process (``ServerContext.rules_due``); a runner also
looks every ``poll_s`` seconds, which is how batches stored by other processes are seen (the
other workers of ``serve --workers N``, or every server process by the rules process). On
PostgreSQL a pass holds a transaction-level advisory lock, so one process at a time runs the
rules.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from supervision_server.context import ServerContext
from supervision_server.db import is_postgres, run_write
from supervision_server.rules import run_rules_on_events
from supervision_server.rules_schema import rule_progress
from supervision_server.schema import devices, events
from supervision_server.settings import Settings

log = logging.getLogger("supervision_server")

POLL_S = 1.0  # a runner looks for batches other processes stored at least this often
GATHER_S = 0.1  # after a wake, how long the batches of the moment gather before the pass
# While batches keep coming (a window draining its backlog, a busy hour), a PostgreSQL server's
# runner keeps gathering up to this long, so the rules share the process with the requests once a
# second rather than between every two batches. SQLite keeps GATHER_S: a pass holds the one
# writer's lock for its whole transaction, and a longer pass would hold the requests that long.
MAX_GATHER_S = 1.0
PASS_EVENTS = 5_000  # at most this many events in one pass (one transaction)
MAX_PAUSE_S = 60.0  # the longest pause between retries of a failing pass
RULES_LOCK = 0x5C_0A7D  # the PostgreSQL advisory lock of a pass (the watcher's is 0x5C0A7C)


@dataclass(frozen=True)
class Owed:
    """Events of one device the rules have not looked at: seq ``first..last`` of its main chain."""

    device_id: str
    first: int
    last: int


def owed(conn: Connection, limit: int = PASS_EVENTS) -> list[Owed]:
    """The devices whose stored chain is ahead of the rules, at most ``limit`` events in all."""
    checked = func.coalesce(rule_progress.c.checked_seq, 0)
    rows = conn.execute(
        select(devices.c.device_id, checked.label("checked"), devices.c.main_seq)
        .select_from(devices.outerjoin(rule_progress, rule_progress.c.device_id == devices.c.device_id))
        .where(devices.c.main_seq > checked)
        .order_by(devices.c.device_id)
    ).all()
    found: list[Owed] = []
    room = limit
    for device_id, done, main_seq in rows:
        if room <= 0:
            break
        last = min(int(main_seq), int(done) + room)
        found.append(Owed(device_id, int(done) + 1, last))
        room -= last - int(done)
    return found


def _advance(conn: Connection, taken: list[Owed]) -> None:
    rows = [{"device_id": o.device_id, "checked_seq": o.last} for o in taken]
    postgres = is_postgres(conn)
    insert = (pg_insert if postgres else sqlite_insert)(rule_progress)
    later = (func.greatest if postgres else func.max)(
        rule_progress.c.checked_seq, insert.excluded.checked_seq
    )
    conn.execute(
        insert.on_conflict_do_update(index_elements=[rule_progress.c.device_id], set_={"checked_seq": later}),
        rows,
    )


def run_owed(conn: Connection, now: datetime, settings: Settings) -> tuple[int, int]:
    """One pass in the caller's transaction: the rules over what is owed, the cursors moved.

    Returns (events looked at, alerts raised); (0, 0) when nothing is owed or, on PostgreSQL,
    another process is running a pass.
    """
    if (
        is_postgres(conn)
        and not conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RULES_LOCK}).scalar()
    ):
        return 0, 0
    taken = owed(conn, PASS_EVENTS)
    if not taken:
        return 0, 0
    where = or_(
        *(and_(events.c.device_id == o.device_id, events.c.seq.between(o.first, o.last)) for o in taken)
    )
    raised = run_rules_on_events(conn, where, now, settings)
    _advance(conn, taken)
    return sum(o.last - o.first + 1 for o in taken), raised


def run_rules_now(
    ctx: ServerContext, stopping: Callable[[], bool] = lambda: False, *, full_passes_only: bool = False
) -> int:
    """Run passes until nothing is owed (or ``stopping()`` says so between passes); returns the
    alerts raised. What a caller that needs the alerts at once (a test, a command) calls.

    ``full_passes_only`` (the runner thread): stop after a pass that was not full. Under a steady
    load each pass would otherwise find the few batches stored while the last one ran, and pay a
    pass's fixed cost (a dozen queries) for each; the runner gathers them first instead."""
    raised = 0
    while not stopping():
        seen, alerts = run_write(ctx.engine, lambda conn: run_owed(conn, ctx.clock(), ctx.settings))
        raised += alerts
        if seen == 0 or (full_passes_only and seen < PASS_EVENTS):
            break
    return raised


class RuleRunner:
    """The thread that runs the ingest rules of one server process (started by the app's
    lifespan when ``rules_on_ingest`` is on)."""

    def __init__(
        self,
        ctx: ServerContext,
        poll_s: float = POLL_S,
        gather_s: float = GATHER_S,
        max_gather_s: float | None = None,
    ) -> None:
        self.ctx = ctx
        self.poll_s = poll_s
        self.gather_s = gather_s
        if max_gather_s is None:
            max_gather_s = MAX_GATHER_S if is_postgres(ctx.engine) else gather_s
        self.max_gather_s = max_gather_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="supervision-rules", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the pass under way (what is left stays owed in the database)."""
        self._stop.set()
        self.ctx.rules_due.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        due = self.ctx.rules_due
        pause = self.poll_s
        while not self._stop.is_set():
            if due.wait(self.poll_s) and self.gather_s:
                # Woken by a batch: let the batches of the next moment gather, so one pass
                # looks at many (a pass costs about the same for one batch as for fifty), and
                # while more keep coming, up to max_gather_s.
                deadline = time.monotonic() + self.max_gather_s
                due.clear()
                while not self._stop.wait(self.gather_s) and due.is_set() and time.monotonic() < deadline:
                    due.clear()
            due.clear()
            if self._stop.is_set():
                return
            try:
                run_rules_now(self.ctx, self._stop.is_set, full_passes_only=True)
                pause = self.poll_s
            except Exception:  # the batches stay owed; tried again after a growing pause
                log.exception("supervision rules failed; the batches stay owed, retried in %.0f s", pause)
                self._stop.wait(pause)
                pause = min(pause * 2, MAX_PAUSE_S)

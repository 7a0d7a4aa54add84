"""The ingest rules run after the request: what they still owe is kept in the database, a real
server raises the alert a moment after its reply, and what was owed when a server stopped is
looked at when it starts again (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi import FastAPI
from sqlalchemy import delete, insert, select

from supervision_server import rule_runner, schema
from supervision_server.db import make_engine, read_connection, write_transaction
from supervision_server.migrations import LATEST, MIGRATIONS, migrate
from supervision_server.rule_runner import Owed, owed
from supervision_server.rules_schema import rule_progress
from tests.pg import fresh_database, require_postgres
from tests.server.helpers import Chain, StepClock, unique, wire
from tests.server.rules_support import accepted, at, make_hall, received
from tests.server.test_real_server import Server


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    require_postgres()
    with fresh_database("sc_rules") as url:
        yield url


DUE = "2026-12-02T23:59:59+08:00"


def _device(device_id: str, main_seq: int) -> dict[str, Any]:
    return {
        "device_id": device_id,
        "public_key": "k",
        "hall_code": "H1",
        "window_no": 3,
        "device_info": "{}",
        "enrolled_at": "t",
        "main_seq": main_seq,
        "main_hash": "0" * 64,
        "head_seq": main_seq,
        "head_hash": "0" * 64,
        "forked": False,
        "withholding_alerted": False,
    }


def test_owed_is_each_device_past_its_cursor_and_a_pass_stops_at_its_limit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+pysqlite:///{tmp_path / 's.db'}")
    try:
        migrate(engine)
        with write_transaction(engine) as conn:
            conn.execute(insert(schema.devices), [_device("a", 3), _device("b", 5), _device("c", 2)])
            conn.execute(insert(schema.devices), [_device("d", 4)])
            conn.execute(insert(rule_progress), [{"device_id": "b", "checked_seq": 1}])
            conn.execute(insert(rule_progress), [{"device_id": "d", "checked_seq": 4}])  # all checked
        with read_connection(engine) as conn:
            assert owed(conn) == [Owed("a", 1, 3), Owed("b", 2, 5), Owed("c", 1, 2)]
            assert owed(conn, limit=5) == [Owed("a", 1, 3), Owed("b", 2, 3)]
            assert owed(conn, limit=3) == [Owed("a", 1, 3)]
    finally:
        engine.dispose()


def test_step_10_marks_every_batch_stored_before_it_as_checked(
    database_url: str | None, tmp_path: Path
) -> None:
    """Before step 10 the rules ran inside each request: nothing stored then is owed to them."""
    url = database_url or f"sqlite+pysqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        migrate(engine)
        assert MIGRATIONS[-1][0] == LATEST == 10
        with write_transaction(engine) as conn:  # the database as version 9 left it
            rule_progress.drop(conn)
            conn.execute(delete(schema.schema_version).where(schema.schema_version.c.version == 10))
            conn.execute(insert(schema.devices), [_device("old-1", 7), _device("old-2", 0)])
        assert migrate(engine) == 10
        with read_connection(engine) as conn:
            assert sorted(conn.execute(select(rule_progress)).all()) == [("old-1", 7), ("old-2", 0)]
            assert owed(conn) == []
    finally:
        engine.dispose()


def _visit(no: str) -> list[tuple[str, dict[str, Any], str]]:
    """A case closed before it was accepted: TIME_ORDER, whatever the hour it is sent at."""
    return [
        ("case.received", received(no, 3), at("10:00")),
        ("case.accepted", accepted(no, at("10:05"), DUE), at("10:05")),
        ("case.closed", {"project_no": no, "result_code": 0}, at("09:30")),
    ]


def _time_order_batch(chain: Chain, no: str) -> list[Any]:
    return [
        chain.append(kind, payload, clerk_id="clerk-1", occurred_at=when)
        for kind, payload, when in _visit(no)
    ]


def _wait_for_alerts(server: Server, rule_id: str, seconds: float = 20.0) -> list[tuple[str, str]]:
    deadline = time.monotonic() + seconds
    while True:
        reply = requests.get(
            f"{server.url}/api/v1/alerts", params={"rule_id": rule_id}, headers=server.admin, timeout=10
        )
        assert reply.status_code == 200, reply.text
        found = [(a["rule_id"], a["project_no"]) for a in reply.json()["alerts"]]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _send_time_order(server: Server, number: str, window: int = 3) -> None:
    """A new window enrolled at ``server`` delivers a TIME_ORDER case; the reply acknowledges it."""
    chain = Chain(unique("dev"))
    server.enroll(chain, window=window)
    reply = requests.post(
        f"{server.url}/api/v1/devices/{chain.device_id}/events",
        json=wire(_time_order_batch(chain, number)),
        timeout=30,
    )
    assert reply.status_code == 200 and reply.json()["acked_seq"] == 3, reply.text


def test_a_real_server_raises_the_alert_after_its_reply(database_url: str | None, tmp_path: Path) -> None:
    server = Server(tmp_path / "data", database_url)
    try:
        _send_time_order(server, "P-RUN-1")
        assert _wait_for_alerts(server, "TIME_ORDER") == [("TIME_ORDER", "P-RUN-1")]
    finally:
        server.stop()


def test_what_was_owed_when_a_server_stopped_is_looked_at_when_it_starts(
    database_url: str | None, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = Server(data, database_url, env={"SUPERVISION_RULES_ON_INGEST": "false"})
    try:
        _send_time_order(server, "P-RUN-2")
        assert _wait_for_alerts(server, "TIME_ORDER", seconds=2.0) == []  # stored, owed to the rules
    finally:
        server.stop()
    again = Server(data, database_url)  # rules on: its runner finds the owed batch, nothing new sent
    try:
        assert _wait_for_alerts(again, "TIME_ORDER") == [("TIME_ORDER", "P-RUN-2")]
    finally:
        again.stop()


def test_a_stopping_runner_ends_between_passes_and_leaves_the_rest_owed(
    make_app: Callable[..., FastAPI], clock: StepClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    hall = make_hall(make_app, clock)
    chain = hall.window(3).chain
    hall.send(3, *_visit("P-RUN-3"), settle=False)
    monkeypatch.setattr(rule_runner, "PASS_EVENTS", 1)  # one event a pass
    ctx = hall.app.state.ctx
    passes = iter([False, False, True])  # two passes, then the server is stopping
    rule_runner.run_rules_now(ctx, lambda: next(passes))
    with read_connection(ctx.engine) as conn:
        assert owed(conn) == [Owed(chain.device_id, 3, 3)]
    assert rule_runner.run_rules_now(ctx, lambda: True) == 0  # stopping before it starts: nothing
    rule_runner.run_rules_now(ctx)
    with read_connection(ctx.engine) as conn:
        assert owed(conn) == []
    assert hall.rules("TIME_ORDER") == [("TIME_ORDER", "P-RUN-3")]


@pytest.mark.postgres
@pytest.mark.parametrize("apart", ["true", "false"])
def test_two_server_processes_raise_each_alert_once(apart: str, tmp_path: Path) -> None:
    """serve --workers 2: the rules process looks after the batches of both; or, with the rules on
    a thread of each, each process's runner looks after its own batches and polls for the
    other's, one pass at a time (advisory lock). Either way each alert once."""
    require_postgres()
    with fresh_database("sc_rules2") as url:
        server = Server(tmp_path / "data", url, workers=2, env={"SUPERVISION_RULES_PROCESS": apart})
        try:
            numbers = []
            for n in range(4):  # spread over both processes by the connections they land on
                numbers.append(("TIME_ORDER", f"P-RUN-W{n}"))
                _send_time_order(server, f"P-RUN-W{n}", window=3 + n)
            deadline = time.monotonic() + 20
            while len(found := _wait_for_alerts(server, "TIME_ORDER")) < 4 and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2.5)  # both runners have polled at least twice since
            assert sorted(_wait_for_alerts(server, "TIME_ORDER")) == sorted(numbers) == sorted(found)
        finally:
            server.stop()


def test_while_batches_keep_coming_a_postgres_runner_gathers_up_to_its_limit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A window draining its backlog wakes the runner with every batch: on PostgreSQL the runner
    keeps gathering while they come, up to max_gather_s, then runs one pass, and once they stop
    it runs the last; on SQLite (a pass holds the one writer's lock) it gathers GATHER_S only."""
    import threading
    from types import SimpleNamespace

    sqlite_ctx = SimpleNamespace(engine=make_engine(f"sqlite+pysqlite:///{tmp_path / 'r.db'}"))
    postgres_ctx = SimpleNamespace(engine=make_engine("postgresql://nobody@127.0.0.1:1/none"))
    assert rule_runner.RuleRunner(sqlite_ctx).max_gather_s == rule_runner.GATHER_S  # type: ignore[arg-type]
    assert rule_runner.RuleRunner(postgres_ctx).max_gather_s == rule_runner.MAX_GATHER_S == 1.0  # type: ignore[arg-type]

    passes: list[float] = []
    monkeypatch.setattr(
        rule_runner, "run_rules_now", lambda ctx, stopping, **_: passes.append(time.monotonic())
    )
    ctx = SimpleNamespace(engine=postgres_ctx.engine, rules_due=threading.Event())
    runner = rule_runner.RuleRunner(ctx, poll_s=60, gather_s=0.02, max_gather_s=0.3)  # type: ignore[arg-type]
    runner.start()
    first_wake = time.monotonic()
    while time.monotonic() - first_wake < 0.5:  # a batch every 5 ms for half a second
        ctx.rules_due.set()
        time.sleep(0.005)
    last_wake = time.monotonic()
    deadline = last_wake + 10
    while (not passes or passes[-1] < last_wake) and time.monotonic() < deadline:
        time.sleep(0.01)
    runner.stop()
    assert passes[0] - first_wake >= 0.3  # no pass before the limit while batches kept coming
    during = [t for t in passes if t < last_wake]
    assert 1 <= len(during) <= 2 and all(b - a >= 0.3 for a, b in itertools.pairwise(during))
    assert passes[-1] >= last_wake  # and one after the last batch


def test_the_runner_goes_back_to_gathering_after_a_pass_that_was_not_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full pass means more is owed: the next follows at once. After one that took what there
    was, the runner gathers again rather than run a pass for each batch stored meanwhile; a
    caller that wants everything now (a command, a test) still runs passes until none is owed."""
    from types import SimpleNamespace

    def passes(seen: list[int], **options: bool) -> list[int]:
        taken = list(seen)
        ran: list[int] = []

        def one(engine: object, work: object) -> tuple[int, int]:
            ran.append(taken.pop(0))
            return ran[-1], 1

        monkeypatch.setattr(rule_runner, "run_write", one)
        raised = rule_runner.run_rules_now(SimpleNamespace(engine=None), **options)  # type: ignore[arg-type]
        assert raised == len(ran)
        return ran

    full = rule_runner.PASS_EVENTS
    assert passes([full, full, 40, 7, 0], full_passes_only=True) == [full, full, 40]
    assert passes([40, 7, 0]) == [40, 7, 0]

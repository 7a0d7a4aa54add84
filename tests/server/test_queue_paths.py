"""The short paths of call-next: what one call sends to the database, which tickets it reads, and
board reads that never wait for a writer.

Call-next reads a bounded list of candidates (the oldest eligible, the oldest priority ones, the
oldest transferred to the window): a ticket the rules would pick must always be among them, however
many others wait before it. The statements of one call are counted in-process; the rest runs on a
real server, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from fastapi.testclient import TestClient
from sqlalchemy import event

from supervision_server.queue_service import _CANDIDATES
from tests.server.helpers import ADMIN, StepClock, unique
from tests.server.test_queue_live import Window, hall_catalog, server  # noqa: F401  (the fixture, both backends)
from tests.server.test_queue_rules_server import Device
from tests.server.test_real_server import Server
from tests.support import DEMO_CATALOG

pytestmark = pytest.mark.slow


def test_transfers_to_other_windows_never_hide_the_next_ticket(server: Server) -> None:  # noqa: F811
    hall = unique("H")
    kiosk = Window(server, 1, hall)
    for _ in range(_CANDIDATES + 3):
        assert kiosk.op("issue", category="A").status_code == 200
    win3, win4, win5 = (Window(server, n, hall) for n in (3, 4, 5))
    # Window 3 sends the oldest ones to window 4: they keep their issue time, so they stay the
    # oldest waiting tickets, more of them than one list of candidates holds.
    sent = []
    for _ in range(_CANDIDATES + 2):
        sent.append(win3.op("call_next").json()["ticket"]["number"])
        assert win3.op("transfer", to_window_no=4).status_code == 200
    assert sent == [f"A{i:03d}" for i in range(1, _CANDIDATES + 3)]
    last = f"A{_CANDIDATES + 3:03d}"
    assert win5.op("call_next").json()["ticket"]["number"] == last
    assert win4.op("call_next").json()["ticket"]["number"] == "A001"
    assert win3.op("call_next").json()["ticket"] is None


def test_a_priority_ticket_behind_a_long_queue_is_called_first(server: Server) -> None:  # noqa: F811
    hall = unique("H")
    kiosk = Window(server, 1, hall)
    for _ in range(2 * _CANDIDATES):
        assert kiosk.op("issue", category="A").status_code == 200
    elder = kiosk.op("issue", category="A", priority="ELDERLY").json()["ticket"]["number"]
    assert elder == f"A{2 * _CANDIDATES + 1:03d}"
    win = Window(server, 3, hall)
    called = win.op("call_next").json()["ticket"]
    assert (called["number"], called["priority"]) == (elder, "ELDERLY")
    assert win.op("no_show").status_code == 200
    assert win.op("call_next").json()["ticket"]["number"] == "A001"


@pytest.fixture
def sqlite_hall_server(tmp_path: Path) -> Iterator[Server]:
    """A SQLite server with the queue's hall catalog (PostgreSQL readers never wait for writers)."""
    running = Server(tmp_path / "data")
    reply = requests.put(
        running.url + "/api/v1/admin/catalog", json=hall_catalog(), headers=running.admin, timeout=60
    )
    assert reply.status_code in (200, 201), reply.text
    yield running
    running.stop()


def test_the_board_is_read_while_a_writer_holds_sqlite(sqlite_hall_server: Server) -> None:
    running = sqlite_hall_server
    hall = unique("H")
    kiosk = Window(running, 1, hall)
    assert kiosk.op("issue", category="A").status_code == 200
    writer = sqlite3.connect(running.data_dir / "supervision.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # what a long write transaction holds
    try:
        # A read that took the write lock would wait for it (the busy timeout is 10 s).
        board = requests.get(f"{running.url}/api/v1/queue/halls/{hall}/board", timeout=5)
        assert board.status_code == 200
        assert board.json()["waiting"][0]["count"] == 1
        with requests.get(
            f"{running.url}/api/v1/queue/halls/{hall}/stream", stream=True, timeout=5
        ) as stream:
            lines = stream.iter_lines(decode_unicode=True)
            assert next(lines) == "retry: 2000"
            assert next(lines) == ""
            assert next(lines) == "event: board"
            shown = json.loads(next(lines).removeprefix("data: "))
            assert shown["waiting"][0]["count"] == 1
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_one_call_next_is_seven_statements(make_app: Any, clock: StepClock) -> None:
    app = make_app()
    client = TestClient(app)
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    assert client.put("/api/v1/admin/catalog", json=catalog, headers=ADMIN).status_code in (200, 201)
    clock.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    kiosk, window = Device(client, 99), Device(client, 3)
    for _ in range(3):
        kiosk.op(clock, "issue", category="A")
    assert window.op(clock, "call_next").json()["ticket"]["number"] == "A001"  # the window's row made
    assert window.op(clock, "no_show").status_code == 200
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()[:3]))

    engine = app.state.ctx.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        reply = window.op(clock, "call_next")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert reply.json()["ticket"]["number"] == "A002"
    # BEGIN IMMEDIATE, then: the device with its window (locked), the stored answer, the
    # catalog's version, the candidates, the claim, the window's new ticket, the answer kept.
    assert seen == [
        "BEGIN IMMEDIATE",
        "SELECT devices.public_key, devices.role,",
        "SELECT queue_ops.op_id, queue_ops.device_id,",
        "SELECT documents.etag FROM",
        "SELECT anon_1.id, anon_1.hall_code,",
        "UPDATE queue_tickets SET",
        "UPDATE queue_windows SET",
        "INSERT INTO queue_ops",
    ]


def test_a_malformed_body_is_refused_only_after_its_signature(make_app: Any, clock: StepClock) -> None:
    from counter_app.ledger import DeviceKey
    from supervision_server.routes_queue import sign_queue_op

    client = TestClient(make_app())
    clock.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    window = Device(client, 3)
    url = f"/api/v1/queue/devices/{window.device_id}/ops"
    answers = []
    for body in (
        b"{not json",
        b'{"op_id": "x", "action": "call_next"}',
        b'{"op_id": "12345678", "action": "fly"}',
        b'{"op_id": "12345678", "action": {}, "args": {}}',  # not even a name
    ):
        for key in (DeviceKey.generate(), window.key):  # a stranger's signature, then the window's
            reply = client.post(url, content=body, headers={"X-Signature": sign_queue_op(key, body)})
            answers.append((reply.status_code, reply.json()["code"]))
    assert answers == [
        (400, "BAD_SIGNATURE"),
        (400, "MALFORMED_JSON"),
        (400, "BAD_SIGNATURE"),
        (422, "QUEUE_OP_INVALID"),
        (400, "BAD_SIGNATURE"),
        (422, "QUEUE_ACTION_UNKNOWN"),
        (400, "BAD_SIGNATURE"),
        (422, "QUEUE_ACTION_UNKNOWN"),
    ]

"""What a small request costs the database: the round trips of a 6-event batch on PostgreSQL,
and the clerks table kept by one upsert on both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from counter_app.domain.rating import RATED_EVENT, Level, Rating
from supervision_server.schema import clerks
from tests.server.conftest import enroll
from tests.server.helpers import Chain, accepted_payload, case_payload, unique, wire


def _six(chain: Chain, window_no: int = 3) -> list[Any]:
    """What a window online sends: a ticket called and served, a case taken in, a rating."""
    ticket, no = unique("A")[:12], unique("P")
    steps: list[tuple[str, dict[str, Any]]] = [
        ("ticket.called", {"ticket_no": ticket, "category": "A", "window_no": window_no}),
        ("ticket.started", {"ticket_no": ticket, "category": "A", "window_no": window_no}),
        ("case.received", case_payload(no, window_no=window_no)),
        ("case.accepted", accepted_payload(no)),
        ("ticket.finished", {"ticket_no": ticket, "category": "A", "window_no": window_no}),
        (RATED_EVENT, Rating(ticket, "2026-11-25", (no,), Level.VERY_UNSATISFIED).payload()),
    ]
    return [chain.append(t, p) for t, p in steps]


def _round_trips(trace: str) -> list[list[str]]:
    """The messages the client sent before each wait for the server, from libpq's trace: a
    round trip is a run of frontend messages followed by the backend's answers."""
    trips: list[list[str]] = []
    previous = ""
    for line in trace.splitlines():
        if line.count("\t") < 2 or "\tTerminate" in line:  # Terminate awaits no answer
            continue
        direction, _length, message, *rest = line.split("\t")
        if direction == "F":
            if previous != "F":
                trips.append([])
            # Parse "<name>" "<sql>" ...; Query "<sql>"
            text = (
                rest[0].split('"')[{"Parse": 3, "Query": 1}[message]] if message in ("Parse", "Query") else ""
            )
            trips[-1].append(f"{message} {' '.join(text.split()[:3])}".strip())
        previous = direction
    return trips


@pytest.mark.postgres
def test_a_six_event_request_costs_three_round_trips(
    make_app: Any, postgres_url: str, tmp_path: Path
) -> None:
    """Read off the wire (libpq's trace of every message): the BEGIN goes with the read that
    locks the device, the three reads the checks and projections need go together, and every
    write goes with the COMMIT in one pipeline. Nothing else reaches the server (no pre-ping, no rollback)."""
    from psycopg import pq

    client = TestClient(make_app(database_url=postgres_url))
    chain = Chain(unique("dev"))
    enroll(client, chain)
    engine = client.app.state.ctx.engine  # type: ignore[attr-defined]
    first = _six(chain)
    assert client.post(f"/api/v1/devices/{chain.device_id}/events", json=wire(first)).status_code == 200
    engine.dispose()  # the request below gets a connection of its own, traced from its start
    traced = tmp_path / "trace.txt"

    def trace(dbapi_connection: Any, _record: Any) -> None:
        out = traced.open("a")
        dbapi_connection.pgconn.trace(out.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        dbapi_connection.info_trace_file = out  # kept open as long as the connection

    event.listen(engine, "connect", trace)
    try:
        reply = client.post(f"/api/v1/devices/{chain.device_id}/events", json=wire(_six(chain)))
    finally:
        event.remove(engine, "connect", trace)
        engine.dispose()
    assert reply.status_code == 200 and reply.json()["stored"] == 6
    parsed = [
        [m for m in trip if m.startswith(("Parse", "Query"))] for trip in _round_trips(traced.read_text())
    ]
    assert parsed == [
        ["Parse BEGIN", "Parse SELECT devices.device_id, devices.public_key,"],  # the device, locked
        [  # who holds the batch's cases, and the cases and tickets it changes, read together
            "Parse SELECT '' AS",
            "Parse SELECT cases.project_no, cases.device_id,",
            "Parse SELECT tickets.hall_code, tickets.day,",
        ],
        [
            "Parse INSERT INTO events",  # six rows, one statement prepared and run six times
            "Parse INSERT INTO clerks",
            "Parse INSERT INTO cases",
            "Parse INSERT INTO tickets",
            "Parse INSERT INTO ratings",
            "Parse INSERT INTO case_holders",
            "Parse UPDATE devices SET",
            "Parse COMMIT",
        ],
    ]


def test_clerks_keep_the_first_and_last_sighting_across_requests(client: TestClient, device: Chain) -> None:
    def send(*stamps: str, clerk: str = "clerk-9") -> None:
        batch = [device.append("test.event", {"n": i}, clerk, at) for i, at in enumerate(stamps)]
        reply = client.post(f"/api/v1/devices/{device.device_id}/events", json=wire(batch))
        assert reply.status_code == 200, reply.text

    send("2026-11-25T10:00:00.000+08:00", "2026-11-25T10:05:00.000+08:00")
    send("2026-11-25T09:00:00.000+08:00", "2026-11-25T09:30:00.000+08:00", "2026-11-25T11:00:00.000+08:00")
    send("2026-11-25T10:30:00.000+08:00", clerk="clerk-8")
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.engine.connect() as conn:
        rows = conn.execute(
            select(clerks).where(clerks.c.device_id == device.device_id).order_by(clerks.c.clerk_id)
        ).all()
    assert [(r.clerk_id, r.window_no, r.first_seen, r.last_seen, r.event_count) for r in rows] == [
        ("clerk-8", 3, "2026-11-25T10:30:00.000+08:00", "2026-11-25T10:30:00.000+08:00", 1),
        ("clerk-9", 3, "2026-11-25T09:00:00.000+08:00", "2026-11-25T11:00:00.000+08:00", 5),
    ]

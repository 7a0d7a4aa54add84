"""What a small request costs the database: the round trips of a 6-event batch on PostgreSQL,
and the clerks table kept by one upsert on both backends."""

from __future__ import annotations

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


@pytest.mark.postgres
def test_a_six_event_request_costs_seven_round_trips(
    make_app: Any, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each statement outside a pipeline waits for its answer; a psycopg pipeline sends its
    statements together and waits once; psycopg sends BEGIN before the first statement and
    waits for it; COMMIT waits. Nothing else reaches the server (no pre-ping, no rollback:
    psycopg's rollback on return to the pool sends nothing when no transaction is open)."""
    client = TestClient(make_app(database_url=postgres_url))
    chain = Chain(unique("dev"))
    enroll(client, chain)
    engine = client.app.state.ctx.engine  # type: ignore[attr-defined]
    first = _six(chain)
    assert client.post(f"/api/v1/devices/{chain.device_id}/events", json=wire(first)).status_code == 200
    trips: list[str] = []

    def on_begin(_conn: Any) -> None:
        trips.append("BEGIN")

    def on_execute(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if cursor.connection.pgconn.pipeline_status:  # in a pipeline: one wait for all
            if not trips or not trips[-1].startswith("PIPELINE"):
                trips.append("PIPELINE")
            trips[-1] += " " + statement.split()[2 if statement.startswith("INSERT") else 1]
        else:
            trips.append(" ".join(statement.split()[:3]))

    def on_commit(_conn: Any) -> None:
        trips.append("COMMIT")

    def on_rollback(_conn: Any) -> None:
        trips.append("ROLLBACK")

    ping = engine.dialect.do_ping

    def on_ping(dbapi_connection: Any) -> bool:  # a pool pre-ping, would one be configured
        trips.append("PING")
        return bool(ping(dbapi_connection))

    monkeypatch.setattr(engine.dialect, "do_ping", on_ping)
    listeners = [("begin", on_begin), ("before_cursor_execute", on_execute), ("commit", on_commit)]
    listeners.append(("rollback", on_rollback))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        reply = client.post(f"/api/v1/devices/{chain.device_id}/events", json=wire(_six(chain)))
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    assert reply.status_code == 200 and reply.json()["stored"] == 6
    assert trips == [
        "BEGIN",
        "SELECT devices.device_id, devices.public_key,",  # FOR UPDATE: the key, in the transaction
        "SELECT %(param_1)s::VARCHAR AS",  # case holders
        "SELECT cases.project_no, cases.device_id,",
        "SELECT tickets.hall_code, tickets.day,",
        "PIPELINE events clerks cases tickets ratings case_holders devices",
        "COMMIT",
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

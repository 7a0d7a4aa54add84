"""Queue tickets follow their own history, not the order in which devices happen to sync.

A kiosk issues, windows call, serve, finish, pass (过号) or transfer (转移); each device syncs
when it can. Every test sends the same events in different arrival orders and names the exact
row the server must hold, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from counter_app.domain.queue import TICKET_EVENTS, TicketState
from supervision_server.schema import tickets
from supervision_server.ticket_projection import STEPS, TICKET_TYPES
from tests.server.conftest import enroll
from tests.server.helpers import Chain, unique, wire

COLUMNS = ("state", "window_no", "issued_at", "called_at", "started_at", "finished_at", "call_count")


def at(clock: str) -> str:
    return f"2026-11-25T{clock}.000+08:00"


def post(client: TestClient, chain: Chain, *steps: tuple[str, str, dict[str, Any]]) -> None:
    """Sign ``(type, time, payload)`` steps on ``chain`` and send them as one batch."""
    events = [chain.append(type_, payload, occurred_at=at(when)) for type_, when, payload in steps]
    reply = client.post(f"/api/v1/devices/{chain.device_id}/events", json=wire(events))
    assert reply.status_code == 200, reply.text


def row(client: TestClient, ticket_no: str) -> dict[str, Any]:
    engine = client.app.state.ctx.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        found = conn.execute(select(tickets).where(tickets.c.ticket_no == ticket_no)).mappings().one()
    return {c: found[c] for c in (*COLUMNS, "transferred_to")}


def kiosk(client: TestClient) -> Chain:
    chain = Chain(unique("kiosk"))
    enroll(client, chain, window=9)
    return chain


def test_a_kiosk_that_syncs_late_does_not_reopen_a_finished_ticket(client: TestClient, device: Chain) -> None:
    ticket = unique("A")[:12]
    first, second, late = (kiosk(client) for _ in range(3))
    p = {"ticket_no": ticket, "category": "A", "window_no": 3}
    post(client, device, ("ticket.called", "09:05:00", p), ("ticket.started", "09:06:00", p))
    post(client, device, ("ticket.finished", "09:20:00", p))
    post(client, late, ("ticket.issued", "09:00:00", {"ticket_no": ticket, "category": "A"}))
    assert row(client, ticket) == {
        "state": "FINISHED",
        "window_no": 3,
        "issued_at": at("09:00:00"),
        "called_at": at("09:05:00"),
        "started_at": at("09:06:00"),
        "finished_at": at("09:20:00"),
        "call_count": 1,
        "transferred_to": None,
    }
    # Whatever the kiosk's clock says, issuing never comes after a window's step.
    other = unique("A")[:12]
    q = {"ticket_no": other, "category": "A", "window_no": 3}
    post(client, device, ("ticket.called", "09:30:00", q))
    post(client, first, ("ticket.issued", "09:31:00", {"ticket_no": other, "category": "A"}))
    post(client, second, ("ticket.issued", "09:29:00", {"ticket_no": other, "category": "A"}))
    seen = row(client, other)
    assert (seen["state"], seen["window_no"], seen["issued_at"], seen["called_at"]) == (
        "CALLED",
        3,
        at("09:31:00"),
        at("09:30:00"),
    )


def test_every_arrival_order_gives_the_same_row(client: TestClient) -> None:
    rows = []
    for kiosk_position in range(3):
        ticket = unique("B")[:12]
        window, issuer = Chain(unique("dev")), kiosk(client)
        enroll(client, window, window=4)
        p = {"ticket_no": ticket, "category": "B", "window_no": 4}
        batches: list[tuple[Chain, list[tuple[str, str, dict[str, Any]]]]] = [
            (window, [("ticket.called", "10:00:00", p), ("ticket.called", "10:02:00", p)]),
            (window, [("ticket.started", "10:03:00", p), ("ticket.no_show", "10:03:30", p)]),
        ]
        batches.insert(kiosk_position, (issuer, [("ticket.issued", "09:50:00", {"ticket_no": ticket})]))
        for chain, steps in batches:
            post(client, chain, *steps)
        rows.append(row(client, ticket))
    assert (
        rows
        == [
            {
                "state": "NO_SHOW",
                "window_no": 4,
                "issued_at": at("09:50:00"),
                "called_at": at("10:02:00"),
                "started_at": at("10:03:00"),
                "finished_at": at("10:03:30"),
                "call_count": 2,
                "transferred_to": None,
            }
        ]
        * 3
    )


def test_a_transferred_ticket_goes_on_at_the_other_window_in_either_order(client: TestClient) -> None:
    """转移 ends the ticket's turn at window 6; window 7 calls it again later and finishes it."""
    expected_end = {
        "state": "FINISHED",
        "window_no": 7,
        "issued_at": None,
        "called_at": at("11:10:00"),
        "started_at": at("11:11:00"),
        "finished_at": at("11:30:00"),
        "call_count": 2,
        "transferred_to": 7,
    }
    for transfer_first in (True, False):
        ticket = unique("C")[:12]
        six, seven = Chain(unique("dev")), Chain(unique("dev"))
        enroll(client, six, window=6)
        enroll(client, seven, window=7)
        at_six = {"ticket_no": ticket, "category": "C", "window_no": 6}
        at_seven = {**at_six, "window_no": 7}
        transfer = {**at_six, "to_window_no": 7}
        if transfer_first:
            post(
                client,
                six,
                ("ticket.called", "11:05:00", at_six),
                ("ticket.transferred", "11:08:00", transfer),
            )
            assert (row(client, ticket)["state"], row(client, ticket)["transferred_to"]) == ("TRANSFERRED", 7)
            post(client, seven, ("ticket.called", "11:10:00", at_seven))
            seen = row(client, ticket)
            assert (seen["state"], seen["window_no"], seen["called_at"]) == ("CALLED", 7, at("11:10:00"))
            post(
                client,
                seven,
                ("ticket.started", "11:11:00", at_seven),
                ("ticket.finished", "11:30:00", at_seven),
            )
        else:
            post(
                client,
                seven,
                ("ticket.called", "11:10:00", at_seven),
                ("ticket.started", "11:11:00", at_seven),
                ("ticket.finished", "11:30:00", at_seven),
            )
            post(
                client,
                six,
                ("ticket.called", "11:05:00", at_six),
                ("ticket.transferred", "11:08:00", transfer),
            )
        assert row(client, ticket) == expected_end, transfer_first


def test_every_step_of_the_queue_rules_is_projected() -> None:
    assert set(TICKET_EVENTS) == TICKET_TYPES
    assert {state: STEPS[state] for state in TicketState} == {
        TicketState.WAITING: 0,
        TicketState.CALLED: 1,
        TicketState.CANCELLED: 1,
        TicketState.SERVING: 2,
        TicketState.PARKED: 2,
        TicketState.NO_SHOW: 2,
        TicketState.TRANSFERRED: 2,
        TicketState.FINISHED: 3,
    }


def test_recall_park_call_back_and_cancel_follow_the_ticket(client: TestClient, device: Chain) -> None:
    ticket, gone = unique("D")[:12], unique("D")[:12]
    issuer, other = kiosk(client), Chain(unique("dev"))
    enroll(client, other, window=8)
    p = {"ticket_no": ticket, "category": "D", "window_no": 3}
    post(
        client,
        device,
        ("ticket.called", "13:00:00", p),
        ("ticket.recalled", "13:01:00", p),
        ("ticket.started", "13:02:00", p),
        ("ticket.parked", "13:05:00", p),
    )
    post(client, issuer, ("ticket.issued", "12:55:00", {"ticket_no": ticket, "category": "D"}))
    assert row(client, ticket)["state"] == "PARKED"
    post(client, other, ("ticket.called_back", "13:20:00", {**p, "window_no": 8}))
    post(client, other, ("ticket.started", "13:21:00", {**p, "window_no": 8}))
    post(client, other, ("ticket.finished", "13:30:00", {**p, "window_no": 8, "outcome": "CONSULT"}))
    assert row(client, ticket) == {
        "state": "FINISHED",
        "window_no": 8,
        "issued_at": at("12:55:00"),
        "called_at": at("13:20:00"),
        "started_at": at("13:21:00"),
        "finished_at": at("13:30:00"),
        "call_count": 3,
        "transferred_to": None,
    }
    post(
        client,
        issuer,
        ("ticket.issued", "14:00:00", {"ticket_no": gone, "category": "D"}),
        ("ticket.cancelled", "14:10:00", {"ticket_no": gone, "category": "D"}),
    )
    seen = row(client, gone)
    assert (seen["state"], seen["window_no"], seen["finished_at"], seen["call_count"]) == (
        "CANCELLED",
        9,
        at("14:10:00"),
        0,
    )

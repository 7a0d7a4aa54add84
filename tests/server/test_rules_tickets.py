"""Rules on the queue: 体外循环, 办完后补录, 明进暗不进, 窗口空岗 (supervision_server.rules.tickets)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from tests.server.conftest import issue
from tests.server.helpers import Chain, StepClock, enroll_body, unique, wire
from tests.server.rules_support import Hall, at, make_hall, received


@pytest.fixture
def hall(make_app: Callable[..., FastAPI], clock: StepClock) -> Hall:
    return make_hall(make_app, clock)


def test_a_ticket_finished_as_a_case_that_never_arrives_is_off_book_once(hall: Hall) -> None:
    hall.serve(3, "A001", "09:00", "09:20", "CASE", ["P-GHOST-1"])
    assert hall.rules("OFF_BOOK") == []  # within the grace period
    hall.watch("09:49")
    assert hall.rules("OFF_BOOK") == []
    hall.watch("09:51")
    hall.watch("10:30")
    found = hall.alerts(rule_id="OFF_BOOK")
    assert [
        (a["details"]["ticket_no"], a["details"]["missing_case_nos"], a["level"], a["window_no"])
        for a in found
    ] == [("A001", ["P-GHOST-1"], "红牌", 3)]


def test_off_book_closes_itself_when_the_case_arrives_and_a_consultation_is_honest(hall: Hall) -> None:
    hall.serve(3, "A002", "09:00", "09:05", "CONSULT")
    hall.serve(3, "A003", "09:10", "09:20", "CASE", ["P-LATE-1"])
    hall.watch("10:00")
    assert hall.rules("OFF_BOOK") == [("OFF_BOOK", "A003")]
    hall.send(3, ("case.received", received("P-LATE-1", 3, ticket_no="A003"), at("10:05")))
    found = hall.alerts(rule_id="OFF_BOOK")
    assert (found[0]["state"], found[0]["closed_at"] is not None) == ("CLOSED", True)
    history = hall.client.get(
        f"/api/v1/alerts/{found[0]['id']}/history",
        headers={"Authorization": "Bearer test-admin-token-0123456789abcdef"},
    ).json()
    assert [(s["action"], s["actor"]) for s in history["steps"]] == [("raise", "system"), ("close", "system")]


def test_a_ticket_served_and_never_finished_is_off_book_after_closing(hall: Hall) -> None:
    hall.send(
        4,
        ("ticket.called", {"ticket_no": "A010", "category": "A", "window_no": 4}, at("16:00")),
        ("ticket.started", {"ticket_no": "A010", "category": "A", "window_no": 4}, at("16:01")),
    )
    hall.watch("17:59")
    assert hall.rules("OFF_BOOK") == []
    hall.watch("18:31")
    assert hall.rules("OFF_BOOK") == [("OFF_BOOK", "A010")]


def test_a_case_recorded_the_next_morning_is_a_late_entry(hall: Hall) -> None:
    hall.serve(5, "A020", "15:00", "15:30", "CONSULT")
    hall.send(5, ("case.received", received("P-NEXT-1", 5, ticket_no="A020"), at("08:40", "2026-11-26")))
    found = hall.alerts(rule_id="LATE_ENTRY")
    assert [(a["project_no"], a["details"]["next_day"], a["level"]) for a in found] == [
        ("P-NEXT-1", True, "黄牌")
    ]


def test_a_case_recorded_during_its_ticket_is_not_a_late_entry(hall: Hall) -> None:
    hall.send(5, ("ticket.called", {"ticket_no": "A021", "category": "A", "window_no": 5}, at("10:00")))
    hall.send(5, ("case.received", received("P-ONTIME-1", 5, ticket_no="A021"), at("10:05")))
    hall.serve(5, "A022", "10:30", "10:40", "CASE", ["P-ONTIME-2"])
    hall.send(5, ("case.received", received("P-ONTIME-2", 5, ticket_no="A022"), at("11:30")))  # 50 min
    assert hall.rules("LATE_ENTRY") == []


def _busy_day(hall: Hall, quiet_window: int, quiet_outcome: str) -> None:
    for n in range(6):
        number = f"A{100 + n}"
        hall.serve(2, number, f"09:{n * 5:02d}", f"09:{n * 5 + 4:02d}", "CASE", [f"P-BUSY-{n}"])
        hall.send(
            2, ("case.received", received(f"P-BUSY-{n}", 2, ticket_no=number), at(f"09:{n * 5 + 1:02d}"))
        )
    for n in range(6):
        hall.serve(quiet_window, f"A{200 + n}", f"10:{n * 5:02d}", f"10:{n * 5 + 4:02d}", quiet_outcome)


def test_a_window_whose_tickets_all_end_as_consultations_is_not_in_hall(hall: Hall) -> None:
    _busy_day(hall, 6, "CONSULT")
    hall.watch("17:00")
    assert hall.rules("NOT_IN_HALL") == []  # judged after the hall closes
    hall.watch("18:05")
    hall.watch("18:30")
    assert hall.rules("NOT_IN_HALL") == [("NOT_IN_HALL", 6)]


def test_a_window_with_few_consultations_is_not_judged(hall: Hall) -> None:
    _busy_day(hall, 6, "CONSULT")
    hall.send(6, ("case.received", received("P-W6-1", 6), at("11:00")))  # it did take a case in
    hall.watch("18:05")
    assert hall.rules("NOT_IN_HALL") == []


def _queue_waiting(hall: Hall) -> None:
    kiosk = hall.client.app.state.ctx  # type: ignore[attr-defined]
    from sqlalchemy import insert

    from supervision_server.db import run_write
    from supervision_server.queue_schema import queue_tickets

    run_write(
        kiosk.engine,
        lambda conn: conn.execute(
            insert(queue_tickets).values(
                hall_code="H1",
                business_date="2026-11-25",
                number="A300",
                leg=1,
                category="A",
                priority="NORMAL",
                state="WAITING",
                origin="SERVER",
                issued_by="kiosk",
                issued_at="2026-11-25T01:05:00.000000+00:00",
                recalls=0,
                case_nos="[]",
                updated_at="2026-11-25T01:30:00.000000+00:00",
            )
        ),
    )


def test_a_logged_in_window_that_calls_nobody_while_its_people_wait_is_idle(hall: Hall) -> None:
    hall.send(3, ("clerk.logged_in", {"window_no": 3}, at("09:00")), clerk="clerk-7")
    hall.serve(3, "A299", "09:05", "09:10", "CONSULT", clerk="clerk-7")
    _queue_waiting(hall)
    hall.watch("09:29")
    assert hall.rules("IDLE_WINDOW") == []
    hall.watch("09:31")
    hall.watch("09:45")
    found = hall.alerts(rule_id="IDLE_WINDOW")
    assert [(a["window_no"], a["clerk_id"], a["details"]["waiting"]) for a in found] == [
        (3, "clerk-7", ["A300"])
    ]


def test_a_kiosk_is_never_an_idle_window(hall: Hall) -> None:
    # Kiosk number 3 logs a clerk in (no kiosk does, but its ledger is its own) while window 3's
    # categories wait: a kiosk is no window, so nothing is idle.
    kiosk = Chain(unique("dev-kiosk"))
    code = issue(hall.client, window=3, role="kiosk")
    body = enroll_body(code, kiosk.device_id, kiosk.key, role="kiosk")
    assert hall.client.post("/api/v1/enroll", json=body).status_code == 201
    kiosk.append("clerk.logged_in", {"window_no": 3}, occurred_at=at("09:00"))
    reply = hall.client.post(f"/api/v1/devices/{kiosk.device_id}/events", json=wire(kiosk.events))
    assert reply.status_code == 200, reply.text
    _queue_waiting(hall)
    hall.watch("09:45")
    assert hall.rules("IDLE_WINDOW") == []


def test_a_paused_or_logged_out_window_is_not_idle(hall: Hall) -> None:
    hall.send(
        3,
        ("clerk.logged_in", {"window_no": 3}, at("09:00")),
        ("window.paused", {"reason": "培训"}, at("09:05")),
    )
    hall.send(
        4,
        ("clerk.logged_in", {"window_no": 4}, at("09:00")),
        ("clerk.logged_out", {"window_no": 4}, at("09:06")),
    )
    _queue_waiting(hall)
    hall.watch("10:30")
    assert hall.rules("IDLE_WINDOW") == []


def test_off_book_closes_only_the_alerts_naming_the_case_that_arrived(hall: Hall) -> None:
    # Numbers that are LIKE wildcards or prefixes of one another: only the exact name counts.
    hall.serve(3, "A020", "09:00", "09:10", "CASE", ["P_LATE-1"])
    hall.serve(3, "A021", "09:11", "09:20", "CASE", ["P_LATE-10"])
    hall.serve(3, "A022", "09:21", "09:30", "CASE", ["PXLATE-1"])
    hall.watch("10:30")
    assert hall.rules("OFF_BOOK") == [("OFF_BOOK", "A020"), ("OFF_BOOK", "A021"), ("OFF_BOOK", "A022")]
    hall.send(3, ("case.received", received("P_LATE-1", 3, ticket_no="A020"), at("10:35")))
    found = hall.alerts(rule_id="OFF_BOOK")
    assert [(a["details"]["ticket_no"], a["state"]) for a in found] == [
        ("A020", "CLOSED"),
        ("A021", "RAISED"),
        ("A022", "RAISED"),
    ]

"""The server folds case events with the window's own transition table (counter_app.domain.case).

Events are written as a window writes them; each test names the state, deadline, result and
alerts the server must show afterwards, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from counter_app.domain.case import CASE_EVENTS, TRANSITIONS
from supervision_server.case_projection import CASE_TYPES
from tests.server.helpers import Chain, accepted_payload, case_payload, unique
from tests.server.test_cases import alerts, case, send


def check(client: TestClient, project_no: str, code: str = "7K3Q9") -> dict[str, object]:
    reply = client.get(f"/api/v1/check/{project_no}", params={"code": code})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_the_server_knows_every_event_the_window_writes() -> None:
    assert CASE_TYPES == {t.event_type for t in TRANSITIONS.values()} == set(CASE_EVENTS)
    assert {"case.process_started", "case.returned"} <= CASE_TYPES


def test_suspension_right_after_start_is_legal(client: TestClient, device: Chain) -> None:
    no = unique("P")
    send(
        client,
        device,
        ("case.received", case_payload(no)),
        ("case.accepted", accepted_payload(no)),
        ("case.process_started", {"project_no": no, "node": "承办"}),
        ("case.suspended", {"project_no": no, "kind": 2, "reason": "现场核查"}),
    )
    assert case(client, no)["state"] == "SUSPENDED"
    assert alerts(client, project_no=no) == []


def test_a_returned_case_is_closed_on_the_server_and_the_check_page(
    client: TestClient, device: Chain
) -> None:
    no = unique("P")
    send(
        client,
        device,
        ("case.received", case_payload(no)),
        ("case.correction_requested", {"project_no": no, "missing": [], "check_code": "R3TRN"}),
        ("case.returned", {"project_no": no, "result_code": 5, "reason": "逾期未补正"}),
    )
    seen = case(client, no)
    assert (seen["state"], seen["result_code"], seen["reason"]) == ("CLOSED", 5, "逾期未补正")
    assert seen["closed_at"] == "2026-11-25T09:00:02.000+08:00"
    assert (check(client, no, "R3TRN")["state"], check(client, no, "R3TRN")["state_label"]) == (
        "CLOSED",
        "已办结",
    )
    assert alerts(client, project_no=no) == []


def test_closing_a_case_that_waits_for_corrections_is_flagged(client: TestClient, device: Chain) -> None:
    no = unique("P")
    send(
        client,
        device,
        ("case.received", case_payload(no)),
        ("case.correction_requested", {"project_no": no, "missing": ["营业执照"]}),
        ("case.closed", {"project_no": no, "result_code": 0}),
    )
    found = alerts(client, project_no=no)
    assert [(a["rule_id"], a["seq"], a["details"]["state"]) for a in found] == [
        ("ILLEGAL_TRANSITION", device.head[0], "CORRECTION")
    ]
    assert case(client, no)["state"] == "CLOSED"  # the ledger is the record: applied, and flagged


def test_a_result_of_another_command_and_delivering_a_refusal_are_flagged(
    client: TestClient, device: Chain
) -> None:
    no = unique("P")
    send(
        client,
        device,
        ("case.received", case_payload(no)),
        ("case.accepted", accepted_payload(no)),
        ("case.closed", {"project_no": no, "result_code": 2, "reason": "重复录入"}),
        ("case.delivered", {"project_no": no}),
    )
    found = alerts(client, project_no=no)
    assert [(a["rule_id"], a["seq"]) for a in found] == [
        ("ILLEGAL_TRANSITION", device.head[0] - 1),
        ("ILLEGAL_TRANSITION", device.head[0]),
    ]
    assert found[0]["details"]["result_code"] == 2 and found[1]["details"]["result_code"] == 2


def test_special_procedures_move_the_deadline_the_citizen_sees(client: TestClient, device: Chain) -> None:
    """The window states the new 承诺办结时间 in each 特别程序 event; the server shows exactly it."""
    no = unique("P")
    send(
        client,
        device,
        ("case.received", case_payload(no)),
        ("case.accepted", accepted_payload(no)),  # due 2026-12-09
        ("case.process_started", {"project_no": no}),
        (
            "case.suspended",
            {
                "project_no": no,
                "kind": 1,
                "reason": "负责人批准延长",
                "extend_days": 10,
                "promise_due": "2026-12-23T23:59:59+08:00",
                "promise_estimated": False,
            },
        ),
    )
    assert check(client, no)["promise_due"] == "2026-12-23T23:59:59+08:00"
    send(
        client,
        device,
        (
            "case.resumed",
            {"project_no": no, "promise_due": "2026-12-29T23:59:59+08:00", "promise_estimated": True},
        ),
        ("case.process_recorded", {"project_no": no, "node": "审核"}),  # carries no deadline: kept
    )
    seen = check(client, no)
    assert (seen["promise_due"], seen["promise_estimated"]) == ("2026-12-29T23:59:59+08:00", True)
    assert alerts(client, project_no=no) == []

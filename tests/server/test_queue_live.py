"""The live queue on a real server process: every window's action signed, no ticket served twice.

99 windows (the most one hall has) send 200 call-next requests at once: each window twice (a
double press) and two of them once more with the same operation id (a retry after a lost reply).
Counted: every ticket is handed out once, no window holds two, the retries are answered again
and change nothing. Then a window's whole day of actions, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.ledger import DeviceKey
from supervision_server.routes_queue import sign_queue_op
from tests.server.conftest import install_server_key
from tests.server.helpers import enroll_body, unique
from tests.server.test_real_server import Server
from tests.support import DEMO_CATALOG

pytestmark = pytest.mark.slow
WINDOWS = 99


class Window:
    """An enrolled device that signs its queue operations."""

    def __init__(self, server: Server, window_no: int, hall: str) -> None:
        self.server = server
        self.hall = hall
        self.window_no = window_no
        self.device_id = unique(f"win{window_no:02d}")
        self.key = DeviceKey.generate()
        code = requests.post(
            server.url + "/api/v1/admin/enroll-codes",
            json={"hall_code": hall, "window_no": window_no, "ttl_hours": 1},
            headers=server.admin,
            timeout=30,
        ).json()["code"]
        reply = requests.post(
            server.url + "/api/v1/enroll", json=enroll_body(code, self.device_id, self.key), timeout=30
        )
        assert reply.status_code == 201, reply.text
        self.http = requests.Session()

    def op(self, action: str, op_id: str | None = None, **args: Any) -> requests.Response:
        body = json.dumps(
            {
                "op_id": op_id or uuid.uuid4().hex,
                "action": action,
                "args": args,
                "device_time": datetime.now(UTC).isoformat(),
            }
        ).encode()
        return self.http.post(
            f"{self.server.url}/api/v1/queue/devices/{self.device_id}/ops",
            data=body,
            headers={"X-Signature": sign_queue_op(self.key, body), "Content-Type": "application/json"},
            timeout=120,
        )


def hall_catalog() -> dict[str, Any]:
    """The demo catalog with one department staffing windows 1-99 for category A."""
    demo = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    catalog = copy.deepcopy(demo)
    first = catalog["departments"][0]
    first["windows"] = list(range(1, WINDOWS + 1))
    catalog["departments"] = [first]
    catalog["items"] = [i for i in demo["items"] if i["dept_code"] == first["code"]]
    catalog["categories"] = [
        c for c in demo["categories"] if c["prefix"] in {i["queue_category"] for i in catalog["items"]}
    ]
    catalog["version"] = "2026.11.30"
    return catalog


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    if url:  # the session's database records the session's server key
        install_server_key(tmp_path / "data", request.getfixturevalue("session_server_key"))
    running = Server(tmp_path / "data", url)
    reply = requests.put(
        running.url + "/api/v1/admin/catalog", json=hall_catalog(), headers=running.admin, timeout=60
    )
    assert reply.status_code in (200, 201), reply.text
    yield running
    running.stop()


def test_two_hundred_calls_at_once_hand_out_each_ticket_once(server: Server) -> None:
    hall = unique("H")  # PostgreSQL tests share one database
    kiosk = Window(server, 1, hall)
    issued = [kiosk.op("issue", category="A").json()["ticket"]["number"] for _ in range(150)]
    assert issued[:3] == ["A001", "A002", "A003"] and issued[-1] == "A150"
    windows = [kiosk, *(Window(server, n, hall) for n in range(2, WINDOWS + 1))]
    # Two presses per window; windows 1 and 2 send their first press twice with one op id.
    plan: list[tuple[Window, str | None]] = [(w, None) for w in windows[2:] for _ in range(2)]
    for w in windows[:2]:
        op_id = "retry-" + uuid.uuid4().hex
        plan += [(w, op_id), (w, op_id), (w, None)]
    assert len(plan) == 200
    barrier = threading.Barrier(len(plan))
    answers: list[tuple[Window, str | None, int, dict[str, Any]]] = []
    lock = threading.Lock()

    def press(window: Window, op_id: str | None) -> None:
        barrier.wait()
        reply = window.op("call_next", op_id)
        with lock:
            answers.append((window, op_id, reply.status_code, reply.json()))

    threads = [threading.Thread(target=press, args=step) for step in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert len(answers) == 200
    assert {status for _, _, status, _ in answers} <= {200, 409}, [
        b for _, _, st, b in answers if st not in (200, 409)
    ]
    fresh = [
        (w.window_no, b["ticket"]["number"]) for w, _, st, b in answers if st == 200 and not b["replayed"]
    ]
    replayed = [
        (w.window_no, op, b["ticket"]["number"]) for w, op, st, b in answers if st == 200 and b["replayed"]
    ]
    busy = [w.window_no for w, _, st, b in answers if st == 409 and b["code"] == "WINDOW_BUSY"]
    # Every window got exactly one ticket, and no ticket went to two windows.
    assert sorted(n for n, _ in fresh) == list(range(1, WINDOWS + 1))
    assert len({t for _, t in fresh}) == WINDOWS
    assert {t for _, t in fresh} == set(issued[:WINDOWS])  # the 99 oldest: none skipped
    # A retried op id is answered with the ticket its first sending got, never a second one.
    for window_no, _op, number in replayed:
        assert (window_no, number) in fresh
    assert len(replayed) + len(busy) + len(fresh) == 200
    board = requests.get(f"{server.url}/api/v1/queue/halls/{hall}/board", timeout=30).json()
    assert sorted(w["number"] for w in board["windows"]) == sorted(t for _, t in fresh)
    assert board["waiting"] == [
        {"category": "A", "count": 150 - WINDOWS, "oldest_issued_at": board["waiting"][0]["oldest_issued_at"]}
    ]


def test_a_window_through_the_day(server: Server) -> None:
    hall = unique("H")  # PostgreSQL tests share one database
    kiosk = Window(server, 1, hall)
    win = Window(server, 3, hall)
    other = Window(server, 4, hall)
    first = kiosk.op("issue", category="A", id_no="11010519491231002X").json()
    assert (first["ticket"]["number"], first["waiting_ahead"]) == ("A001", 0)
    second = kiosk.op("issue", category="A", id_no="11010519491231002X").json()
    assert (second["ticket"]["number"], second["waiting_ahead"]) == ("A002", 1)
    third = kiosk.op("issue", category="A", id_no="11010519491231002x")
    assert third.status_code == 409 and third.json()["code"] == "TICKET_LIMIT_PER_ID"
    vip = kiosk.op("issue", category="A", priority="ELDERLY").json()["ticket"]["number"]
    assert vip == "A003"
    # priority first, then arrival order
    assert win.op("call_next").json()["ticket"]["number"] == "A003"
    for _ in range(3):
        assert win.op("recall").status_code == 200
    capped = win.op("recall")
    assert capped.status_code == 409 and capped.json()["code"] == "TICKET_RECALL_LIMIT"
    assert win.op("no_show").json()["ticket"]["state"] == "NO_SHOW"
    assert win.op("call_next").json()["ticket"]["number"] == "A001"
    assert win.op("start").status_code == 200
    missing = win.op("finish")
    assert missing.status_code == 409 and missing.json()["code"] == "TICKET_OUTCOME_REQUIRED"
    done = win.op("finish", outcome="CASE", case_nos=["H1-20261130-03ABC-0001"]).json()["ticket"]
    assert (done["state"], done["outcome"], done["case_nos"]) == (
        "FINISHED",
        "CASE",
        ["H1-20261130-03ABC-0001"],
    )
    # transfer A002 to window 4: only window 4 calls it
    assert win.op("call_next").json()["ticket"]["number"] == "A002"
    moved = win.op("transfer", to_window_no=4).json()
    assert moved["ticket"]["state"] == "TRANSFERRED" and moved["transferred"]["number"] == "A002"
    assert win.op("call_next").json()["ticket"] is None
    assert other.op("call_next").json()["ticket"]["number"] == "A002"
    assert other.op("start").status_code == 200
    assert other.op("park").json()["ticket"]["state"] == "PARKED"
    back = other.op("call_back", number="A002").json()["ticket"]
    assert (back["state"], back["window_no"]) == ("CALLED", 4)
    # pause needs a reason and an idle window; a paused window does not call
    assert other.op("start").status_code == 200
    assert other.op("finish", outcome="CONSULT").status_code == 200
    no_reason = other.op("pause")
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "PAUSE_REASON_REQUIRED"
    assert other.op("pause", reason="系统培训").json() == {
        "paused": True,
        "reason": "系统培训",
        "replayed": False,
    }
    kiosk.op("issue", category="A")
    paused = other.op("call_next")
    assert paused.status_code == 409 and paused.json()["code"] == "WINDOW_PAUSED"
    assert other.op("resume").json()["paused"] is False
    assert other.op("call_next").json()["ticket"]["number"] == "A004"


def test_operations_are_signed_fresh_and_idempotent(server: Server) -> None:
    hall = unique("H")  # PostgreSQL tests share one database
    win = Window(server, 5, hall)
    win.op("issue", category="A")
    op_id = uuid.uuid4().hex
    first = win.op("call_next", op_id).json()
    again = win.op("call_next", op_id).json()
    assert first["ticket"] == again["ticket"] and (first["replayed"], again["replayed"]) == (False, True)
    body = json.dumps(
        {
            "op_id": uuid.uuid4().hex,
            "action": "recall",
            "args": {},
            "device_time": datetime.now(UTC).isoformat(),
        }
    ).encode()
    forged = requests.post(
        f"{server.url}/api/v1/queue/devices/{win.device_id}/ops",
        data=body,
        headers={"X-Signature": sign_queue_op(DeviceKey.generate(), body)},
        timeout=30,
    )
    assert forged.status_code == 400 and forged.json()["code"] == "BAD_SIGNATURE"
    stale_body = json.dumps(
        {
            "op_id": uuid.uuid4().hex,
            "action": "recall",
            "args": {},
            "device_time": "2026-01-01T09:00:00+08:00",
        }
    ).encode()
    stale = requests.post(
        f"{server.url}/api/v1/queue/devices/{win.device_id}/ops",
        data=stale_body,
        headers={"X-Signature": sign_queue_op(win.key, stale_body)},
        timeout=30,
    )
    assert stale.status_code == 409 and stale.json()["code"] == "STALE_REQUEST"
    reused = Window(server, 6, hall).op("call_next", op_id)
    assert reused.status_code == 409 and reused.json()["code"] == "OP_ID_REUSED"

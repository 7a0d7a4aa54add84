"""A kiosk is a device of its own kind: enrolled as a kiosk, it issues tickets and does nothing a
window does, and it is never counted, judged or shown as a window. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from counter_app.domain.device_role import NOT_A_WINDOW_MESSAGE
from supervision_server.__main__ import main
from supervision_server.assessment_rows import _window_map
from supervision_server.db import make_engine, read_connection
from supervision_server.routes_queue import sign_queue_op
from supervision_server.rules.base import device_windows
from supervision_server.schema import devices, enroll_codes
from supervision_server.supervision_hall import live_hall
from tests.server.conftest import issue
from tests.server.helpers import (
    ADMIN,
    ADMIN_TOKEN,
    Chain,
    StepClock,
    enroll_body,
    heartbeat_body,
    unique,
    wire,
)
from tests.support import DEMO_CATALOG

WINDOW_ACTIONS = {
    "call_next": {},
    "recall": {},
    "start": {},
    "finish": {"outcome": "CONSULT"},
    "no_show": {},
    "transfer": {"to_category": "B"},
    "park": {},
    "call_back": {"number": "A001"},
    "pause": {"reason": "午休"},
    "resume": {},
}


class Device:
    """An enrolled device with its own chain, sending signed queue operations."""

    def __init__(self, client: TestClient, number: int, role: str, hall: str = "H1") -> None:
        self.client = client
        self.chain = Chain(f"dev-{role}-{uuid.uuid4().hex[:8]}")
        code = issue(client, hall=hall, window=number, role=role)
        reply = client.post(
            "/api/v1/enroll", json=enroll_body(code, self.chain.device_id, self.chain.key, role=role)
        )
        assert reply.status_code == 201, reply.text
        self.enrolled = reply.json()

    @property
    def device_id(self) -> str:
        return self.chain.device_id

    def op(self, clock: StepClock, action: str, **args: Any) -> Any:
        body = json.dumps(
            {"op_id": uuid.uuid4().hex, "action": action, "args": args, "device_time": clock().isoformat()}
        ).encode()
        return self.client.post(
            f"/api/v1/queue/devices/{self.device_id}/ops",
            content=body,
            headers={"X-Signature": sign_queue_op(self.chain.key, body)},
        )


@pytest.fixture
def hall(client: TestClient) -> TestClient:
    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    assert client.put("/api/v1/admin/catalog", json=catalog, headers=ADMIN).status_code in (200, 201)
    return client


def test_a_kiosk_issues_tickets_and_is_refused_every_window_action(
    hall: TestClient, clock: StepClock
) -> None:
    code = unique("HR")[:12].replace("-", "").upper()
    kiosk, window = Device(hall, 1, "kiosk", code), Device(hall, 3, "window", code)
    assert (kiosk.enrolled["role"], kiosk.enrolled["window_no"]) == ("kiosk", 1)
    assert (window.enrolled["role"], window.enrolled["window_no"]) == ("window", 3)
    issued = kiosk.op(clock, "issue", category="A")
    assert issued.status_code == 200, issued.text
    assert (issued.json()["ticket"]["number"], issued.json()["waiting_ahead"]) == ("A001", 0)
    refused = {action: kiosk.op(clock, action, **args) for action, args in WINDOW_ACTIONS.items()}
    assert {a: (r.status_code, r.json()["code"]) for a, r in refused.items()} == {
        a: (403, "QUEUE_NOT_A_WINDOW") for a in WINDOW_ACTIONS
    }
    assert refused["call_next"].json()["message"] == NOT_A_WINDOW_MESSAGE
    assert refused["pause"].json()["action"] == "pause"
    # The kiosk's refused call took nothing: the window calls the ticket, and the kiosk may cancel.
    called = window.op(clock, "call_next").json()["ticket"]
    assert (called["number"], called["state"], called["window_no"]) == ("A001", "CALLED", 3)
    assert kiosk.op(clock, "issue", category="A").json()["ticket"]["number"] == "A002"
    assert kiosk.op(clock, "cancel", number="A002").json()["ticket"]["state"] == "CANCELLED"
    # A window may still issue a ticket, as before roles.
    assert window.op(clock, "issue", category="B").json()["ticket"]["number"] == "B001"
    board = hall.get(f"/api/v1/queue/halls/{code}/board").json()
    assert [w["window_no"] for w in board["windows"]] == [3]
    listed = {
        d["device_id"]: (d["role"], d["window_no"])
        for d in hall.get("/api/v1/devices", headers=ADMIN).json()["devices"]
        if d["hall_code"] == code
    }
    assert listed == {kiosk.device_id: ("kiosk", 1), window.device_id: ("window", 3)}


def test_a_kiosk_code_enrolls_only_a_kiosk_and_the_role_is_signed(hall: TestClient) -> None:
    code = issue(hall, window=2, role="kiosk")
    window = Chain(f"dev-role-window-{uuid.uuid4().hex[:6]}")
    as_window = hall.post(
        "/api/v1/enroll", json=enroll_body(code, window.device_id, window.key, role="window")
    )
    assert (as_window.status_code, as_window.json()["code"]) == (409, "ENROLL_ROLE_MISMATCH")
    assert (
        as_window.json()["message"]
        == "登记码用于2号取号机，而本机设置为窗口；登记码未被使用，请索取窗口的登记码"
    )
    legacy = hall.post(
        "/api/v1/enroll", json=enroll_body(code, window.device_id, window.key, signed_role=None)
    )
    assert (legacy.status_code, legacy.json()["code"]) == (409, "ENROLL_ROLE_MISMATCH")  # no role: a window
    kiosk = Chain(f"dev-role-kiosk-{uuid.uuid4().hex[:6]}")
    forged = enroll_body(code, kiosk.device_id, kiosk.key, role="window") | {"role": "kiosk"}
    bad = hall.post("/api/v1/enroll", json=forged)
    assert (bad.status_code, bad.json()["code"]) == (400, "BAD_SIGNATURE")
    good = hall.post("/api/v1/enroll", json=enroll_body(code, kiosk.device_id, kiosk.key, role="kiosk"))
    assert good.status_code == 201, good.text
    assert (good.json()["role"], good.json()["window_no"]) == ("kiosk", 2)
    # An older client (no role in the request, the version 1 signature) still enrolls a window.
    old = Chain(f"dev-role-old-{uuid.uuid4().hex[:6]}")
    body = enroll_body(issue(hall, window=4), old.device_id, old.key, signed_role=None)
    assert "role" not in body
    reply = hall.post("/api/v1/enroll", json=body)
    assert reply.status_code == 201, reply.text
    assert (reply.json()["role"], reply.json()["window_no"]) == ("window", 4)
    engine = hall.app.state.ctx.engine  # type: ignore[attr-defined]
    with read_connection(engine) as conn:
        mine = [kiosk.device_id, old.device_id, window.device_id]
        query = select(devices.c.device_id, devices.c.role).where(devices.c.device_id.in_(mine))
        roles = dict(conn.execute(query).all())
        codes = sorted(
            tuple(r)
            for r in conn.execute(
                select(enroll_codes.c.used_by, enroll_codes.c.window_no, enroll_codes.c.role).where(
                    enroll_codes.c.used_by.in_(mine)
                )
            )
        )
    assert roles == {kiosk.device_id: "kiosk", old.device_id: "window"}
    assert codes == sorted([(kiosk.device_id, 2, "kiosk"), (old.device_id, 4, "window")])


def test_kiosks_are_not_windows_in_the_hall_rules_or_assessment(hall: TestClient, clock: StepClock) -> None:
    # The demo catalog's hall, which the supervisor's live view shows.
    kiosk, window = Device(hall, 1, "kiosk", "YX330785"), Device(hall, 3, "window", "YX330785")
    kiosk.op(clock, "issue", category="A")
    kiosk.op(clock, "issue", category="A")
    kiosk.chain.extend(3)  # three events the kiosk holds and has not pushed (its offline tickets)
    beat = heartbeat_body(kiosk.chain, 1, kiosk.chain.head, clock().isoformat())
    assert hall.post(f"/api/v1/devices/{kiosk.device_id}/heartbeat", json=beat).status_code == 200
    listed = hall.get("/api/v1/devices", headers=ADMIN).json()["devices"]
    last_seen = next(d["last_seen"] for d in listed if d["device_id"] == kiosk.device_id)
    assert last_seen.startswith("2026-11-25T01:00:00")
    engine = hall.app.state.ctx.engine  # type: ignore[attr-defined]
    with read_connection(engine) as conn:
        live = live_hall(conn, clock(), timedelta(minutes=2))
        windows, assessed = device_windows(conn), _window_map(conn)
    mine = (kiosk.device_id, window.device_id)
    assert {d: windows.get(d) for d in mine} == {kiosk.device_id: None, window.device_id: ("YX330785", 3)}
    assert {d: assessed.get(d) for d in mine} == {kiosk.device_id: None, window.device_id: 3}
    shown = [(w["window_no"], w["device_id"]) for w in live["windows"] if w["device_id"] in mine]
    assert shown == [(3, window.device_id)]
    assert [k for k in live["kiosks"] if k["device_id"] in mine] == [
        {
            "kiosk_no": 1,
            "device_id": kiosk.device_id,
            "state": "online",
            "state_label": "在线",
            "last_seen": last_seen,
            "silent_s": 0.0,
            "tickets_today": 2,
            "offline_tickets_today": 0,
            "unsynced_events": 3,
        }
    ]
    # The supervision page lists the kiosk under its own heading, never as a window tile.
    assert (
        hall.post("/supervision/login", data={"password": ADMIN_TOKEN}, follow_redirects=False).status_code
        == 303
    )
    page = hall.get("/supervision").text
    row = page.split('<tr data-kiosk="1">', 1)[1].split("</tr>", 1)[0]
    assert row == (
        f'<td class="left">1号取号机</td><td>在线</td><td>{last_seen}</td><td>2</td><td>0</td><td>3</td>'
    )
    assert '<section id="kiosks"><h2>取号机</h2>' in page
    # Window 1 of the catalog has no device: the kiosk numbered 1 is not taken for it.
    tile = page.split('data-window="1">', 1)[1].split("</div>", 1)[0]
    assert tile.startswith("<b>1号</b> 离线") and tile.endswith("<small>未登记设备</small>")


def test_issue_code_names_the_kiosk_and_needs_a_window_number_otherwise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "server"
    assert (
        main(["issue-code", "--data-dir", str(data), "--hall", "H1", "--role", "kiosk", "--window", "3"]) == 0
    )
    assert main(["issue-code", "--data-dir", str(data), "--hall", "H1", "--kiosk"]) == 0
    assert main(["issue-code", "--data-dir", str(data), "--hall", "H1", "--window", "7"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("（")[0] for line in lines[::2]] == [
        "大厅 H1 3号取号机的一次性登记码",
        "大厅 H1 1号取号机的一次性登记码",
        "大厅 H1 7号窗口的一次性登记码",
    ]
    engine = make_engine(f"sqlite+pysqlite:///{data / 'supervision.db'}")
    try:
        with read_connection(engine) as conn:
            rows = sorted(
                tuple(r) for r in conn.execute(select(enroll_codes.c.window_no, enroll_codes.c.role))
            )
    finally:
        engine.dispose()
    assert rows == [(1, "kiosk"), (3, "kiosk"), (7, "window")]
    with pytest.raises(SystemExit) as missing:
        main(["issue-code", "--data-dir", str(data), "--hall", "H1"])
    assert (
        str(missing.value)
        == "请用 --window 指定窗口号，或用 --kiosk 发放取号机登记码 / --window or --kiosk is required"
    )


def test_a_kiosks_offline_call_is_kept_but_never_folded_into_the_queue(
    hall: TestClient, clock: StepClock
) -> None:
    code = unique("HX")[:12].replace("-", "").upper()
    kiosk = Device(hall, 3, "kiosk", code)
    ticket = {
        "ticket_no": "A3001",
        "category": "A",
        "business_date": "2026-11-25",
        "priority": "NORMAL",
        "issued_at": "2026-11-25T09:00:00+08:00",
        "recalls": 0,
        "offline": True,
    }
    kiosk.chain.append("ticket.issued", {**ticket, "state": "WAITING", "window_no": None})
    kiosk.chain.append(
        "ticket.called",
        {
            **ticket,
            "state": "CALLED",
            "window_no": 3,
            "called_at": "2026-11-25T09:01:00+08:00",
            "typed": True,
        },
    )
    reply = hall.post(f"/api/v1/devices/{kiosk.device_id}/events", json=wire(kiosk.chain.events))
    assert reply.status_code == 200, reply.text
    assert (reply.json()["acked_seq"], reply.json()["stored"]) == (2, 2)  # both kept in the ledger
    alerts = hall.get("/api/v1/alerts", params={"device_id": kiosk.device_id}, headers=ADMIN).json()["alerts"]
    assert [(a["rule_id"], a["seq"], a["window_no"]) for a in alerts] == [("KIOSK_NOT_A_WINDOW", 2, None)]
    by_window = hall.get(
        "/api/v1/alerts", params={"window_no": 3, "rule_id": "KIOSK_NOT_A_WINDOW"}, headers=ADMIN
    )
    assert [a["device_id"] for a in by_window.json()["alerts"] if a["device_id"] == kiosk.device_id] == []
    assert alerts[0]["message"] == (
        f"3号取号机（设备 {kiosk.device_id}）离线记录了 A3001 号的 ticket.called，"
        "取号机不能叫号或办理；该记录已保存，未计入大厅队列"
    )
    board = hall.get(f"/api/v1/queue/halls/{code}/board").json()
    assert board["windows"] == [] and [(w["category"], w["count"]) for w in board["waiting"]] == [("A", 1)]

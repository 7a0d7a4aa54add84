"""The assessment through a real server process (SQLite and PostgreSQL): a window's signed events
pushed over HTTP, then the JSON, CSV and PDF routes and the supervisor's access to them."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app.domain.case_numbers import device_tag, make_case_number
from counter_app.resources import resources_dir
from tests.pg import fresh_database, require_postgres, require_tool
from tests.server.helpers import Chain, enroll_body, unique, wire
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow
DAY = "2026-11-25"
HALL = "YX330785"  # the demo catalog's hall; window 1 belongs to 市场监督管理局 (SCJG)
SUPERVISOR = "supervisor-password-of-the-office"


def at(hm: str, day: str = DAY) -> str:
    return f"{day}T{hm}:00.000+08:00"


def ticket(
    number: str, issued: str, called: str, started: str | None, ended: str, outcome: str, day: str = DAY
) -> dict[str, Any]:
    return {
        "ticket_no": number, "category": "A", "business_date": day, "priority": "NORMAL",
        "state": "NO_SHOW" if outcome == "NO_SHOW" else "FINISHED", "window_no": 1,
        "issued_at": at(issued, day), "called_at": at(called, day), "first_called_at": at(called, day),
        "recalls": 0, "started_at": at(started, day) if started else None, "ended_at": at(ended, day),
        "outcome": outcome, "case_nos": [], "to_category": None, "to_window_no": None, "offline": False,
    }  # fmt: skip


def promise_item() -> dict[str, Any]:
    catalog = json.loads((resources_dir() / "catalog" / "demo_catalog.json").read_text("utf-8"))
    return next(i for i in catalog["items"] if i["dept_code"] == "SCJG" and i["project_type"] == 2)


def plant(server: ServerProcess, day: str = DAY) -> Chain:
    """Window 1 on ``day``: three tickets (two served, one no-show), a case accepted and closed
    late, a 差评, a ten-minute pause. The chain is returned unsent beyond these events."""
    chain = Chain(unique("dev"))
    code = server.issue_code(hall=HALL, window=1)
    reply = requests.post(
        f"{server.url}/api/v1/enroll", json=enroll_body(code, chain.device_id, chain.key), timeout=30
    )
    assert reply.status_code == 201, reply.text
    item = promise_item()
    first = date.fromisoformat(day)
    no = make_case_number(HALL, first, 1, device_tag(base64.b64decode(chain.key.public_b64)), 1)
    clerk = "c1"
    chain.append(
        "ticket.finished",
        ticket("A001", "09:00", "09:10", "09:11", "09:21", "CASE", day),
        clerk,
        at("09:21", day),
    )
    received = {
        "project_no": no, "task_code": item["task_code"], "item_name": item["name"], "dept_code": "SCJG",
        "project_type": 2, "applicant": {"name": "张小三", "cert_type": "111", "cert_no": "11010519491231002X"},
        "window_no": 1, "ticket_no": "A001", "materials": [],
    }  # fmt: skip
    chain.append("case.received", received, clerk, at("09:15", day))
    due = (first + timedelta(days=1)).isoformat() + "T17:00:00+08:00"
    accepted = {
        "project_no": no, "accepted_at": at("09:16", day), "promise_due": due, "promise_estimated": False,
        "check_code": "7K3Q9",
    }  # fmt: skip
    chain.append("case.accepted", accepted, clerk, at("09:16", day))
    chain.append("case.process_started", {"project_no": no}, clerk, at("09:17", day))
    closed = at("10:00", (first + timedelta(days=2)).isoformat())
    chain.append("case.closed", {"project_no": no, "result_code": 0, "reason": ""}, clerk, closed)
    chain.append(
        "ticket.no_show",
        ticket("A002", "09:05", "09:25", None, "09:28", "NO_SHOW", day),
        clerk,
        at("09:28", day),
    )
    rating = {
        "ticket_no": "A001",
        "business_date": day,
        "case_nos": [no],
        "level": 2,
        "no_rating": None,
        "comment": "",
    }
    chain.append("service.rated", rating, clerk, at("09:22", day))
    chain.append(
        "window.paused", {"window_no": 1, "reason": "休息", "offline": False}, clerk, at("09:29", day)
    )
    chain.append("window.resumed", {"window_no": 1, "offline": False}, clerk, at("09:39", day))
    # the last ticket of the day ends after the pause: the window's span runs to it
    chain.append(
        "ticket.finished",
        ticket("A003", "09:30", "09:40", "09:41", "09:50", "CONSULT", day),
        clerk,
        at("09:50", day),
    )
    pushed = requests.post(
        f"{server.url}/api/v1/devices/{chain.device_id}/events", json=wire(chain.events), timeout=30
    )
    assert pushed.status_code == 200, pushed.text
    return chain


def plant_refusal(server: ServerProcess, chain: Chain, day: str) -> None:
    """A second case on ``day``, refused without a reason: a 黄牌 (CLOSURE_WITHOUT_REASON) on window 1."""
    no = chain.events[1].envelope.payload["project_no"].replace("-0001", "-0002")
    received = {**chain.events[1].envelope.payload, "project_no": no}
    sent = len(chain.events)
    chain.append("case.received", received, "c1", at("10:00", day))
    chain.append(
        "case.not_accepted", {"project_no": no, "result_code": 6, "reason": ""}, "c1", at("10:05", day)
    )
    pushed = requests.post(
        f"{server.url}/api/v1/devices/{chain.device_id}/events", json=wire(chain.events[sent:]), timeout=30
    )
    assert pushed.status_code == 200, pushed.text


def check_assessment(server: ServerProcess, tmp_path: Path) -> None:
    plant(server)
    url = f"{server.url}/api/v1/assessment"
    refused = requests.get(url, params={"day": DAY}, timeout=30)
    assert (refused.status_code, refused.json()["code"]) == (401, "UNAUTHORIZED")
    auth = {"Authorization": f"Bearer {SUPERVISOR}"}
    body = requests.get(url, params={"day": DAY}, headers=auth, timeout=60).json()
    assert body["period"] == {"start": DAY, "end": DAY}
    (window,) = body["by"]["window"]
    assert (window["key"], window["tickets_called"], window["tickets_served"], window["no_shows"]) == (
        "1",
        3,
        2,
        1,
    )
    assert (window["wait_avg_s"], window["wait_p90_s"]) == (800.0, 1200.0)  # waits 600, 1200, 600 s
    assert (window["service_avg_s"], window["cases_received"], window["cases_accepted"]) == (570.0, 1, 1)
    assert (window["on_time_rate"], window["overdue"], window["bad_share"], window["avg_level"]) == (
        0.0,
        1,
        1.0,
        2.0,
    )
    # span 09:10-09:50 = 2400 s; with a ticket 660 + 180 + 600 s; paused 600 s
    assert (window["paused_s"], window["idle_s"]) == (600.0, 360.0)
    (clerk,) = body["by"]["clerk"]
    assert (clerk["key"], clerk["tickets_served"]) == ("c1", 2)
    scjg = next(i for i in body["indicators"] if i["dept_code"] == "SCJG")
    assert (scjg["hall_cases"], scjg["reached_in_hour"], scjg["staff"], scjg["register_rate"]) == (
        1,
        0,
        1,
        None,
    )
    bad = requests.get(url, params={"start": DAY}, headers=auth, timeout=30)
    assert (bad.status_code, bad.json()["code"]) == (422, "ASSESSMENT_PERIOD")

    csv_reply = requests.get(f"{url}.csv", params={"day": DAY, "table": "clerk"}, headers=auth, timeout=60)
    assert csv_reply.headers["content-type"].startswith("text/csv")
    assert csv_reply.content.startswith(b"\xef\xbb\xbf")
    lines = csv_reply.content.decode("utf-8-sig").splitlines()
    assert lines[0] == f"统计期间 {DAY} 至 {DAY}"
    assert lines[1].startswith("工作人员,服务人次,接件,受理,即办占比,平均等候(分),90%等候(分)")
    assert lines[2].startswith("c1,2,1,1,0.0%,13.3,20.0,9.5,")

    require_tool("pdftotext", "poppler-utils")
    pdf = requests.get(f"{url}.pdf", params={"day": DAY}, headers=auth, timeout=120)
    assert pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in ("云溪市政务服务中心 窗口考核报告", f"统计期间：{DAY} 至 {DAY}", "各窗口考核得分", "按工作人员统计",
                     "三集中、三到位指标", "云溪市市场监督管理局", "1号窗口"):  # fmt: skip
        assert expected in text, expected


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path / "data", settings={"supervisor_token": SUPERVISOR})
    server.start()
    yield server
    server.stop()


def test_assessment_through_a_real_server_on_sqlite(sqlite_server: ServerProcess, tmp_path: Path) -> None:
    check_assessment(sqlite_server, tmp_path)


@pytest.mark.postgres
def test_assessment_through_a_real_server_on_postgres(tmp_path: Path) -> None:
    require_postgres()
    with fresh_database("sc_assess") as url:  # its own database: exact counts
        server = ServerProcess(tmp_path / "data", url, settings={"supervisor_token": SUPERVISOR})
        server.start()
        try:
            check_assessment(server, tmp_path)
        finally:
            server.stop()

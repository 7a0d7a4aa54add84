"""The window checks its own ledger before pushing, against the REAL supervision server.

A ledger edited behind the program's back is not pushed: the window stops, says so, and the
server gets a signed report and raises LEDGER_TAMPERED. Rows deleted before delivery (a hole)
are reported with their range (LEDGER_HOLE), heartbeats go on, and once the administrator
accepts the hole on the server the window resumes from the event after it.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests

from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.intake import accept_case
from counter_app.store.ledger_check import verify_ledger
from counter_app.store.uow import Store
from tests.support import intake_for, promise_item
from tests.sync.sync_checks import WINDOWS, alerts_for, new_counter, new_window, pusher_for
from tests.sync.sync_helpers import append_events, make_store
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow


def case_counter(server: ServerProcess, counters: list[Store], tmp_path: Path, clock: FixedClock) -> Store:
    """An initialised window with the demo catalog, enrolled for its own window number."""
    return new_window(server, counters, tmp_path, clock, next(WINDOWS))


def shell(store: Store) -> sqlite3.Connection:
    """What someone with a SQL shell on the window's machine has."""
    conn = sqlite3.connect(store.data_dir.db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=OFF")
    return conn


def server_seqs(server: ServerProcess, device_id: str) -> list[int]:
    rows = server.query("SELECT seq FROM events WHERE device_id = :d ORDER BY seq", d=device_id)
    return [r.seq for r in rows]


def test_a_tampered_ledger_is_not_pushed_and_the_server_is_told(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    clock = FixedClock(datetime.now(HALL_TZ))
    store = case_counter(server, counters, tmp_path, clock)
    device_id = store.device_id()
    item = promise_item(store)
    accept_case(store, clock, "clerk-07", intake_for(item))
    assert pusher_for(store, clock=clock).push_once().acked_seq == 4
    clock.advance(minutes=3)
    renamed = accept_case(store, clock, "clerk-07", intake_for(item)).project_no
    conn = shell(store)
    conn.execute("DROP TRIGGER cases_no_update")
    conn.execute("UPDATE cases SET applicant_name = '李四' WHERE project_no = ?", (renamed,))
    status = pusher_for(store, clock=clock).push_once()
    assert status.state == "stopped" and status.last_error is not None
    assert status.last_error.code == "LEDGER_TAMPERED" and status.acked_seq == 4 and status.waiting == 2
    assert "CASE_ROW_MISMATCH" in status.last_error.message and renamed in status.last_error.message
    assert server_seqs(server, device_id) == [1, 2, 3, 4]  # nothing pushed from the edited ledger
    rows = server.query(
        "SELECT seq, project_no, message FROM alerts WHERE device_id = :d AND rule_id = 'LEDGER_TAMPERED'",
        d=device_id,
    )
    assert [(r.seq, r.project_no) for r in rows] == [(5, renamed)]
    assert "applicant_name" in rows[0].message and device_id in rows[0].message
    again = pusher_for(store, clock=clock)
    again.resume()
    assert again.push_once().last_error.code == "LEDGER_TAMPERED"  # type: ignore[union-attr]
    assert alerts_for(server, store).count("LEDGER_TAMPERED") == 1  # one alert per problem


def test_a_report_must_carry_the_device_signature(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(server, counters, tmp_path)
    from counter_app.ledger import DeviceKey
    from counter_app.ledger.report import sign_report

    body = {
        "kind": "LEDGER_TAMPERED",
        "code": "CASE_ROW_MISMATCH",
        "seq": 1,
        "message": "伪造的报告",
        "project_no": None,
        "field": None,
        "from_seq": None,
        "to_seq": None,
        "bridge_hash": None,
        "head_seq": 0,
        "head_hash": "0" * 64,
        "device_time": "2026-11-25T09:00:00.000+08:00",
    }
    url = f"{server.url}/api/v1/devices/{store.device_id()}/reports"
    forged = requests.post(url, json=sign_report(DeviceKey.generate(), store.device_id(), body), timeout=10)
    assert forged.status_code == 400 and forged.json()["code"] == "BAD_SIGNATURE"
    assert alerts_for(server, store) == []
    genuine = requests.post(url, json=sign_report(store.key, store.device_id(), body), timeout=10)
    assert genuine.status_code == 200 and genuine.json() == {
        "status": "recorded",
        "alerted": True,
        "acceptance": None,
    }
    assert alerts_for(server, store) == ["LEDGER_TAMPERED"]


def test_a_hole_is_reported_and_the_admin_lets_the_window_go_on(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    store = new_counter(server, counters, tmp_path)
    device_id = store.device_id()
    append_events(store, 5)
    assert pusher_for(store).push_once().acked_seq == 5
    append_events(store, 5, start=5)
    conn = shell(store)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq IN (7, 8)")  # never delivered, gone for good
    pusher = pusher_for(store)
    status = pusher.push_once()
    assert status.state == "backing_off" and status.last_error is not None
    assert status.last_error.code == "LEDGER_HOLE" and "7–8" in status.last_error.message
    assert server_seqs(server, device_id) == [1, 2, 3, 4, 5]
    holes = server.query("SELECT rule_id, seq, details FROM alerts WHERE device_id = :d", d=device_id)
    assert [(r.rule_id, r.seq) for r in holes] == [("LEDGER_HOLE", 7)]
    assert {k: json.loads(holes[0].details)[k] for k in ("from_seq", "to_seq")} == {
        "from_seq": 7,
        "to_seq": 8,
    }
    announced = server.query("SELECT announced_seq FROM devices WHERE device_id = :d", d=device_id)
    assert announced[0].announced_seq == 10  # the heartbeat still went out
    assert pusher.push_once().last_error.code == "LEDGER_HOLE"  # type: ignore[union-attr]
    assert alerts_for(server, store) == ["LEDGER_HOLE"]  # reported again, alerted once
    # The administrator's way out: accept the hole, with a reason, on the server.
    holes_url = f"{server.url}/api/v1/admin/devices/{device_id}/holes"
    listed = requests.get(holes_url, headers=server.admin(), timeout=10).json()["holes"]
    assert [(h["from_seq"], h["to_seq"], h["accepted_at"]) for h in listed] == [(7, 8, None)]
    accepted = requests.post(
        f"{holes_url}/7/accept",
        json={"note": "窗口电脑记录被误删，已书面说明"},
        headers=server.admin(),
        timeout=10,
    )
    assert accepted.status_code == 200 and accepted.json()["acceptance"]["to_seq"] == 8
    status = pusher.push_once()
    assert status.state == "idle" and status.last_error is None and status.acked_seq == 10
    assert server_seqs(server, device_id) == [1, 2, 3, 4, 5, 6, 9, 10]
    assert server.query("SELECT count(*) FROM fork_events WHERE device_id = :d", d=device_id)[0][0] == 0
    assert alerts_for(server, store) == ["LEDGER_HOLE", "LEDGER_HOLE_ACCEPTED"]
    verdict = verify_ledger(store)
    assert verdict.ok and [(h.from_seq, h.to_seq) for h in verdict.holes] == [(7, 8)]
    append_events(store, 2, start=10)
    assert pusher.push_once().acked_seq == 12


def test_a_hole_acceptance_not_signed_by_the_server_bridges_nothing(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    from counter_app.ledger import DeviceKey
    from counter_app.ledger.report import HoleAcceptance, sign_hole_acceptance
    from counter_app.sync.selfcheck import store_acceptance

    store = new_counter(server, counters, tmp_path)
    append_events(store, 4)
    conn = shell(store)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute("DELETE FROM events WHERE seq = 2")
    bridge = json.loads(conn.execute("SELECT envelope FROM events WHERE seq = 3").fetchone()[0])["prev_hash"]
    forged = sign_hole_acceptance(
        HoleAcceptance(store.device_id(), 2, 2, bridge, "2026-11-25"), DeviceKey.generate()
    )
    store_acceptance(store, forged)
    problem = verify_ledger(store).problem
    assert problem is not None and problem.code == "HOLE_ACCEPTANCE_INVALID"


@pytest.fixture(scope="module")
def bare_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server outside demo mode: no catalog has been published on it yet."""
    proc = ServerProcess(tmp_path_factory.mktemp("bare") / "data", demo=False)
    proc.start()
    yield proc
    proc.stop()


def test_sync_once_without_a_published_catalog_says_what_happened(
    bare_server: ServerProcess, tmp_path: Path
) -> None:
    data = tmp_path / "window"
    run = [sys.executable, "-m", "counter_app.sync", "--data-dir", str(data)]
    code = bare_server.issue_code("H1", 1)
    enrolled = subprocess.run(
        [*run, "enroll", "--server", bare_server.url, "--code", code],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert enrolled.returncode == 0, enrolled.stdout + enrolled.stderr
    store = make_store(data)
    try:
        append_events(store, 3)
    finally:
        store.close()
    once = subprocess.run([*run, "--json", "once"], capture_output=True, text=True, timeout=60)
    assert once.returncode == 0, once.stdout + once.stderr
    report = json.loads(once.stdout)
    assert (report["waiting"], report["acked_seq"], report["reference_code"]) == (0, 3, "NOT_PUBLISHED")
    assert "拒绝" not in once.stdout
    assert report["reference_error"] == "服务器尚未发布事项目录或日历，本窗口继续使用本机已有的数据。"
    assert report["summary"] == (
        "本机事件已全部上传并得到服务器确认（至序号 3）；服务器尚未发布事项目录或日历，本窗口继续使用本机已有的数据。"
    )

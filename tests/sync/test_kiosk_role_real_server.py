"""The kiosk as a device of its own kind, end to end: ``counter init --kiosk``, a kiosk code from
``issue-code --kiosk``, enrollment against the REAL server (SQLite and PostgreSQL), the server
refusing it every window action, and the client refusing a window's queue on its folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from counter_app.domain.device_role import NOT_A_WINDOW_MESSAGE
from counter_app.domain.errors import DomainError
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.kiosk import Kiosk
from counter_app.services.queue import WindowQueue
from counter_app.services.setup import import_catalog
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.sync.config import SyncConfig
from counter_app.sync.errors import SyncError
from counter_app.sync.queue_client import QueueOps
from tests.server.helpers import unique
from tests.support import DEMO_CATALOG
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def counter(data: Path, *args: str) -> tuple[int, Any]:
    """``counter --json ...`` as a process on ``data``: exit code and the JSON it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "--data-dir", str(data), "--json", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else done.stderr


def sync_enroll(data: Path, server: ServerProcess, code: str) -> tuple[int, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "counter_app.sync", "--data-dir", str(data), "--json", "enroll"]
        + ["--server", server.url, "--code", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout)


def test_a_kiosk_is_set_up_enrolled_and_kept_to_issuing(server: ServerProcess, tmp_path: Path) -> None:
    hall = unique("HK")[:12].replace("-", "").upper()
    kiosk_dir, window_dir = tmp_path / "kiosk", tmp_path / "window"
    status, made = counter(kiosk_dir, "init", "--hall", hall, "--kiosk", "2")
    assert status == 0, made
    assert (made["role"], made["window_no"], made["hall_code"]) == ("kiosk", 2, hall)
    assert counter(window_dir, "init", "--hall", hall, "--window", "5")[0] == 0
    again = counter(kiosk_dir, "init", "--hall", hall, "--window", "2")  # the same number as a window
    assert again == (
        2,
        {
            "ok": False,
            "code": "SETUP_ALREADY_INITIALISED",
            "message": f"该数据目录已初始化为 {hall} 大厅 2号取号机",
            "details": None,
        },
    )
    code = server.issue_code(hall, 2, kiosk=True)
    # A window's folder cannot spend the kiosk's code; the code stays good for the kiosk.
    status, refused = sync_enroll(window_dir, server, code)
    assert (status, refused["error"]) == (2, "ENROLL_ROLE_MISMATCH")
    assert refused["message"] == (
        "登记码与本机的设备类型不符（窗口或取号机；登记码未被使用），请索取与本机类型一致的登记码。"
        "（错误代码：ENROLL_ROLE_MISMATCH）"
    )
    status, enrolled = sync_enroll(kiosk_dir, server, code)
    assert status == 0, enrolled
    assert (enrolled["role"], enrolled["window_no"], enrolled["hall_code"]) == ("kiosk", 2, hall)
    stored = server.query("SELECT role, window_no FROM devices WHERE device_id = :d", d=enrolled["device_id"])
    assert [tuple(r) for r in stored] == [("kiosk", 2)]

    clock = FixedClock(datetime.now(HALL_TZ))
    store = Store(DataDir(kiosk_dir))
    try:
        import_catalog(store, DEMO_CATALOG, clock)
        with pytest.raises(DomainError) as not_window:
            WindowQueue(store, clock, "clerk-07", None)
        assert not_window.value.code == "QUEUE_NOT_A_WINDOW"
        assert not_window.value.message == (
            "本数据目录是2号取号机，不是窗口：不能打开叫号面板或窗口程序，请使用取号模式"
        )
        offline = Kiosk(store, clock, None).issue("A")  # not connected: kiosk 2's own block
        assert (offline.number, offline.offline) == ("A2001", True)
        client = SyncConfig.load(store).client()
        try:
            ops = QueueOps(store, SyncConfig.load(store), client, clock)
            online = Kiosk(store, clock, ops).issue("B")
            assert (online.number, online.offline) == ("B001", False)
            for action in ("call_next", "pause"):
                with pytest.raises(SyncError) as refused_op:
                    ops.send(action, reason="午休")
                assert (refused_op.value.code, refused_op.value.http_status) == ("QUEUE_NOT_A_WINDOW", 403)
                assert refused_op.value.message == NOT_A_WINDOW_MESSAGE
        finally:
            client.close()
    finally:
        store.close()
    # The kiosk's folder does not open the queue panel, nor a window's folder the kiosk.
    status, panel = counter(kiosk_dir, "queue-panel")
    assert (status, panel["code"]) == (2, "QUEUE_NOT_A_WINDOW")
    status, window = counter(kiosk_dir, "window")  # nor the clerk's window
    assert (status, window["code"]) == (2, "QUEUE_NOT_A_WINDOW")
    status, screen = counter(window_dir, "kiosk")
    assert (status, screen["code"]) == (2, "DEVICE_NOT_A_KIOSK")
    assert screen["message"] == (
        "本数据目录是5号窗口。该设备是窗口，不是取号机：请在取号机的数据目录上运行取号模式"
    )

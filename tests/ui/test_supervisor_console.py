"""The supervisor's console (``counter supervisor``) driven through real widgets against a real
server process: live hall, alert list with filters and steps, assessment and its exports.

Screenshots at 1366x768 go to ``SC_SHOTS_DIR`` when it is set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QApplication

from counter_app.domain.queue import HALL_TZ
from counter_app.ui.look import apply_look
from counter_app.ui.modes import build_supervisor
from counter_app.ui.supervisor import SupervisorConsole
from tests.integration.test_cli import counter
from tests.server.helpers import Chain, enroll_body
from tests.server.test_assessment_real_server import HALL, SUPERVISOR, plant, plant_refusal
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "data", settings={"supervisor_token": SUPERVISOR})
    proc.start()
    yield proc
    proc.stop()


def rows(model: QStandardItemModel) -> list[list[str]]:
    return [[model.item(r, c).text() for c in range(model.columnCount())] for r in range(model.rowCount())]


def shoot(console: SupervisorConsole, tab: int, name: str, qtbot: Any) -> None:
    folder = os.environ.get("SC_SHOTS_DIR")
    if not folder:
        return
    console.tabs.setCurrentIndex(tab)
    console.resize(1366, 768)
    console.show()
    qtbot.wait(200)
    path = Path(folder) / f"supervisor-console-{name}-1366x768.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    assert console.grab().save(str(path))


def test_the_supervisor_console_against_a_real_server(
    server: ServerProcess, tmp_path: Path, qapp: QApplication, qtbot: Any
) -> None:
    apply_look(qapp)
    today = datetime.now(UTC).astimezone(HALL_TZ).date().isoformat()
    plant_refusal(server, plant(server, today), today)
    kiosk = Chain("dev-console-kiosk")  # the hall's ticket kiosk: listed apart, never as a window
    code = server.issue_code(hall=HALL, window=1, kiosk=True)
    body = enroll_body(code, kiosk.device_id, kiosk.key, role="kiosk")
    assert requests.post(f"{server.url}/api/v1/enroll", json=body, timeout=30).status_code == 201
    built = build_supervisor(server.url, SUPERVISOR, tmp_path / "exports", actor="JC01")
    console = built.widget
    assert isinstance(console, SupervisorConsole)
    qtbot.addWidget(console)
    try:
        # live hall: window 1 worked today and is idle; window 2 has no device
        qtbot.waitUntil(lambda: console.windows_model.rowCount() > 0, timeout=15000)
        hall = {r[0]: r for r in rows(console.windows_model)}
        assert console.title.text() == "电子监察台 · 云溪市政务服务中心"
        # the hall named by the server, its board stream held open for live refreshes
        qtbot.waitUntil(lambda: console.feed_status == "live", timeout=15000)
        assert hall["1号"][1:4] == ["云溪市市场监督管理局", "空闲", "—"]
        assert hall["2号"][2] == "离线" and hall["2号"][5] == "无设备"
        assert rows(console.waiting_model) == []
        assert rows(console.kiosks_model) == [["1号取号机", "离线", "0", "0", "0", "—"]]
        assert [r[0] for r in rows(console.windows_model)].count("1号") == 1

        # alerts: the refusal without a reason, filtered by level
        qtbot.waitUntil(lambda: console.alerts_model.rowCount() == 1, timeout=15000)
        (alert,) = rows(console.alerts_model)
        assert alert[1:4] == ["黄牌", "异常办结或不予受理未填写理由", "1"]
        console.level_filter.setCurrentText("红牌")
        console.search_button.click()
        qtbot.waitUntil(lambda: console.alerts_model.rowCount() == 0, timeout=15000)
        console.level_filter.setCurrentText("黄牌")
        console.window_filter.setText("1")
        console.search_button.click()
        qtbot.waitUntil(lambda: console.alerts_model.rowCount() == 1, timeout=15000)
        console.alerts_view.selectionModel().select(
            console.alerts_model.index(0, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        assert "CLOSURE_WITHOUT_REASON" in console.alert_detail.toPlainText()
        # one click: the case and its events behind the alert
        qtbot.waitUntil(lambda: "事件记录：" in console.alert_detail.toPlainText(), timeout=15000)
        detail = console.alert_detail.toPlainText()
        assert "申请人 张小三（110105********002X），状态 不予受理，受理人 c1" in detail
        history = [line.split()[1] for line in detail.split("事件记录：")[1].strip().splitlines()]
        assert history == ["case.received", "case.not_accepted"]
        assert console.step_buttons["escalate"].isEnabled()
        # 督办 needs its note: refused by the server without one, recorded with it, under the supervisor
        console.step_buttons["escalate"].click()
        qtbot.waitUntil(lambda: "服务器未接受" in console.step_result.text(), timeout=15000)
        console.step_comment.setText("请窗口说明不予受理的理由")
        console.step_buttons["escalate"].click()
        qtbot.waitUntil(lambda: console.step_result.text() == "「督办」已记录", timeout=15000)
        history = requests.get(
            f"{server.url}/api/v1/alerts/{alert[0]}/history",
            headers={"Authorization": f"Bearer {SUPERVISOR}"},
            timeout=10,
        ).json()
        assert [(s["action"], s["actor"], s["note"]) for s in history["steps"]][1:] == [
            ("escalate", "JC01", "请窗口说明不予受理的理由")
        ]

        # assessment of today, per window and per clerk
        qtbot.waitUntil(lambda: console.assessment_model.rowCount() == 2, timeout=15000)
        window_row, hall_row = rows(console.assessment_model)
        assert window_row[:13] == ["1号窗口", "2", "2", "13.3", "20.0", "9.5", "0.0%", "1", "50.0%", "33.3%",
                                   "100.0%", "100.0%", "0/1/0"]  # fmt: skip
        assert (window_row[-1], hall_row[0]) == ("43.0", "全大厅")
        console.dimension_choice.setCurrentIndex(1)
        assert rows(console.assessment_model)[0][:2] == ["c1", "2"]
        shoot(console, 0, "hall", qtbot)
        shoot(console, 1, "alerts", qtbot)
        shoot(console, 2, "assessment", qtbot)

        # exports land in the export folder
        console.export("csv")
        csv_path = tmp_path / "exports" / f"assessment-{today}-clerk.csv"
        qtbot.waitUntil(csv_path.exists, timeout=15000)
        assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
        assert csv_path.read_text("utf-8-sig").splitlines()[2].startswith("c1,2,2,1,0.0%,13.3,20.0,9.5,")
        console.export("pdf")
        pdf_path = tmp_path / "exports" / f"assessment-{today}.pdf"
        qtbot.waitUntil(lambda: "已导出" in console.status.text() and pdf_path.exists(), timeout=30000)
        if shutil.which("pdftotext"):
            text = subprocess.run(
                ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
            ).stdout
            assert "窗口考核报告" in text
    finally:
        console.shutdown()
        built.runner.shutdown()
        if built.client is not None:
            built.client.close()


def test_counter_supervisor_needs_the_password(tmp_path: Path) -> None:
    done = counter(
        tmp_path / "nowhere",
        "--json",
        "supervisor",
        "--server",
        "http://127.0.0.1:9",
        env_extra={"QT_QPA_PLATFORM": "offscreen"},
        env_drop=("COUNTER_SUPERVISOR_TOKEN",),
    )
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout)["code"] == "NO_SUPERVISOR_TOKEN"
    plain = counter(
        tmp_path / "nowhere",
        "--json",
        "supervisor",
        "--server",
        "http://jc.example.gov.cn",
        env_extra={"QT_QPA_PLATFORM": "offscreen", "COUNTER_SUPERVISOR_TOKEN": SUPERVISOR},
    )
    assert (plain.returncode, json.loads(plain.stdout)["code"]) == (2, "SERVER_URL_INVALID")
    assert not (tmp_path / "nowhere").exists()  # no data folder is made or needed

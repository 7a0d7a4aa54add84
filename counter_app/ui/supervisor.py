"""监察台: the supervisor's console (``counter supervisor``).

Three tabs on the server's supervisor routes (counter_app.sync.supervision_client):

* **大厅实况** - every window (serving which ticket, idle, paused, offline, sync lag) and the
  waiting count and longest wait per category; refreshed whenever the hall board feed reports a
  change and every ``refresh_ms`` besides (sync lag and silence change without a board event);
* **监察预警** - the alert list with filters (level, rule, window, open only); the selected
  alert's message, details, case and device shown beside it; 确认 / 批注 / 督办 send
  ``POST /alerts/{id}/steps`` and show what the server answers, its refusal included;
* **考核** - today's or this month's assessment per window, clerk, department or category, with
  export to CSV or PDF into ``export_dir``.

Every call runs on the TaskRunner's worker; widgets are touched only on the GUI thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.case import CaseState
from counter_app.domain.queue import HALL_TZ, TicketState
from counter_app.sync.supervision_client import SupervisionClient, SupervisionError
from counter_app.ui.tasks import TaskRunner

LEVELS = ("预警", "黄牌", "红牌")
STEPS = (("ack", "确认"), ("comment", "批注"), ("escalate", "督办"))
# (hall code, board listener, state listener) -> a started-on-demand board feed
FeedFactory = Callable[[str, Callable[[dict[str, Any]], None], Callable[[str], None]], Any]
DIMENSIONS = (("window", "窗口"), ("clerk", "工作人员"), ("department", "部门"), ("category", "业务类别"))


def _pct(value: Any) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _min(value: Any) -> str:
    return "—" if value is None else f"{value / 60:.1f}"


FIGURES: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("服务人次", lambda f: str(f["tickets_served"])),
    ("接件", lambda f: str(f["cases_received"])),
    ("平均等候(分)", lambda f: _min(f["wait_avg_s"])),
    ("90%等候(分)", lambda f: _min(f["wait_p90_s"])),
    ("平均办理(分)", lambda f: _min(f["service_avg_s"])),
    ("按时办结率", lambda f: _pct(f["on_time_rate"])),
    ("超期", lambda f: str(f["overdue"])),
    ("不予受理率", lambda f: _pct(f["not_accepted_rate"])),
    ("过号率", lambda f: _pct(f["no_show_rate"])),
    ("差评率", lambda f: _pct(f["bad_share"])),
    ("参评率", lambda f: _pct(f["rated_share"])),
    ("预警/黄/红", lambda f: "/".join(str(f["alerts"].get(lv, 0)) for lv in LEVELS)),
    ("空闲(时)", lambda f: f"{f['idle_s'] / 3600:.1f}"),
    ("暂停(时)", lambda f: f"{f['paused_s'] / 3600:.1f}"),
    ("考核得分", lambda f: "—" if f["score"] is None else f"{f['score']:.1f}"),
)


def _label(kind: Any, code: str) -> str:
    """A stored state code as the hall says it (the code itself if unknown)."""
    try:
        return str(kind(code).label)
    except ValueError:
        return code


def _fill(model: QStandardItemModel, header: list[str], rows: list[list[Any]]) -> None:
    model.clear()
    model.setHorizontalHeaderLabels(header)
    for row in rows:
        items = []
        for value in row:
            item = QStandardItem("—" if value is None or value == "" else str(value))
            item.setEditable(False)
            items.append(item)
        model.appendRow(items)


def _table(model: QStandardItemModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class SupervisorConsole(QWidget):
    """The console; ``board_arrived`` takes the hall board feed (any board means: refresh)."""

    board_arrived = Signal(dict)
    feed_state = Signal(str)

    def __init__(
        self,
        client: SupervisionClient,
        runner: TaskRunner,
        export_dir: Path,
        feed_factory: FeedFactory | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(HALL_TZ),
        refresh_ms: int = 15000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.runner = runner
        self.export_dir = export_dir
        self.feed_factory = feed_factory
        self.feed: Any = None
        self.feed_status = ""
        self.clock = clock
        self.alert_rows: list[dict[str, Any]] = []
        self.report: dict[str, Any] | None = None
        self.hall_loading = False
        self.closed = False
        self.setWindowTitle("监察台")
        layout = QVBoxLayout(self)
        self.title = QLabel("电子监察台")
        self.title.setProperty("role", "title")
        title = self.title
        self.status = QLabel("正在连接服务器…")
        self.status.setObjectName("status")
        self.tabs = QTabWidget()
        self.tabs.addTab(self._hall_tab(), "大厅实况")
        self.tabs.addTab(self._alerts_tab(), "监察预警")
        self.tabs.addTab(self._assessment_tab(), "考核")
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        self.board_arrived.connect(lambda _board: self.refresh_hall())
        self.feed_state.connect(self._feed_state)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh_hall)
        self.timer.start(refresh_ms)
        self.refresh_hall()
        self.load_alerts()
        self.load_assessment()

    # -- hall ----------------------------------------------------------------------------------
    def _hall_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.windows_model = QStandardItemModel(self)
        self.waiting_model = QStandardItemModel(self)
        self.kiosks_model = QStandardItemModel(self)
        self.windows_view = _table(self.windows_model)
        self.waiting_view = _table(self.waiting_model)
        self.kiosks_view = _table(self.kiosks_model)
        self.hall_note = QLabel("")
        layout.addWidget(self.hall_note)
        layout.addWidget(self.windows_view, 3)
        layout.addWidget(QLabel("等候情况"))
        layout.addWidget(self.waiting_view, 1)
        # Ticket kiosks are not windows: their own small table.
        layout.addWidget(QLabel("取号机"))
        layout.addWidget(self.kiosks_view, 1)
        return tab

    @Slot()
    def refresh_hall(self) -> None:
        """Ask the server for the live hall (at most one request at a time)."""
        if self.hall_loading or self.closed:
            return
        self.hall_loading = True
        self.runner.run(self.client.hall, self._show_hall, self._hall_failed)

    def _show_hall(self, hall: dict[str, Any]) -> None:
        self.hall_loading = False
        if hall.get("hall_name"):
            self.title.setText(f"电子监察台 · {hall['hall_name']}")
            self.setWindowTitle(f"监察台 · {hall['hall_name']}")
        if self.feed is None and self.feed_factory is not None and hall.get("hall_code") and not self.closed:
            self.feed = self.feed_factory(hall["hall_code"], self.board_arrived.emit, self.feed_state.emit)
            self.feed.start()
        rows = [
            [
                f"{w['window_no']}号",
                w["department"],
                w["state_label"],
                w["ticket"],
                w["pause_reason"],
                "无设备" if w["device_id"] is None else w["sync_lag"],
                (w["last_seen"] or "")[:19].replace("T", " "),
            ]
            for w in hall["windows"]
        ]
        _fill(
            self.windows_model,
            ["窗口", "部门", "状态", "当前号", "暂停原因", "未上报事件", "最后联系(UTC)"],
            rows,
        )
        waiting = [[w["name"], w["category"], w["count"], _min(w["longest_wait_s"])] for w in hall["waiting"]]
        _fill(self.waiting_model, ["业务类别", "号段", "等候人数", "最长等候(分)"], waiting)
        kiosks = [
            [
                f"{k['kiosk_no']}号取号机",
                k["state_label"],
                k["tickets_today"],
                k["offline_tickets_today"],
                k["unsynced_events"],
                (k["last_seen"] or "")[:19].replace("T", " "),
            ]
            for k in hall.get("kiosks", [])
        ]
        _fill(
            self.kiosks_model,
            ["取号机", "状态", "今日发号", "其中离线号", "未上报事件", "最后联系(UTC)"],
            kiosks,
        )
        states: dict[str, int] = {}
        for w in hall["windows"]:
            states[w["state_label"]] = states.get(w["state_label"], 0) + 1
        summary = "，".join(f"{k} {v}" for k, v in states.items())
        self.hall_note.setText(
            f"{hall['business_date']} 窗口：{summary}；等候 {sum(w['count'] for w in hall['waiting'])} 人"
        )

    def _hall_failed(self, error: BaseException) -> None:
        self.hall_loading = False
        self._error(error)

    @Slot(str)
    def _feed_state(self, state: str) -> None:
        self.feed_status = state
        if state == "offline":
            self.status.setText("与服务器的实时连接中断，大厅实况按定时刷新")

    # -- alerts --------------------------------------------------------------------------------
    def _alerts_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        filters = QHBoxLayout()
        self.level_filter = QComboBox()
        self.level_filter.addItems(["全部级别", *LEVELS])
        self.rule_filter = QLineEdit()
        self.rule_filter.setPlaceholderText("规则编号，如 SILENT")
        self.window_filter = QLineEdit()
        self.window_filter.setPlaceholderText("窗口号")
        self.window_filter.setMaximumWidth(90)
        self.open_only = QCheckBox("仅未关闭")
        self.search_button = QPushButton("查询")
        self.search_button.clicked.connect(self.load_alerts)
        for widget in (QLabel("级别"), self.level_filter, QLabel("规则"), self.rule_filter, QLabel("窗口"),
                       self.window_filter, self.open_only, self.search_button):  # fmt: skip
            filters.addWidget(widget)
        filters.addStretch(1)
        layout.addLayout(filters)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.alerts_model = QStandardItemModel(self)
        self.alerts_view = _table(self.alerts_model)
        self.alerts_view.selectionModel().selectionChanged.connect(self._alert_selected)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        self.alert_detail = QPlainTextEdit()
        self.alert_detail.setReadOnly(True)
        self.step_comment = QLineEdit()
        self.step_comment.setPlaceholderText("处理意见（批注、督办时必填）")
        buttons = QHBoxLayout()
        self.step_buttons: dict[str, QPushButton] = {}
        for step, label in STEPS:
            button = QPushButton(label)
            button.setEnabled(False)
            button.clicked.connect(lambda _checked=False, s=step: self.send_step(s))
            self.step_buttons[step] = button
            buttons.addWidget(button)
        self.step_result = QLabel("")
        self.step_result.setWordWrap(True)
        right_layout.addWidget(QLabel("预警详情"))
        right_layout.addWidget(self.alert_detail, 1)
        right_layout.addWidget(self.step_comment)
        right_layout.addLayout(buttons)
        right_layout.addWidget(self.step_result)
        split.addWidget(self.alerts_view)
        split.addWidget(right)
        split.setSizes([700, 600])
        layout.addWidget(split, 1)
        return tab

    def alert_filters(self) -> dict[str, Any]:
        """The filters as the server takes them."""
        level = self.level_filter.currentText()
        window = self.window_filter.text().strip()
        return {
            "level": level if level in LEVELS else None,
            "rule_id": self.rule_filter.text().strip() or None,
            "window_no": int(window) if window.isdigit() else None,
            "open_only": self.open_only.isChecked(),
        }

    @Slot()
    def load_alerts(self) -> None:
        filters = self.alert_filters()
        self.runner.run(lambda: self.client.alerts(**filters), self._show_alerts, self._error)

    def _show_alerts(self, alerts: list[dict[str, Any]]) -> None:
        self.alert_rows = alerts
        rows = [
            [a["id"], a["level"], a["title"], a["window_no"], a["project_no"],
             a["detected_at"][:19].replace("T", " "), "已关闭" if a["closed_at"] else "未关闭"]
            for a in alerts
        ]  # fmt: skip
        _fill(self.alerts_model, ["编号", "级别", "规则", "窗口", "办件编号", "发现时间(UTC)", "状态"], rows)
        self.status.setText(f"预警 {len(alerts)} 条")
        for button in self.step_buttons.values():
            button.setEnabled(False)
        self.alert_detail.setPlainText("")

    def selected_alert(self) -> dict[str, Any] | None:
        rows = self.alerts_view.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.alert_rows):
            return None
        return self.alert_rows[rows[0].row()]

    @Slot()
    def _alert_selected(self) -> None:
        alert = self.selected_alert()
        for button in self.step_buttons.values():
            button.setEnabled(alert is not None)
        if alert is None:
            self.alert_detail.setPlainText("")
            return
        lines = [
            f"{alert['level']} · {alert['title']}（{alert['rule_id']} 第 {alert['rule_version']} 版）",
            alert["message"],
            "",
            f"窗口：{alert['window_no'] or '—'}    设备：{alert['device_id'] or '—'}    序号：{alert['seq'] or '—'}",
            f"办件编号：{alert['project_no'] or '—'}",
            f"发现时间：{alert['detected_at']}",
            f"关闭时间：{alert['closed_at'] or '未关闭'}",
            "",
            "详情：",
            json.dumps(alert["details"], ensure_ascii=False, indent=2),
        ]
        self.alert_detail.setPlainText("\n".join(lines))
        alert_id = int(alert["id"])
        self.runner.run(
            lambda: self.client.alert_history(alert_id),
            lambda found: self._show_history(alert_id, found),
            self._error,
        )

    def _show_history(self, alert_id: int, found: dict[str, Any]) -> None:
        """Add the case, its ticket and the events behind the alert to its details."""
        current = self.selected_alert()
        if current is None or int(current["id"]) != alert_id:
            return  # another alert was selected meanwhile
        lines = [self.alert_detail.toPlainText(), ""]
        case = found.get("case")
        if case:
            lines.append(
                f"办件：{case['project_no']} {case['item_name']}，申请人 {case['applicant_name']}"
                f"（{case['applicant_cert_no']}），状态 {_label(CaseState, case['state'])}，受理人 {case['clerk_id']}"
            )
        ticket = found.get("ticket")
        if ticket:
            lines.append(
                f"号票：{ticket['ticket_no']}（{ticket['category']}），{_label(TicketState, ticket['state'])}，"
                f"取号 {ticket['issued_at'] or '—'}，办结 {ticket['finished_at'] or '—'}"
            )
        lines.append("事件记录：")
        lines += [
            f"  {e['occurred_at']}  {e['type']}  工作人员 {e['clerk_id']}  设备 {e['device_id']}#{e['seq']}"
            for e in found.get("events", [])
        ] or ["  （无）"]
        self.alert_detail.setPlainText("\n".join(lines))

    def send_step(self, step: str) -> None:
        """Send a step on the selected alert; the server's answer (or refusal) is shown."""
        alert = self.selected_alert()
        if alert is None:
            return
        comment = self.step_comment.text().strip()
        label = dict(STEPS)[step]
        self.step_result.setText(f"正在提交「{label}」…")
        self.runner.run(
            lambda: self.client.alert_step(int(alert["id"]), step, comment),
            lambda _answer: self._step_done(label),
            self._step_failed,
        )

    def _step_done(self, label: str) -> None:
        self.step_result.setText(f"「{label}」已记录")
        self.step_comment.clear()
        self.load_alerts()

    def _step_failed(self, error: BaseException) -> None:
        if isinstance(error, SupervisionError):
            self.step_result.setText(f"服务器未接受：{error.message}（{error.code}）")
        else:
            self.step_result.setText(f"提交失败：{error}")

    # -- assessment ----------------------------------------------------------------------------
    def _assessment_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        bar = QHBoxLayout()
        self.period_choice = QComboBox()
        self.period_choice.addItems(["今日", "本月"])
        self.dimension_choice = QComboBox()
        for key, label in DIMENSIONS:
            self.dimension_choice.addItem(label, key)
        self.period_choice.currentIndexChanged.connect(self.load_assessment)
        self.dimension_choice.currentIndexChanged.connect(self._show_assessment_table)
        self.csv_button = QPushButton("导出 CSV")
        self.pdf_button = QPushButton("导出 PDF 报告")
        self.csv_button.clicked.connect(lambda: self.export("csv"))
        self.pdf_button.clicked.connect(lambda: self.export("pdf"))
        for widget in (QLabel("期间"), self.period_choice, QLabel("按"), self.dimension_choice,
                       self.csv_button, self.pdf_button):  # fmt: skip
            bar.addWidget(widget)
        bar.addStretch(1)
        self.assessment_note = QLabel("")
        self.assessment_model = QStandardItemModel(self)
        self.assessment_view = _table(self.assessment_model)
        layout.addLayout(bar)
        layout.addWidget(self.assessment_note)
        layout.addWidget(self.assessment_view, 1)
        return tab

    def period(self) -> dict[str, str]:
        """Today or this month, in the hall's time."""
        today = self.clock().astimezone(HALL_TZ).date()
        if self.period_choice.currentIndex() == 1:
            return {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
        return {"day": today.isoformat()}

    @Slot()
    def load_assessment(self) -> None:
        period = self.period()
        self.runner.run(lambda: self.client.assessment(period), self._got_assessment, self._error)

    def _got_assessment(self, report: dict[str, Any]) -> None:
        self.report = report
        self._show_assessment_table()

    @Slot()
    def _show_assessment_table(self) -> None:
        report = self.report
        if report is None:
            return
        dimension = str(self.dimension_choice.currentData())
        names = report["labels"]

        def name(key: str) -> str:
            if dimension == "window":
                return f"{key}号窗口"
            return names.get(dimension, {}).get(key, key) if dimension in ("department", "category") else key

        rows = [[name(f["key"]), *[get(f) for _, get in FIGURES]] for f in report["by"][dimension]]
        rows.append(["全大厅", *[get(report["hall"]) for _, get in FIGURES]])
        label = dict(DIMENSIONS)[dimension]
        _fill(self.assessment_model, [label, *[n for n, _ in FIGURES]], rows)
        period = report["period"]
        self.assessment_note.setText(f"统计期间 {period['start']} 至 {period['end']}")

    def export(self, kind: str) -> None:
        """Save the period's CSV (the table shown) or PDF into ``export_dir``."""
        period = self.period()
        table = str(self.dimension_choice.currentData())
        span = period.get("day") or f"{period['start']}_{period['end']}"
        name = f"assessment-{span}-{table}.csv" if kind == "csv" else f"assessment-{span}.pdf"
        target = self.export_dir / name

        def work() -> Path:
            data = self.client.export(kind, period, table)
            self.export_dir.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            return target

        self.runner.run(work, lambda path: self.status.setText(f"已导出：{path}"), self._error)

    def shutdown(self) -> None:
        """Stop refreshing: the timer, the hall board feed, and any request not yet sent (the
        console is closing and its worker is about to stop)."""
        self.closed = True
        self.timer.stop()
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- errors --------------------------------------------------------------------------------
    def _error(self, error: BaseException) -> None:
        if isinstance(error, SupervisionError):
            self.status.setText(f"{error.message}（{error.code}）")
        else:
            self.status.setText(f"出错：{error}")

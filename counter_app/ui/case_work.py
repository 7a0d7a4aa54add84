"""办件 work: find a case, see its detail and history, record the next step, reprint.

Search by case number, ID number or USCC, a name, matter initials, and a range of intake dates.
The detail shows the applicant, the state and deadline, every transition with its reason and
clerk, and every document issued. Each step is a command of
:mod:`counter_app.services.case_commands` (补正后受理, 开始办理, 环节, 特别程序 and its end, 延长审批,
办结, 送达, 退件, 作废): a new event and transition, never an edit. Buttons follow the case's state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.case import TRANSITIONS, CaseState, ResultCode, SuspensionKind
from counter_app.domain.masking import mask_cert_no
from counter_app.services import case_commands as cmd
from counter_app.services.case_detail import case_detail
from counter_app.services.clock import Clock, system_clock
from counter_app.services.queries import CaseSummary, list_cases, search_cases
from counter_app.services.reference import current_catalog
from counter_app.ui.cells import wrap_column
from counter_app.ui.document_view import DocumentDesk, error_text, outcome_text
from counter_app.ui.session import WindowSession

COLUMNS = ("办件编号", "事项", "申请人", "证件号码", "状态", "接件时间", "承诺办结")
CLOSE_RESULTS = (ResultCode.ISSUED, ResultCode.DENIED, ResultCode.FORWARDED)
DELIVERY_METHODS = ["窗口领取", "邮寄送达", "电子送达"]
NODES = ["承办", "审核", "批准"]
SEARCH_LIMIT = 200

# action key -> (button text, the transition that must allow the case's state)
ACTIONS: dict[str, tuple[str, str]] = {
    "accept_corrected": ("补正后受理", "accept"),
    "start_process": ("开始办理", "start_process"),
    "record_process": ("记录环节", "record_process"),
    "suspend": ("特别程序", "suspend"),
    "extend": ("延长审批", "suspend"),
    "resume": ("结束特别程序", "resume"),
    "close": ("办结", "close"),
    "deliver": ("送达", "deliver"),
    "return_case": ("退件", "return_case"),
    "void": ("作废", "void"),
}
ACTIONS_PER_ROW = 6  # the ten steps and 打印/补打 in two rows


def _short(at: str | None) -> str:
    return (at or "—").replace("T", " ")[:16]


class CaseTable(QAbstractTableModel):
    """Search results."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CaseSummary] = []

    def set_rows(self, rows: list[CaseSummary]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        row = self.rows[index.row()]
        values = (
            row.project_no,
            row.item_name,
            row.applicant_name,
            mask_cert_no(row.cert_no),
            row.as_dict()["state_label"],
            _short(row.received_at),
            _short(row.promise_due)[:10],
        )
        return values[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class StepDialog(QDialog):
    """A small form for one step; ``fields`` holds its inputs by key."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.fields: dict[str, QWidget] = {}
        self.layout_ = QFormLayout(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def add(self, key: str, label: str, widget: QWidget) -> QWidget:
        widget.setObjectName(key)
        self.fields[key] = widget
        self.layout_.addRow(label, widget)
        return widget

    def finish(self) -> StepDialog:
        self.layout_.addRow(self.buttons)
        return self

    def text(self, key: str) -> str:
        widget = self.fields[key]
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if isinstance(widget, QComboBox):
            return widget.currentText().strip()
        raise TypeError(key)


def _combo(items: list[str], editable: bool = True) -> QComboBox:
    box = QComboBox()
    box.addItems(items)
    box.setEditable(editable)
    return box


class CaseWork(QWidget):
    """Search, detail and every later step of the window's cases."""

    case_changed = Signal(str)  # a step was recorded on this case

    def __init__(self, session: WindowSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.clock: Clock = system_clock
        self.detail: dict[str, Any] | None = None
        self.refusal_bases: tuple[str, ...] = ()
        self.dialog: StepDialog | None = None
        self.desk = DocumentDesk(session, self)
        self.desk.issued.connect(lambda issued: self._done_printing(outcome_text(issued)))
        self.desk.failed.connect(lambda text: self._say(text, error=True))

        # -- search -------------------------------------------------------------------------
        self.query = QLineEdit()
        self.query.setObjectName("case_query")
        self.query.setPlaceholderText("办件编号、身份证号或信用代码、姓名或单位名称、事项拼音首字母")
        self.query.returnPressed.connect(self.search)
        self.by_date = QCheckBox("接件日期")
        today = QDate.currentDate()
        self.date_from = QDateEdit(today)
        self.date_to = QDateEdit(today)
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            self.by_date.toggled.connect(edit.setEnabled)
        search = QPushButton("查询 (Enter)")
        search.clicked.connect(self.search)
        row = QHBoxLayout()
        row.addWidget(self.query, 1)
        row.addWidget(self.by_date)
        row.addWidget(self.date_from)
        row.addWidget(QLabel("至"))
        row.addWidget(self.date_to)
        row.addWidget(search)
        self.model = CaseTable()
        self.results = QTableView()
        self.results.setObjectName("case_results")
        self.results.setModel(self.model)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.verticalHeader().hide()
        self.results.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.results.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.results.activated.connect(self._open_row)
        self.results.clicked.connect(self._open_row)
        self.found = QLabel("")
        self.found.setProperty("role", "status")

        # -- detail -------------------------------------------------------------------------
        self.header = QLabel("请在上方查询并选择办件")
        self.header.setObjectName("case_header")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history = self._table("case_history", ["时间", "操作", "状态", "说明", "经办人"], 3)
        self.documents = self._table("case_documents", ["时间", "文书", "次数", "打印结果", "经办人"], 3)
        self.buttons: dict[str, QPushButton] = {}
        # two rows of six: one row of twelve clips the labels at 1366x768 beside the queue panel
        actions = QGridLayout()
        for index, (key, (text, _transition)) in enumerate(ACTIONS.items()):
            button = QPushButton(text)
            button.setObjectName(f"step:{key}")
            button.clicked.connect(lambda _checked=False, k=key: self.start_step(k))
            self.buttons[key] = button
            actions.addWidget(button, index // ACTIONS_PER_ROW, index % ACTIONS_PER_ROW)
        reprint = QPushButton("打印/补打 (Ctrl+P)")
        reprint.setObjectName("step:print")
        reprint.clicked.connect(self.reprint)
        print_keys = QShortcut(QKeySequence("Ctrl+P"), self)
        print_keys.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        print_keys.activated.connect(reprint.click)
        self.buttons["print"] = reprint
        actions.addWidget(reprint, len(ACTIONS) // ACTIONS_PER_ROW, len(ACTIONS) % ACTIONS_PER_ROW)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(row)
        top_layout.addWidget(self.results, 1)
        top_layout.addWidget(self.found)
        detail_box = QGroupBox("办件详情")
        detail = QVBoxLayout(detail_box)
        detail.addWidget(self.header)
        tables = QHBoxLayout()
        history_box = QVBoxLayout()
        history_box.addWidget(QLabel("办理记录"))
        history_box.addWidget(self.history)
        documents_box = QVBoxLayout()
        documents_box.addWidget(QLabel("出具的文书"))
        documents_box.addWidget(self.documents)
        # half each: at 2/5 the documents' 打印结果 column was a few characters wide
        tables.addLayout(history_box, 1)
        tables.addLayout(documents_box, 1)
        detail.addLayout(tables, 1)
        detail.addLayout(actions)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(detail_box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        self._show_detail(None)

    def _table(self, name: str, headers: list[str], stretch: int) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        wrap_column(table, stretch)  # 说明 and 打印结果: long text shown whole, and in a tooltip
        table.setProperty("wrapped_column", stretch)
        return table

    # -- search -------------------------------------------------------------------------------
    def search(self) -> None:
        """Run the search typed (and the date range, when ticked) on the worker."""
        text = self.query.text().strip()
        start = end = None
        if self.by_date.isChecked():
            start = self.date_from.date().toString("yyyy-MM-dd")
            end = self.date_to.date().toString("yyyy-MM-dd")
        store = self.session.store

        def work() -> list[CaseSummary]:
            if not text:
                return list_cases(store, start, SEARCH_LIMIT, until=end)
            found = search_cases(store, text, SEARCH_LIMIT)
            if start is None or end is None:
                return found
            return [c for c in found if start <= c.received_at[:10] <= end]

        self.session.db.run(work, self._found, lambda error: self._say(error_text(error), error=True))

    def _found(self, rows: list[CaseSummary]) -> None:
        self.model.set_rows(rows)
        self.found.setText(
            f"共 {len(rows)} 件" + ("（仅显示前 200 件）" if len(rows) >= SEARCH_LIMIT else "")
        )
        if len(rows) == 1:
            self.results.selectRow(0)
            self.open_case(rows[0].project_no)

    def _open_row(self, index: QModelIndex) -> None:
        self.open_case(self.model.rows[index.row()].project_no)

    # -- detail -------------------------------------------------------------------------------
    def focus_search(self) -> None:
        """The cursor in the search box, its text selected (Ctrl+F in the main window)."""
        self.query.setFocus()
        self.query.selectAll()

    def open_case(self, case_no: str) -> None:
        """Load and show the case ``case_no``."""
        store = self.session.store

        def work() -> tuple[dict[str, Any], tuple[str, ...]]:
            detail = case_detail(store, case_no)
            with store.read() as conn:
                bases = current_catalog(conn).item(detail["task_code"]).refusal_bases
            return detail, bases

        def show(result: tuple[dict[str, Any], tuple[str, ...]]) -> None:
            self.refusal_bases = result[1]
            self._show_detail(result[0])

        self.session.db.run(work, show, lambda error: self._say(error_text(error), error=True))

    def _show_detail(self, detail: dict[str, Any] | None) -> None:
        self.detail = detail
        for table in (self.history, self.documents):
            table.setRowCount(0)
        if detail is None:
            for button in self.buttons.values():
                button.setEnabled(False)
            return
        intake = detail["intake"]
        applicant = intake["applicant"]
        due = _short(detail["promise_due"]) + ("（预计）" if detail["promise_estimated"] else "")
        reason = f"（理由：{detail['reason']}）" if detail["reason"] else ""
        self.header.setText(
            f"<b>{detail['project_no']}</b>　{intake['item_name']}<br>"
            f"申请人：{applicant['name']}　证件号码：{applicant.get('cert_no', '')}　"
            f"联系电话：{intake.get('phone') or applicant.get('phone', '')}<br>"
            f"状态：<b>{detail['state_label']}</b>{reason}　承诺办结：{due}　"
            f"排队号：{detail['ticket_no'] or '—'}"
        )
        for step in detail["transitions"]:
            self._append(
                self.history,
                [
                    _short(step["at"]),
                    step["action_label"],
                    step["state_label"],
                    step["reason"],
                    step["clerk_id"],
                ],
            )
        for doc in detail["documents"]:
            times = f"补打第{doc['reprint_no']}次" if doc["reprint_no"] else "原件"
            result = f"已打印（{doc['printer']}）" if doc["printed"] else doc["message"]
            self._append(self.documents, [_short(doc["at"]), doc["title"], times, result, doc["clerk_id"]])
        state = CaseState(detail["state"])
        for key, (_text, transition) in ACTIONS.items():
            allowed = TRANSITIONS[transition].allows(state)
            required = TRANSITIONS[transition].requires_result
            if required is not None:
                allowed = allowed and detail["result"] == int(required)
            self.buttons[key].setEnabled(allowed)
        self.buttons["print"].setEnabled(state is not CaseState.RECEIVED)

    @staticmethod
    def _append(table: QTableWidget, values: list[str]) -> None:
        row = table.rowCount()
        table.insertRow(row)
        for column, value in enumerate(values):
            item = QTableWidgetItem(str(value))
            if column == table.property("wrapped_column"):
                item.setToolTip(str(value))
            table.setItem(row, column, item)

    # -- steps --------------------------------------------------------------------------------
    def start_step(self, key: str) -> None:
        """Open the small form of step ``key``; OK records it."""
        if self.detail is None:
            return
        build: dict[str, Callable[[], tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]]] = {
            "accept_corrected": self._accept_corrected,
            "start_process": self._start_process,
            "record_process": self._record_process,
            "suspend": self._suspend,
            "extend": self._extend,
            "resume": self._resume,
            "close": self._close,
            "deliver": self._deliver,
            "return_case": self._return,
            "void": self._void,
        }
        dialog, command = build[key]()
        dialog.setWindowTitle(f"{ACTIONS[key][0]} - {self.detail['project_no']}")
        dialog.accepted.connect(lambda: self._record(ACTIONS[key][0], command(dialog)))
        self.dialog = dialog
        dialog.open()

    def _base(self) -> tuple[Any, Clock, str, str]:
        assert self.detail is not None
        return self.session.store, self.clock, self.session.clerk_id, self.detail["project_no"]

    def _accept_corrected(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        assert self.detail is not None
        owed = [m["name"] for m in self.detail["intake"]["materials"] if m.get("missing")]
        dialog = StepDialog("")
        supplied = QListWidget()
        for name in owed:
            item = QListWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            item.setCheckState(Qt.CheckState.Checked)
            supplied.addItem(item)
        dialog.add("supplied", "已补交的材料", supplied)
        defer = dialog.add("defer", "", QCheckBox("容缺受理：未补交的材料承诺于以下日期前补交"))
        until = QDateEdit(QDate.currentDate().addDays(7))
        until.setCalendarPopup(True)
        until.setDisplayFormat("yyyy-MM-dd")
        dialog.add("defer_until", "承诺补交日期", until)

        def command(d: StepDialog) -> Callable[[], Any]:
            names = [supplied.item(i).text() for i in range(supplied.count())]
            chosen = [
                n for i, n in enumerate(names) if supplied.item(i).checkState() == Qt.CheckState.Checked
            ]
            deferred: date | None = None
            if isinstance(defer, QCheckBox) and defer.isChecked():
                deferred = date.fromisoformat(until.date().toString("yyyy-MM-dd"))
            return partial(cmd.accept_corrected, *self._base(), chosen, deferred)

        return dialog.finish(), command

    def _start_process(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        dialog = StepDialog("")
        dialog.add("node", "环节", _combo(NODES))
        return dialog.finish(), lambda d: partial(cmd.start_process, *self._base(), d.text("node") or "承办")

    def _record_process(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        dialog = StepDialog("")
        dialog.add("node", "环节", _combo(NODES))
        dialog.add("action", "业务动作", _combo(["通过", "退回", "其他"], editable=False))
        dialog.add("opinion", "意见", QLineEdit())

        def command(d: StepDialog) -> Callable[[], Any]:
            node, action, opinion = d.text("node"), d.text("action"), d.text("opinion")
            return partial(cmd.record_process, *self._base(), node, action, opinion)

        return dialog.finish(), command

    def _suspend(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        dialog = StepDialog("")
        dialog.add("reason", "原因（听证、检验、检测、鉴定、专家评审等）", QLineEdit())
        stop = SuspensionKind.CLOCK_STOP
        return dialog.finish(), lambda d: partial(cmd.suspend, *self._base(), stop, d.text("reason"))

    def _extend(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        dialog = StepDialog("")
        days = QSpinBox()
        days.setRange(1, 60)
        days.setValue(10)
        dialog.add("days", "延长工作日", days)
        dialog.add("reason", "延长理由", QLineEdit())
        extension = SuspensionKind.EXTENSION
        return dialog.finish(), lambda d: partial(
            cmd.suspend, *self._base(), extension, d.text("reason"), days.value()
        )

    def _resume(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        dialog = StepDialog("")
        dialog.add("outcome", "特别程序结果", QLineEdit())
        return dialog.finish(), lambda d: partial(cmd.resume, *self._base(), d.text("outcome"))

    def _close(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        dialog = StepDialog("")
        result = _combo([r.label for r in CLOSE_RESULTS], editable=False)
        dialog.add("result", "办结结果", result)
        dialog.add("reason", "理由（不予许可、转报时必填）", QLineEdit())
        dialog.add("legal_basis", "法律依据（不予许可）", _combo(["", *self.refusal_bases]))
        dialog.add("cert_name", "证照名称", QLineEdit())
        dialog.add("cert_no", "证照编号", QLineEdit())
        dialog.add("delivery", "送达方式", _combo(DELIVERY_METHODS))

        def command(d: StepDialog) -> Callable[[], Any]:
            code = CLOSE_RESULTS[result.currentIndex()]
            return partial(
                cmd.close_case,
                *self._base(),
                code,
                d.text("reason"),
                d.text("cert_name"),
                d.text("cert_no"),
                legal_basis=d.text("legal_basis"),
                delivery=d.text("delivery"),
            )

        return dialog.finish(), command

    def _deliver(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        dialog = StepDialog("")
        dialog.add("method", "送达方式", _combo(DELIVERY_METHODS))
        return dialog.finish(), lambda d: partial(cmd.deliver, *self._base(), d.text("method"))

    def _return(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        dialog = StepDialog("")
        dialog.add("reason", "退件理由", QLineEdit())
        return dialog.finish(), lambda d: partial(cmd.return_case, *self._base(), d.text("reason"))

    def _void(self) -> tuple[StepDialog, Callable[[StepDialog], Callable[[], Any]]]:
        dialog = StepDialog("")
        dialog.add("reason", "作废理由", QLineEdit())
        return dialog.finish(), lambda d: partial(cmd.void_case, *self._base(), d.text("reason"))

    def _record(self, label: str, work: Callable[[], Any]) -> None:
        assert self.detail is not None
        project_no = self.detail["project_no"]
        for button in self.buttons.values():
            button.setEnabled(False)

        def done(result: cmd.CommandResult) -> None:
            self.session.committed()
            self._say(f"办件 {project_no}：{label}已记录（{result.state.label}）")
            self.case_changed.emit(project_no)
            self.open_case(project_no)
            if self.model.rows:
                self.search()

        def failed(error: BaseException) -> None:
            self._say(error_text(error), error=True)
            self.open_case(project_no)

        self.session.db.run(work, done, failed)

    def reprint(self) -> None:
        """Preview the document the case's state calls for; 打印 issues it (补打 if printed before)."""
        if self.detail is not None:
            self.desk.open_preview(self.detail["project_no"])

    def _done_printing(self, text: str) -> None:
        self._say(text)
        if self.detail is not None:
            self.open_case(self.detail["project_no"])

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "status")
        self.message.style().polish(self.message)

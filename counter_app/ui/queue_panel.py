"""叫号面板: the window's queue controls, usable alone or inside the clerk's main window.

F1 叫号, F2 重呼, F3 过号, F4 转移, F5 暂停/恢复, F6 开始办理, F7 挂起, F8 结束办理. The current
ticket is shown large; when the server cannot be reached the panel says so and offers 手工叫号
(the number typed from the citizen's slip) and 无号办理. Every action runs on the worker thread
through :class:`~counter_app.services.queue.WindowQueue`; refusals show their code and message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.domain.queue import Outcome, Ticket, TicketState
from counter_app.services.queue import QueueResult, WindowQueue
from counter_app.ui.tasks import TaskRunner

PAUSE_REASONS = ["午间休息", "临时离岗", "业务培训", "设备故障", "其他"]


class FinishDialog(QDialog):
    """结束办理: choose 办件 (with the case numbers) or 咨询."""

    def __init__(
        self, ticket: Ticket, case_nos: list[str] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"结束办理 {ticket.number}")
        self.case_choice = QRadioButton("办件（已登记办件）")
        self.consult_choice = QRadioButton("咨询（未形成办件）")
        self.case_nos = QLineEdit()
        self.case_nos.setPlaceholderText("办件编号，多个用逗号分隔")
        self.case_choice.toggled.connect(self.case_nos.setEnabled)
        # the cases recorded for this ticket are offered; none recorded: 咨询 is the likely outcome
        self.case_nos.setText("，".join(case_nos or []))
        self.case_choice.setChecked(True)
        if case_nos is not None and not case_nos:
            self.consult_choice.setChecked(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("请选择办理结果："))
        layout.addWidget(self.case_choice)
        layout.addWidget(self.case_nos)
        layout.addWidget(self.consult_choice)
        layout.addWidget(buttons)

    def outcome(self) -> tuple[Outcome, list[str]]:
        """The chosen outcome and case numbers."""
        if self.consult_choice.isChecked():
            return Outcome.CONSULT, []
        numbers = [n.strip() for n in self.case_nos.text().replace("，", ",").split(",") if n.strip()]
        return Outcome.CASE, numbers


class ChoiceDialog(QDialog):
    """A small form with one combo box and optional free text (pause reason, transfer target)."""

    def __init__(self, title: str, label: str, choices: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.choice = QComboBox()
        self.choice.addItems(choices)
        self.text = QLineEdit()
        self.window_no = QSpinBox()
        self.window_no.setRange(0, 99)
        self.window_no.setSpecialValueText("不指定")
        form = QFormLayout(self)
        form.addRow(label, self.choice)
        form.addRow("说明", self.text)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class QueuePanel(QWidget):
    """The queue controls of one window."""

    changed = Signal()  # after every completed action (the main window refreshes its lists)
    ticket_finished = Signal(object, list)  # the Ticket as it was served, and its case numbers
    board_arrived = Signal(dict)

    def __init__(
        self, queue: WindowQueue, runner: TaskRunner, categories: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.queue = queue
        self.runner = runner
        self.categories = categories
        self.paused = False
        self.offline = False
        self.dialog: QDialog | None = None
        # the cases recorded for a ticket number (None: not known here; the clerk types them)
        self.recorded_cases: Callable[[str], list[str] | None] = lambda _number: None
        self._finishing: tuple[Ticket, list[str]] | None = None

        self.title = QLabel(f"{queue.window_no}号窗口")
        self.title.setProperty("role", "banner")
        self.ticket = QLabel("空闲")
        self.ticket.setProperty("role", "ticket")
        self.ticket.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state = QLabel("")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.waiting = QLabel("")
        self.waiting.setProperty("role", "status")
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("手工叫号：输入取号单上的号码")
        self.typed.returnPressed.connect(self.call_typed)

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        actions: list[tuple[str, str, str, Callable[[], None]]] = [
            ("call_next", "叫号", "F1", self.call_next),
            ("recall", "重呼", "F2", lambda: self._do("recall", self.queue.recall)),
            ("no_show", "过号", "F3", lambda: self._do("no_show", self.queue.no_show)),
            ("transfer", "转移", "F4", self.transfer),
            ("pause", "暂停服务", "F5", self.toggle_pause),
            ("start", "开始办理", "F6", lambda: self._do("start", self.queue.start)),
            ("park", "挂起", "F7", lambda: self._do("park", self.queue.park)),
            ("finish", "结束办理", "F8", self.finish),
            ("call_back", "回呼挂起号", "", self.call_back),
            ("walk_in", "无号办理", "", lambda: self._do("walk_in", self.queue.walk_in)),
        ]
        for index, (key, text, shortcut, slot) in enumerate(actions):
            button = QPushButton(f"{text} ({shortcut})" if shortcut else text)
            button.setObjectName(key)
            if key in ("call_next", "finish"):
                button.setProperty("role", "primary")
            button.clicked.connect(slot)
            self.buttons[key] = button
            grid.addWidget(button, index // 2, index % 2)  # two wide columns: labels whole
            if shortcut:
                key_shortcut = QShortcut(QKeySequence(shortcut), self)
                key_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                key_shortcut.activated.connect(button.click)  # a disabled button ignores it

        head = QHBoxLayout()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.waiting)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.ticket)
        layout.addWidget(self.state)
        layout.addLayout(grid)
        layout.addWidget(self.typed)
        layout.addWidget(self.message)
        self.board_arrived.connect(self.show_board, Qt.ConnectionType.QueuedConnection)
        self._show(self.queue.current())

    # -- actions ------------------------------------------------------------------------------
    def call_next(self) -> None:
        """F1."""
        self._do("call_next", self.queue.call_next)

    def call_typed(self) -> None:
        """Call the number typed into the box (offline, or a hand-written slip)."""
        number = self.typed.text()
        self._do("call_typed", lambda: self.queue.call_typed(number))

    def call_back(self) -> None:
        """Call back the ticket this window parked."""
        held = self.queue.current()
        number = held.number if held else ""
        self._do("call_back", lambda: self.queue.call_back(number))

    def toggle_pause(self) -> None:
        """F5: pause with a reason, or resume."""
        if self.paused:
            self._do("resume", self.queue.resume)
            return
        dialog = ChoiceDialog("暂停服务", "原因", PAUSE_REASONS, self)
        dialog.window_no.hide()

        def chosen() -> None:
            reason = dialog.choice.currentText()
            if dialog.text.text().strip():
                reason = f"{reason}：{dialog.text.text().strip()}"
            self._do("pause", lambda: self.queue.pause(reason))

        dialog.accepted.connect(chosen)
        self._open(dialog)

    def transfer(self) -> None:
        """F4: to another category, or to a window."""
        dialog = ChoiceDialog("转移", "转到类别", ["（本类别）", *self.categories], self)
        dialog.layout().insertRow(1, "转到窗口", dialog.window_no)  # type: ignore[union-attr]

        def chosen() -> None:
            category = dialog.choice.currentText()
            window = dialog.window_no.value() or None
            target = None if category.startswith("（") else category
            self._do("transfer", lambda: self.queue.transfer(target, window))

        dialog.accepted.connect(chosen)
        self._open(dialog)

    def finish(self) -> None:
        """F8: choose the outcome."""
        held = self.queue.current()
        if held is None or held.state is not TicketState.SERVING:
            self._say("请先开始办理，再结束", error=True)
            return
        dialog = FinishDialog(held, self.recorded_cases(held.number), self)
        dialog.accepted.connect(lambda: self._finish_with(*dialog.outcome()))
        self._open(dialog)

    def _finish_with(self, outcome: Outcome, case_nos: list[str]) -> None:
        held = self.queue.current()
        self._finishing = (held, case_nos) if held is not None else None
        self._do("finish", lambda: self.queue.finish(outcome, case_nos))

    # -- plumbing -----------------------------------------------------------------------------
    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        # Back to the panel when the dialog closes, so F1-F8 keep working without a click.
        dialog.finished.connect(lambda _result: self.window().activateWindow())
        dialog.open()

    def _do(self, action: str, work: Callable[[], QueueResult]) -> None:
        for button in self.buttons.values():
            button.setEnabled(False)
        self.runner.run(work, lambda result: self._done(action, result), self._failed)

    def _done(self, action: str, result: QueueResult) -> None:
        self.offline = result.offline
        if result.paused is not None:
            self.paused = result.paused
            self.buttons["pause"].setText("恢复服务 (F5)" if self.paused else "暂停服务 (F5)")
        if action == "call_next" and result.ticket is None:
            self._say("当前没有等候的号")
        else:
            self._say("离线办理：将在网络恢复后上报" if result.offline else "")
        if action == "call_typed":
            self.typed.clear()
        self._show(self.queue.current())
        self.changed.emit()
        if action == "finish" and self._finishing is not None:
            ticket, case_nos = self._finishing
            self._finishing = None
            self.ticket_finished.emit(ticket, case_nos)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, DomainError):
            self.offline = self.offline or error.code == "QUEUE_OFFLINE"
            self._say(f"[{error.code}] {error.message}", error=True)
            if error.code == "QUEUE_OFFLINE":
                self.typed.setFocus()
        else:
            self._say(f"[INTERNAL] 程序出错：{type(error).__name__}", error=True)
        self._show(self.queue.current())

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "status")
        self.message.style().polish(self.message)

    def _show(self, ticket: Ticket | None) -> None:
        self.ticket.setText(ticket.number if ticket else ("暂停" if self.paused else "空闲"))
        self.state.setText(ticket.state.label if ticket else "")
        active = ticket is not None and ticket.state.active
        serving = ticket is not None and ticket.state is TicketState.SERVING
        called = ticket is not None and ticket.state is TicketState.CALLED
        enabled = {
            "call_next": not active and not self.paused,
            "recall": called,
            "no_show": called,
            "transfer": active,
            "pause": not active,
            "start": called,
            "park": active,
            "finish": serving,
            "call_back": ticket is not None and ticket.state is TicketState.PARKED,
            "walk_in": not active and not self.paused,
        }
        for key, button in self.buttons.items():
            button.setEnabled(enabled[key])
        self.typed.setEnabled(not active and not self.paused)

    @Slot(dict)
    def show_board(self, board: dict[str, Any]) -> None:
        """Waiting counts of this window's categories."""
        counts = {w["category"]: w["count"] for w in board.get("waiting", [])}
        mine = [f"{c} 类 {counts.get(c, 0)} 人" for c in self.categories]
        self.waiting.setText("等候：" + "，".join(mine) if mine else "")

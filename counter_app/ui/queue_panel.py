"""叫号面板: the window's queue controls, usable alone or inside the clerk's main window.

F1 叫号, F2 重呼, F3 过号, F4 转移, F5 暂停/恢复, F6 开始办理, F7 挂起, F8 结束办理. The current
ticket is shown large; when the server cannot be reached the panel says so and offers 手工叫号
(the number typed from the citizen's slip) and 无号办理. Every action runs on the worker thread
through :class:`~counter_app.services.queue.WindowQueue`; refusals show their code and message.

The waiting counts come from the hall board feed. When the feed loses the server they stay on
screen marked as the last known, with the time they arrived (等候：A 类 5 人（离线，14:02 时）),
until the next board makes them live again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.domain.queue import HALL_TZ, Outcome, Ticket, TicketState
from counter_app.services.queue import QueueResult, WindowQueue
from counter_app.ui.tasks import TaskRunner

# Recorded in Chinese whatever the screen's language; shown translated.
PAUSE_REASONS = [
    str(QT_TRANSLATE_NOOP("QueuePanel", "午间休息")),
    str(QT_TRANSLATE_NOOP("QueuePanel", "临时离岗")),
    str(QT_TRANSLATE_NOOP("QueuePanel", "业务培训")),
    str(QT_TRANSLATE_NOOP("QueuePanel", "设备故障")),
    str(QT_TRANSLATE_NOOP("QueuePanel", "其他")),
]
# The ticket states as the domain labels them (TicketState.label), marked for translation; the
# screen translates the domain's label, so a label missing here simply stays Chinese.
STATE_LABELS = [
    str(QT_TRANSLATE_NOOP("TicketState", "等候中")),
    str(QT_TRANSLATE_NOOP("TicketState", "已叫号")),
    str(QT_TRANSLATE_NOOP("TicketState", "办理中")),
    str(QT_TRANSLATE_NOOP("TicketState", "挂起")),
    str(QT_TRANSLATE_NOOP("TicketState", "已完成")),
    str(QT_TRANSLATE_NOOP("TicketState", "过号")),
    str(QT_TRANSLATE_NOOP("TicketState", "已转移")),
    str(QT_TRANSLATE_NOOP("TicketState", "已取消")),
]
# Refusal messages of the queue service that the panel shows in the screen's language.
ERROR_MESSAGES = [
    str(QT_TRANSLATE_NOOP("QueueError", "无法连接电子监察服务器：请按取号单上的号码手工叫号，或无号办理")),
]


def state_text(state: TicketState) -> str:
    """The state's label in the screen's language."""
    return QCoreApplication.translate("TicketState", state.label)


def refusal_text(error: DomainError) -> str:
    """``[CODE] message``, the message in the screen's language where it has a translation."""
    return f"[{error.code}] {QCoreApplication.translate('QueueError', error.message)}"


class FinishDialog(QDialog):
    """结束办理: choose 办件 (with the case numbers) or 咨询."""

    def __init__(
        self, ticket: Ticket, case_nos: list[str] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("结束办理 {number}").format(number=ticket.number))
        self.case_choice = QRadioButton(self.tr("办件（已登记办件）"))
        self.consult_choice = QRadioButton(self.tr("咨询（未形成办件）"))
        self.case_nos = QLineEdit()
        self.case_nos.setPlaceholderText(self.tr("办件编号，多个用逗号分隔"))
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
        layout.addWidget(QLabel(self.tr("请选择办理结果：")))
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
    """A small form with one combo box and optional free text (pause reason, transfer target).

    ``choices`` are (shown, recorded) pairs: the clerk reads the screen's language, the record
    keeps the hall's own words.
    """

    def __init__(
        self, title: str, label: str, choices: Sequence[tuple[str, str | None]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.choice = QComboBox()
        for shown, recorded in choices:
            self.choice.addItem(shown, recorded)
        self.text = QLineEdit()
        self.window_no = QSpinBox()
        self.window_no.setRange(0, 99)
        self.window_no.setSpecialValueText(self.tr("不指定"))
        form = QFormLayout(self)
        form.addRow(label, self.choice)
        form.addRow(self.tr("说明"), self.text)
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
    feed_state = Signal(str)  # the board feed's live / polling / offline

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
        # the last board's waiting counts of this window's categories, and when it arrived;
        # stale once the feed has lost the server, until a new board comes
        self.counts: dict[str, int] | None = None
        self.counts_at: datetime | None = None
        self.counts_stale = False

        self.title = QLabel(self.tr("{window}号窗口").format(window=queue.window_no))
        self.title.setProperty("role", "banner")
        self.ticket = QLabel(self.tr("空闲"))
        self.ticket.setProperty("role", "ticket")
        self.ticket.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state = QLabel("")
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.waiting = QLabel("")
        self.waiting.setProperty("role", "status")
        # its own line under the title, wrapped: beside the title it was cut off in the narrow panel
        self.waiting.setWordWrap(True)
        self.typed = QLineEdit()
        self.typed.setPlaceholderText(self.tr("手工叫号：输入取号单上的号码"))
        self.typed.returnPressed.connect(self.call_typed)

        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        actions: list[tuple[str, str, str, Callable[[], None]]] = [
            ("call_next", self.tr("叫号"), "F1", self.call_next),
            ("recall", self.tr("重呼"), "F2", lambda: self._do("recall", self.queue.recall)),
            ("no_show", self.tr("过号"), "F3", lambda: self._do("no_show", self.queue.no_show)),
            ("transfer", self.tr("转移"), "F4", self.transfer),
            ("pause", self.tr("暂停服务"), "F5", self.toggle_pause),
            ("start", self.tr("开始办理"), "F6", lambda: self._do("start", self.queue.start)),
            ("park", self.tr("挂起"), "F7", lambda: self._do("park", self.queue.park)),
            ("finish", self.tr("结束办理"), "F8", self.finish),
            ("call_back", self.tr("回呼挂起号"), "", self.call_back),
            ("walk_in", self.tr("无号办理"), "", lambda: self._do("walk_in", self.queue.walk_in)),
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

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.waiting)
        layout.addWidget(self.ticket, 1)  # the room left goes to the number, title and count stay together
        layout.addWidget(self.state)
        layout.addLayout(grid)
        layout.addWidget(self.typed)
        layout.addWidget(self.message)
        self.board_arrived.connect(self.show_board, Qt.ConnectionType.QueuedConnection)
        self.feed_state.connect(self.set_feed_state, Qt.ConnectionType.QueuedConnection)
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
        reasons = [(QCoreApplication.translate("QueuePanel", r), r) for r in PAUSE_REASONS]
        dialog = ChoiceDialog(self.tr("暂停服务"), self.tr("原因"), reasons, self)
        dialog.window_no.hide()

        def chosen() -> None:
            reason = str(dialog.choice.currentData())
            if dialog.text.text().strip():
                reason = f"{reason}：{dialog.text.text().strip()}"
            self._do("pause", lambda: self.queue.pause(reason))

        dialog.accepted.connect(chosen)
        self._open(dialog)

    def transfer(self) -> None:
        """F4: to another category, or to a window."""
        choices: list[tuple[str, str | None]] = [(self.tr("（本类别）"), None)]
        choices += [(c, c) for c in self.categories]
        dialog = ChoiceDialog(self.tr("转移"), self.tr("转到类别"), choices, self)
        dialog.layout().insertRow(1, self.tr("转到窗口"), dialog.window_no)  # type: ignore[union-attr]

        def chosen() -> None:
            target = dialog.choice.currentData()
            window = dialog.window_no.value() or None
            self._do("transfer", lambda: self.queue.transfer(target, window))

        dialog.accepted.connect(chosen)
        self._open(dialog)

    def finish(self) -> None:
        """F8: choose the outcome."""
        held = self.queue.current()
        if held is None or held.state is not TicketState.SERVING:
            self._say(self.tr("请先开始办理，再结束"), error=True)
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
            self.buttons["pause"].setText(
                self.tr("恢复服务") + " (F5)" if self.paused else self.tr("暂停服务") + " (F5)"
            )
        if action == "call_next" and result.ticket is None:
            self._say(self.tr("当前没有等候的号"))
        else:
            self._say(self.tr("离线办理：将在网络恢复后上报") if result.offline else "")
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
            self._say(refusal_text(error), error=True)
            if error.code == "QUEUE_OFFLINE":
                self.typed.setFocus()
        else:
            self._say(self.tr("[INTERNAL] 程序出错：{kind}").format(kind=type(error).__name__), error=True)
        self._show(self.queue.current())

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "status")
        self.message.style().polish(self.message)

    def _show(self, ticket: Ticket | None) -> None:
        self.ticket.setText(
            ticket.number if ticket else (self.tr("暂停") if self.paused else self.tr("空闲"))
        )
        self.state.setText(state_text(ticket.state) if ticket else "")
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
        """Waiting counts of this window's categories, live as of now."""
        counts = {w["category"]: w["count"] for w in board.get("waiting", [])}
        self.counts = {c: counts.get(c, 0) for c in self.categories}
        self.counts_at = self.queue.clock().astimezone(HALL_TZ)
        self.counts_stale = False
        self._show_counts()

    @Slot(str)
    def set_feed_state(self, state: str) -> None:
        """``offline``: the counts on screen are the last ones known, and say so until a board comes."""
        if state == "offline" and not self.counts_stale:
            self.counts_stale = True
            self._show_counts()

    def _show_counts(self) -> None:
        if self.counts is None:
            text = self.tr("等候人数：未连接服务器") if self.counts_stale else ""
        elif not self.categories:
            text = ""
        else:
            mine = self.tr("，", "between the categories' counts").join(
                self.tr("{category} 类 {count} 人").format(category=c, count=n)
                for c, n in self.counts.items()
            )
            text = self.tr("等候：{counts}").format(counts=mine)
            if self.counts_stale and self.counts_at is not None:
                text = self.tr("{counts}（离线，{time} 时）").format(
                    counts=text, time=self.counts_at.strftime("%H:%M")
                )
        self.waiting.setText(text)
        self.waiting.setProperty("role", "warning" if self.counts_stale else "status")
        self.waiting.setToolTip(
            self.tr("与服务器断开：这是最后一次收到的等候人数，可能已不是当前人数")
            if self.counts_stale
            else ""
        )
        self.waiting.style().polish(self.waiting)

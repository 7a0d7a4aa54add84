"""取号机: the touch screen where a citizen takes a ticket.

Large buttons, one per queue category; 绿色通道 (priority) and the ID number are optional. The
ticket is issued on the worker thread (server or offline block), the slip printed, and the
screen shows "您已领取A005号，前方等待3人" until the next citizen touches it or a few seconds pass.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.domain.queue import Priority
from counter_app.services.kiosk import IssuedTicket, Kiosk
from counter_app.ui.tasks import TaskRunner

SHOW_TICKET_MS = 8000
COLUMNS = 3


class KioskScreen(QWidget):
    """The kiosk's two pages: choose a category, then the issued ticket."""

    def __init__(
        self,
        kiosk: Kiosk,
        runner: TaskRunner,
        hall_name: str,
        print_slip: Callable[[IssuedTicket], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.kiosk = kiosk
        self.runner = runner
        self.print_slip = print_slip
        self.last: IssuedTicket | None = None
        self.setWindowTitle(self.tr("{hall} 取号").format(hall=hall_name))

        self.pages = QStackedWidget()
        choose = QWidget()
        title = QLabel(hall_name + "\n" + self.tr("请选择您要办理的业务"))
        title.setProperty("role", "banner")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.priority = QCheckBox(self.tr("绿色通道（老年人、残疾人、军人等优先）"))
        self.id_no = QLineEdit()
        self.id_no.setPlaceholderText(self.tr("身份证号（可不填）"))
        self.id_no.setMaxLength(18)
        grid = QGridLayout()
        self.category_buttons: dict[str, QPushButton] = {}
        for index, (prefix, name, _priority_allowed) in enumerate(kiosk.categories()):
            button = QPushButton(f"{prefix}  {name}")
            button.setObjectName(f"category-{prefix}")
            button.setProperty("role", "category")
            button.setMinimumHeight(96)
            button.clicked.connect(lambda _checked=False, p=prefix: self.take(p))
            self.category_buttons[prefix] = button
            grid.addWidget(button, index // COLUMNS, index % COLUMNS)
        layout = QVBoxLayout(choose)
        layout.addWidget(title)
        layout.addLayout(grid, 1)
        layout.addWidget(self.priority)
        layout.addWidget(self.id_no)
        self.error = QLabel("")
        self.error.setProperty("role", "error")
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.error)

        result = QWidget()
        self.number = QLabel("")
        self.number.setProperty("role", "ticket")
        self.number.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = QLabel("")
        self.message.setProperty("role", "banner")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note = QLabel("")
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        done = QPushButton(self.tr("完成"))
        done.setProperty("role", "category")
        done.clicked.connect(self.back)
        result_layout = QVBoxLayout(result)
        result_layout.addStretch(1)
        result_layout.addWidget(self.number)
        result_layout.addWidget(self.message)
        result_layout.addWidget(self.note)
        result_layout.addStretch(1)
        result_layout.addWidget(done)

        self.pages.addWidget(choose)
        self.pages.addWidget(result)
        outer = QVBoxLayout(self)
        outer.addWidget(self.pages)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.back)

    def take(self, category: str) -> None:
        """Issue a ticket of ``category`` (on the worker thread)."""
        priority = Priority.ELDERLY if self.priority.isChecked() else Priority.NORMAL
        id_no = self.id_no.text()
        for button in self.category_buttons.values():
            button.setEnabled(False)
        self.error.setText(self.tr("正在取号…"))

        def work() -> tuple[IssuedTicket, str]:
            issued = self.kiosk.issue(category, priority, id_no)
            printed = self.print_slip(issued) if self.print_slip else ""
            return issued, printed

        self.runner.run(work, self._issued, self._refused)

    def _issued(self, outcome: tuple[IssuedTicket, str]) -> None:
        issued, printer_note = outcome
        self.last = issued
        self.number.setText(issued.number)
        # IssuedTicket.message in the screen's language (the same words in Chinese)
        self.message.setText(
            self.tr("您已领取{number}号，前方等待{ahead}人").format(
                number=issued.number, ahead=issued.people_ahead
            )
        )
        notes = []
        if issued.offline:
            notes.append(self.tr("网络中断期间取号，号码照常有效，请留意叫号"))
        if printer_note:
            notes.append(printer_note)
        self.note.setText("\n".join(notes) or self.tr("请取走小票，留意叫号屏幕和语音提示"))
        self.pages.setCurrentIndex(1)
        self._timer.start(SHOW_TICKET_MS)

    def _refused(self, error: BaseException) -> None:
        message = (
            error.message if isinstance(error, DomainError) else self.tr("取号失败，请稍后再试或联系工作人员")
        )
        self.error.setText(message)
        for button in self.category_buttons.values():
            button.setEnabled(True)

    def back(self) -> None:
        """Return to the category page for the next citizen."""
        self._timer.stop()
        self.priority.setChecked(False)
        self.id_no.clear()
        self.error.setText("")
        for button in self.category_buttons.values():
            button.setEnabled(True)
        self.pages.setCurrentIndex(0)

"""首次设置: on a data folder that is not set up, an administrator enters the hall code, the
window number, the server address and the one-time enrollment code. The window is then
initialised, enrolled, gets the catalog, calendar and clerk roster, all on the network worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.services.clock import system_clock
from counter_app.services.setup import init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.sync.client import ServerClient
from counter_app.sync.config import SyncConfig
from counter_app.sync.enroll import enroll
from counter_app.sync.errors import SyncError
from counter_app.sync.reference import pull_reference_data
from counter_app.sync.roster import fetch_roster
from counter_app.ui.faults import describe
from counter_app.ui.tasks import TaskRunner


@dataclass(frozen=True)
class SetupAnswers:
    """What the administrator typed."""

    hall_code: str
    window_no: int
    server_url: str
    code: str


def set_up_window(data_dir: DataDir, answers: SetupAnswers) -> int:
    """Initialise and enroll the folder, then pull reference data and the roster; returns the
    number of clerks received. Raises DomainError or SyncError with what went wrong."""
    url = answers.server_url.strip().rstrip("/")
    if not url:
        raise DomainError("请填写电子监察服务器地址", "SETUP_SERVER_URL")
    if not answers.code.strip():
        raise DomainError("请填写管理员发放的一次性登记码", "SETUP_CODE")
    init_counter(data_dir, answers.hall_code, answers.window_no, system_clock)
    store = Store(data_dir)
    try:
        client = ServerClient(url)
        try:
            enroll(store, url, answers.code, client=client)
            with store.unit_of_work() as uow:
                uow.put_setting("check_base_url", url + "/check")
                uow.commit()
            pull_reference_data(store, client)
            return len(fetch_roster(store, SyncConfig.load(store), client))
        finally:
            client.close()
    finally:
        store.close()


class SetupWizard(QDialog):
    """The form; ``done_setup`` is emitted with the clerk count once everything succeeded."""

    done_setup = Signal(int)

    def __init__(self, data_dir: DataDir, net: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupWizard")
        self.data_dir = data_dir
        self.net = net
        self.setWindowTitle(self.tr("首次设置：窗口登记"))
        intro = QLabel(
            self.tr("本机尚未登记。请管理员填写大厅代码、窗口号、电子监察服务器地址和一次性登记码。")
        )
        intro.setWordWrap(True)
        self.hall = QLineEdit()
        self.hall.setObjectName("hall")
        self.hall.setPlaceholderText("YX330781")
        self.window_no = QSpinBox()
        self.window_no.setObjectName("windowNo")
        self.window_no.setRange(1, 99)
        self.server_url = QLineEdit()
        self.server_url.setObjectName("serverUrl")
        self.server_url.setPlaceholderText("https://jiancha.example.gov.cn")
        self.code = QLineEdit()
        self.code.setObjectName("code")
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        self.submit = QPushButton(self.tr("登记本窗口"))
        self.submit.setObjectName("submit")
        self.submit.setProperty("role", "primary")
        self.submit.clicked.connect(self._submit)
        form = QFormLayout()
        form.addRow(self.tr("大厅代码"), self.hall)
        form.addRow(self.tr("窗口号"), self.window_no)
        form.addRow(self.tr("服务器地址"), self.server_url)
        form.addRow(self.tr("登记码"), self.code)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.submit)

    def answers(self) -> SetupAnswers:
        """The form's content."""
        return SetupAnswers(
            self.hall.text(), self.window_no.value(), self.server_url.text(), self.code.text()
        )

    def _submit(self) -> None:
        answers = self.answers()
        self.submit.setEnabled(False)
        self.message.setText(self.tr("正在登记……"))
        self.net.run(lambda: set_up_window(self.data_dir, answers), self._done, self._failed)

    def _done(self, clerks: int) -> None:
        self.submit.setEnabled(True)
        self.done_setup.emit(clerks)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self.submit.setEnabled(True)
        code, message = describe(error)
        if not isinstance(error, DomainError | SyncError):
            message = f"{message}（{type(error).__name__}）"
        self.message.setText(f"[{code}] {message}")

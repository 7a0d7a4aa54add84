"""登录 and 解锁: the clerk's number and password, checked on the worker thread against the
cached roster (argon2 takes tens of milliseconds; the GUI never waits for it).

A wrong password, a locked number or a missing roster shows its code and message under the
form; nothing else is said about which of number or password was wrong.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.clerks import RosterEntry
from counter_app.services.login import Login
from counter_app.ui.faults import describe
from counter_app.ui.tasks import TaskRunner


class _PasswordForm(QDialog):
    """Number, password, a message line and one button."""

    def __init__(self, login: Login, db: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.login = login
        self.db = db
        self.heading = QLabel()
        self.heading.setProperty("role", "banner")
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subheading = QLabel()
        self.subheading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subheading.setProperty("role", "status")
        self.subheading.setWordWrap(True)
        self.number = QLineEdit()
        self.number.setObjectName("number")
        self.number.setMaxLength(12)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.message.setProperty("role", "error")
        self.submit = QPushButton()
        self.submit.setObjectName("submit")
        self.submit.setProperty("role", "primary")
        self.submit.setDefault(True)
        self.submit.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.number.returnPressed.connect(self.password.setFocus)

        form = QFormLayout()
        form.addRow(QCoreApplication.translate("login", "工号"), self.number)
        form.addRow(QCoreApplication.translate("login", "密码"), self.password)
        card = QWidget()
        card.setObjectName("loginCard")
        card.setMaximumWidth(460)
        inner = QVBoxLayout(card)
        inner.addWidget(self.heading)
        inner.addWidget(self.subheading)
        inner.addSpacing(12)
        inner.addLayout(form)
        inner.addWidget(self.message)
        inner.addWidget(self.submit)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 2)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def _submit(self) -> None:
        if not self.submit.isEnabled():
            return
        number, password = self.number.text(), self.password.text()
        if not number.strip() or not password:
            self._say(QCoreApplication.translate("login", "请输入工号和密码"))
            return
        self.submit.setEnabled(False)
        self._say("")
        self.db.run(lambda: self._check(number, password), self._passed, self._refused)

    def _check(self, number: str, password: str) -> RosterEntry:
        raise NotImplementedError

    close_on_pass = True  # the login screen stays until the main window is up (see WindowApp)

    def _passed(self, entry: RosterEntry) -> None:
        self.submit.setEnabled(self.close_on_pass)  # the login screen waits for the main window
        self.password.clear()
        self.accepted_clerk.emit(entry)
        if self.close_on_pass:
            self.accept()

    def refuse(self, error: BaseException) -> None:
        """Show why the clerk cannot go on (also after the check passed, if opening failed)."""
        self._refused(error)

    def _refused(self, error: BaseException) -> None:
        self.submit.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        code, message = describe(error)
        self._say(f"[{code}] {message}")

    def _say(self, text: str) -> None:
        self.message.setText(text)

    accepted_clerk = Signal(object)  # the RosterEntry that passed


class LoginDialog(_PasswordForm):
    """The first screen of the window: who is working here."""

    def __init__(
        self, login: Login, db: TaskRunner, hall_name: str, window_no: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(login, db, parent)
        self.setObjectName("loginDialog")
        # Closing it before the main window shows would leave no window, and Qt would quit.
        self.close_on_pass = False
        self.setWindowTitle(QCoreApplication.translate("login", "窗口登录"))
        self.heading.setText(QCoreApplication.translate("login", "政务服务窗口系统"))
        self.subheading.setText(
            QCoreApplication.translate("login", "{hall} · {window}号窗口").format(
                hall=hall_name, window=window_no
            )
        )
        self.submit.setText(QCoreApplication.translate("login", "登录"))
        self.number.setFocus()

    def _check(self, number: str, password: str) -> RosterEntry:
        return self.login.log_in(number, password)


class UnlockDialog(_PasswordForm):
    """The locked screen: the same clerk, or a supervisor, types the password to go on."""

    def __init__(
        self, login: Login, db: TaskRunner, clerk: RosterEntry, parent: QWidget | None = None
    ) -> None:
        super().__init__(login, db, parent)
        self.setObjectName("unlockDialog")
        self.clerk = clerk
        self.setWindowTitle(QCoreApplication.translate("login", "屏幕已锁定"))
        self.heading.setText(QCoreApplication.translate("login", "屏幕已锁定"))
        self.subheading.setText(
            QCoreApplication.translate(
                "login", "{name}（工号 {number}）离开了窗口；本人或现场管理人员输入密码解锁"
            ).format(name=clerk.name, number=clerk.number)
        )
        self.number.setText(clerk.number)
        self.submit.setText(QCoreApplication.translate("login", "解锁"))
        self.resize(560, 340)
        self.password.setFocus()

    def _check(self, number: str, password: str) -> RosterEntry:
        return self.login.unlock(self.clerk, number, password)

    def reject(self) -> None:
        """Escape does not unlock."""

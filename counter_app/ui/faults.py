"""Errors in front of a clerk: one dialog with the code and the Chinese message, a rotating log
in the data folder, and hooks so that an unhandled exception on any thread is logged and shown,
never silent.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
from types import TracebackType
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from counter_app.domain.errors import DomainError
from counter_app.store.datadir import DataDir
from counter_app.sync.errors import SyncError

LOG_NAME = "counter-window.log"
LOG_BYTES = 2_000_000
LOG_BACKUPS = 5
log = logging.getLogger("counter_app.ui")


def describe(error: BaseException) -> tuple[str, str]:
    """The code and the clerk's message of ``error`` (INTERNAL for a bug, without internals)."""
    if isinstance(error, DomainError):
        return error.code, error.message
    if isinstance(error, SyncError):  # the code goes in front, once
        return error.code, error.message.removesuffix(f"（错误代码：{error.code}）")
    return "INTERNAL", QCoreApplication.translate("faults", "程序内部错误，已记入日志，请联系技术支持")


def show_error(parent: QWidget | None, error: BaseException, title: str = "") -> QMessageBox:
    """The one error dialog: ``[CODE] message``; opened without blocking, returned for tests."""
    code, message = describe(error)
    if code == "INTERNAL":
        log.error("error shown to the clerk", exc_info=(type(error), error, error.__traceback__))
    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title or QCoreApplication.translate("faults", "出错了"))
    box.setText(f"[{code}] {message}")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def setup_logging(data_dir: DataDir, level: int = logging.INFO) -> logging.Handler:
    """A rotating log ``logs/counter-window.log`` in the data folder (0600 in a 0700 folder)."""
    path = data_dir.private_log(LOG_NAME)
    handler = _PrivateRotatingHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    return handler


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Keeps every generation of the log private: it may quote citizens' data."""

    def _open(self) -> Any:
        os.close(os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        os.chmod(self.baseFilename, 0o600)
        return super()._open()


class CrashReporter(QObject):
    """Installs ``sys.excepthook`` and ``threading.excepthook``; each unhandled exception is
    logged with its traceback and shown on the GUI thread (``shown`` carries the dialog)."""

    _raised = Signal(object)
    shown = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._raised.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous = (sys.excepthook, threading.excepthook)
        self.last: BaseException | None = None

    def install(self) -> None:
        """Take over both hooks."""
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        """Give the hooks back."""
        sys.excepthook, threading.excepthook = self._previous

    def _excepthook(self, kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous[0](kind, value, tb)
            return
        log.critical("unhandled exception", exc_info=(kind, value, tb))
        self._raised.emit(value)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        where = args.thread.name if args.thread else "?"
        log.critical(
            "unhandled exception in thread %s",
            where,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
        self._raised.emit(args.exc_value)

    @Slot(object)
    def _show(self, error: BaseException) -> None:
        self.last = error
        code, message = describe(error)
        if code == "INTERNAL":
            message = QCoreApplication.translate(
                "faults", "程序内部错误：{kind}。详细信息已记入日志，请联系技术支持。"
            ).format(kind=type(error).__name__)
        box = QMessageBox()
        box.setObjectName("crashDialog")
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(QCoreApplication.translate("faults", "程序出错"))
        box.setText(f"[{code}] {message}")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.shown.emit(box)

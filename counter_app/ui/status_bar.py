"""The main window's status bar: clerk, window, online or offline, events waiting to sync and
the age of the oldest, and the time.

Sync figures arrive from the pusher's listener, which runs on the sync thread and is relayed
here through a queued signal (:class:`SyncRelay`); the bar never reads the database. The clock
ticks once a second and also ages the oldest waiting event from the time the pusher reported.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from counter_app.services.clock import system_clock
from counter_app.sync.status import SyncStatus


class SyncRelay(QObject):
    """Carries :class:`SyncStatus` snapshots from the sync thread to the GUI thread."""

    changed = Signal(object)

    def listener(self, status: SyncStatus) -> None:
        """Give this to ``Pusher.set_listener``: called on the sync thread."""
        self.changed.emit(status)


class WindowStatusBar(QStatusBar):
    """See the module docstring."""

    def __init__(
        self,
        clerk: str,
        window: str,
        clock: Callable[[], datetime] = system_clock,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("windowStatusBar")
        self.clock = clock
        self.status: SyncStatus | None = None
        self.clerk = QLabel(clerk)
        self.clerk.setObjectName("statusClerk")
        self.window_label = QLabel(window)
        self.online = QLabel(self.tr("未连接"))
        self.online.setObjectName("statusOnline")
        self.waiting = QLabel("")
        self.waiting.setObjectName("statusWaiting")
        self.time = QLabel("")
        self.time.setObjectName("statusTime")
        for label in (self.clerk, self.window_label, self.online):
            self.addWidget(label)
        self.addWidget(self.waiting, 1)  # its text grows while events wait
        self.addPermanentWidget(self.time)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.tick)
        self.timer.start(1000)
        self.tick()

    def set_clerk(self, text: str) -> None:
        """Who is logged in."""
        self.clerk.setText(text)

    @Slot(object)
    def show_sync(self, status: SyncStatus) -> None:
        """A new snapshot from the pusher."""
        self.status = status
        if status.online is None:
            text, role = self.tr("未连接服务器"), "status"
        elif status.online:
            text, role = self.tr("在线"), "status"
        else:
            text, role = self.tr("离线"), "warning"
        if status.state == "stopped" and status.last_error is not None:
            text, role = self.tr("同步已停止 [{code}]").format(code=status.last_error.code), "error"
        self.online.setText(text)
        self.online.setProperty("role", role)
        self.online.style().polish(self.online)
        self._show_waiting()

    def tick(self) -> None:
        """Once a second: the time, and the age of the oldest waiting event."""
        self.time.setText(self.clock().strftime("%Y-%m-%d %H:%M:%S"))
        self._show_waiting()

    @property
    def waiting_count(self) -> int:
        """Events waiting to sync, as last reported."""
        return self.status.waiting if self.status else 0

    def _show_waiting(self) -> None:
        status = self.status
        if status is None:
            self.waiting.setText("")
            return
        if status.waiting == 0:
            self.waiting.setText(self.tr("已全部上报"))
            return
        oldest = status.oldest_waiting_at
        age = max(0, int((self.clock() - oldest).total_seconds())) if oldest else 0
        if age < 60:
            since = self.tr("{n} 秒").format(n=age)
        elif age < 3600:
            since = self.tr("{n} 分钟").format(n=age // 60)
        else:
            since = self.tr("{h} 小时 {m} 分").format(h=age // 3600, m=age % 3600 // 60)
        self.waiting.setText(self.tr("待上报 {n} 条，最早 {since}前").format(n=status.waiting, since=since))
        self.waiting.setProperty("role", "warning" if age >= 300 else "status")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignLeft)

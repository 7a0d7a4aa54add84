"""Idle lock: after ``lock_after_s`` seconds without a key press or a mouse action the window
locks (a clerk who walks away leaves no open session with citizens' data)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

DEFAULT_LOCK_AFTER_S = 300
_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


def lock_after_s(settings: dict[str, str]) -> float:
    """The ``lock_after_s`` setting (0 turns the idle lock off)."""
    try:
        return max(0.0, float(settings.get("lock_after_s", DEFAULT_LOCK_AFTER_S)))
    except ValueError:
        return float(DEFAULT_LOCK_AFTER_S)


class IdleWatcher(QObject):
    """Emits ``idle`` once when no input arrived for ``seconds``; input restarts the count."""

    idle = Signal()

    def __init__(self, seconds: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(seconds * 1000))
        self.timer.timeout.connect(self.idle.emit)
        self.enabled = seconds > 0
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def start(self) -> None:
        """Start counting (after login or unlock)."""
        if self.enabled:
            self.timer.start()

    def stop(self) -> None:
        """Stop counting (while locked)."""
        self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and self.timer.isActive():
            self.timer.start()
        return False

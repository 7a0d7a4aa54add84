"""大厅显示: the hall screen: the call being announced, every window's current number, the last
calls and how many wait in each category, fed live from the server and spoken aloud.

Boards arrive on the feed's thread and cross to the GUI thread through a queued signal. A call
is new when a window shows a number (or a recall count) it did not show before; the first board
after start only sets what is on screen, so a restart does not repeat the morning's calls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from counter_app.domain.queue import HALL_TZ, spoken_call
from counter_app.ui.speech import CallAnnouncer

WINDOW_COLUMNS = 3
FEED_STATES = {
    "live": str(QT_TRANSLATE_NOOP("HallDisplay", "实时")),
    "polling": str(QT_TRANSLATE_NOOP("HallDisplay", "轮询")),
    "offline": str(QT_TRANSLATE_NOOP("HallDisplay", "与服务器断开，显示可能不是最新")),
}


def _label(
    text: str = "", role: str = "cell", align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", role)
    label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    return label


class HallDisplay(QWidget):
    """The hall screen; call :meth:`show_board` (or emit ``board_arrived``) with each board."""

    board_arrived = Signal(dict)
    feed_state = Signal(str)

    def __init__(self, announcer: CallAnnouncer, hall_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HallDisplay")
        self.setWindowTitle(self.tr("{hall} 叫号显示").format(hall=hall_name))
        self.announcer = announcer
        announcer.setParent(self)  # the voice stops with the screen
        self._seen: set[tuple[Any, ...]] | None = None
        self.board: dict[str, Any] = {}

        self.title = _label(hall_name, "head")
        self.clock = _label("", "head", Qt.AlignmentFlag.AlignRight)
        self.state = _label("", "head", Qt.AlignmentFlag.AlignRight)
        self.current = _label(self.tr("欢迎光临，请取号后留意叫号"), "call-big", Qt.AlignmentFlag.AlignCenter)
        self.current.setWordWrap(True)
        self.voice_note = _label(
            "" if announcer.voice else self.tr("（语音播报未开启）"), "head", Qt.AlignmentFlag.AlignCenter
        )
        self.windows = QGridLayout()
        self.windows.setHorizontalSpacing(36)
        self.recent = QVBoxLayout()
        self.waiting = QVBoxLayout()

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.state)
        top.addWidget(self.clock)
        left = QVBoxLayout()
        left.addWidget(_label(self.tr("正在办理"), "head"))
        left.addLayout(self.windows)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(_label(self.tr("最近叫号"), "head"))
        right.addLayout(self.recent)
        right.addSpacing(24)
        right.addWidget(_label(self.tr("等候人数"), "head"))
        right.addLayout(self.waiting)
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        body.addWidget(line)
        body.addLayout(right, 2)
        root = QVBoxLayout(self)
        root.setContentsMargins(32, 20, 32, 20)
        root.addLayout(top)
        root.addWidget(self.current)
        root.addWidget(self.voice_note)
        root.addLayout(body, 1)

        self.board_arrived.connect(self.show_board, Qt.ConnectionType.QueuedConnection)
        self.feed_state.connect(self.set_feed_state, Qt.ConnectionType.QueuedConnection)
        announcer.started.connect(self._announcing)
        self._tick = QTimer(self)
        self._tick.timeout.connect(self._show_time)
        self._tick.start(1000)
        self._show_time()

    @Slot(dict)
    def show_board(self, board: dict[str, Any]) -> None:
        """Lay out ``board`` and announce the calls that are new on it."""
        self.board = board
        calls = [w for w in board.get("windows", []) if w.get("number")]
        keys = {(w["window_no"], w["number"], w.get("recalls", 0), w.get("called_at")) for w in calls}
        if self._seen is None:
            self._seen = keys
        else:
            fresh = sorted(
                (
                    w
                    for w in calls
                    if (w["window_no"], w["number"], w.get("recalls", 0), w.get("called_at"))
                    not in self._seen
                ),
                key=lambda w: w.get("called_at") or "",
            )
            for w in fresh:
                # the hall hears Chinese; the screen shows the call in its own language
                self.announcer.announce(
                    self.shown_call(w["number"], w["window_no"]), spoken_call(w["number"], w["window_no"])
                )
            self._seen |= keys
        self._fill_windows(board.get("windows", []))
        self._fill(
            self.recent,
            [
                self.tr("{number}  →  {window}号窗口").format(number=c["number"], window=c["window_no"])
                for c in board.get("last_calls", [])[:8]
            ],
        )
        self._fill(
            self.waiting,
            [
                self.tr("{category} 类  {count} 人").format(category=w["category"], count=w["count"])
                for w in board.get("waiting", [])
            ]
            or [self.tr("暂无等候")],
        )

    @Slot(str)
    def set_feed_state(self, state: str) -> None:
        """Show whether the screen is live, polling or cut off from the server."""
        self.state.setText(QCoreApplication.translate("HallDisplay", FEED_STATES.get(state, state)))
        self.state.setProperty("role", "head" if state != "offline" else "warning")
        self.state.style().polish(self.state)

    def shown_call(self, number: str, window_no: int) -> str:
        """The call as the screen shows it: :func:`display_call`'s words in the screen's language."""
        return self.tr("请{number}号到{window}号窗口办理").format(number=number, window=window_no)

    def _announcing(self, shown: str, _spoken: str) -> None:
        self.current.setText(shown)

    def _fill_windows(self, windows: list[dict[str, Any]]) -> None:
        while self.windows.count():
            item = self.windows.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        for index, w in enumerate(windows):
            text = w["number"] if w.get("number") else (self.tr("暂停服务") if w.get("paused") else "—")
            row, column = divmod(index, WINDOW_COLUMNS)
            window = self.tr("{window}号窗口").format(window=w["window_no"])
            self.windows.addWidget(_label(window, "cell"), row, column * 2)
            self.windows.addWidget(_label(text, "call" if w.get("number") else "cell"), row, column * 2 + 1)

    @staticmethod
    def _fill(layout: QVBoxLayout, lines: list[str]) -> None:
        while layout.count():
            item = layout.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        for line in lines:
            layout.addWidget(_label(line, "cell"))

    def _show_time(self) -> None:
        self.clock.setText(datetime.now(HALL_TZ).strftime("%H:%M:%S"))

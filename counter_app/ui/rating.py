"""好差评: the screen the citizen rates the service on when a ticket finishes.

Five big buttons, 非常满意 … 非常不满意, and 不评价. On a second screen (the one turned to the
citizen) it fills that screen; with one screen it opens as a dialog the clerk turns round. What
the citizen chose, or that nobody chose within ``timeout_s`` seconds (``NoRating.TIMEOUT``), or
that the citizen declined, is recorded as one ``service.rated`` event tied to the ticket, its
cases and the clerk, then :attr:`RatingScreen.rated` carries the payload.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from counter_app.domain.rating import Level, NoRating, Rating
from counter_app.services.clock import Clock, system_clock
from counter_app.services.rating import record_rating
from counter_app.ui.document_view import error_text
from counter_app.ui.i18n import domain_label
from counter_app.ui.session import WindowSession

log = logging.getLogger(__name__)
TIMEOUT_S = 30
LEVELS = sorted(Level, reverse=True)  # 非常满意 first
# Green to red, readable from a distance; the look's style sheet has no per-level colours.
COLOURS = {5: "#1b7f3b", 4: "#3f9b4f", 3: "#7a7f1b", 2: "#c0641a", 1: "#b3261e"}


class RatingScreen(QWidget):
    """The citizen's rating of one finished ticket."""

    rated = Signal(dict)  # the service.rated payload, once recorded
    failed = Signal(str)  # the rating could not be recorded: code and message for the clerk

    def __init__(self, session: WindowSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.WindowType.Window)  # always its own window, turned to the citizen
        self.setWindowTitle(self.tr("服务评价"))
        self.session = session
        self.clock: Clock = system_clock
        self.timeout_s = TIMEOUT_S
        self.remaining = 0
        self.pending: tuple[str, str, tuple[str, ...]] | None = None
        self.shown_on: QScreen | None = None

        title = QLabel(self.tr("请您对本次服务作出评价"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title.setStyleSheet("font-size: 30pt; font-weight: bold;")
        self.who = QLabel("")
        self.who.setObjectName("who")
        self.who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.who.setStyleSheet("font-size: 16pt;")
        self.buttons: dict[Level, QPushButton] = {}
        grid = QGridLayout()
        for column, level in enumerate(LEVELS):
            button = QPushButton(domain_label(level.label))
            button.setObjectName(f"rate:{int(level)}")
            button.setMinimumSize(170, 150)
            button.setStyleSheet(
                f"QPushButton {{ font-size: 22pt; font-weight: bold; color: white;"
                f" background: {COLOURS[int(level)]}; border-radius: 12px; }}"
            )
            button.clicked.connect(lambda _checked=False, lv=level: self.choose(lv))
            self.buttons[level] = button
            grid.addWidget(button, 0, column)
        self.decline_button = QPushButton(self.tr("不评价"))
        self.decline_button.setObjectName("rate:declined")
        self.decline_button.setMinimumHeight(56)
        self.decline_button.setStyleSheet("font-size: 16pt;")
        self.decline_button.clicked.connect(self.decline)
        self.countdown = QLabel("")
        self.countdown.setObjectName("countdown")
        self.countdown.setStyleSheet("font-size: 14pt; color: #555;")
        bottom = QHBoxLayout()
        bottom.addWidget(self.countdown, 1)
        bottom.addWidget(self.decline_button)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(self.who)
        layout.addSpacing(24)
        layout.addLayout(grid)
        layout.addStretch(1)
        layout.addLayout(bottom)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)

    def ask(self, ticket_no: str, business_date: str, case_nos: list[str]) -> None:
        """Show the five levels for ``ticket_no``; record whatever happens."""
        if self.pending is not None:  # a rating still open: the citizen walked away from it
            self._record(NoRating.TIMEOUT)
        self.pending = (ticket_no, business_date, tuple(case_nos))
        self.who.setText(
            self.tr("{window}号窗口　工作人员 {name}（工号 {number}）　排队号 {ticket}").format(
                window=self.session.window_no,
                name=self.session.clerk_name,
                number=self.session.clerk_id,
                ticket=ticket_no,
            )
        )
        self.remaining = self.timeout_s
        self._show_countdown()
        for button in (*self.buttons.values(), self.decline_button):
            button.setEnabled(True)
        self._present()
        self.timer.start()

    def _present(self) -> None:
        """Full screen on a second screen when there is one, else a dialog over the clerk's window."""
        parent = self.parentWidget()
        clerk_window = parent.window() if parent is not None else None
        clerk_screen = clerk_window.screen() if clerk_window else QGuiApplication.primaryScreen()
        others = [s for s in QGuiApplication.screens() if s is not clerk_screen and s != clerk_screen]
        if others:
            self.shown_on = others[0]
            self.setScreen(others[0])
            self.setGeometry(others[0].geometry())
            self.showFullScreen()
            return
        self.shown_on = clerk_screen
        self.setWindowFlag(Qt.WindowType.Dialog)
        self.resize(1000, 520)
        self.show()
        self.raise_()
        self.activateWindow()

    def choose(self, level: Level) -> None:
        """The citizen pressed one of the five levels."""
        self._record(level)

    def decline(self) -> None:
        """The citizen chose not to rate."""
        self._record(NoRating.DECLINED)

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self._record(NoRating.TIMEOUT)
            return
        self._show_countdown()

    def _show_countdown(self) -> None:
        self.countdown.setText(self.tr("{n} 秒后自动关闭").format(n=self.remaining))

    def _record(self, answer: Level | NoRating) -> None:
        if self.pending is None:
            return
        ticket_no, business_date, case_nos = self.pending
        self.pending = None
        self.timer.stop()
        for button in (*self.buttons.values(), self.decline_button):
            button.setEnabled(False)
        self.hide()
        level = answer if isinstance(answer, Level) else None
        no_rating = answer if isinstance(answer, NoRating) else None
        rating = Rating(ticket_no, business_date, case_nos, level=level, no_rating=no_rating)
        session = self.session

        def done(_seq: Any) -> None:
            session.committed()
            self.rated.emit(rating.payload())

        def failed(error: BaseException) -> None:
            log.error("rating of %s not recorded: %s", ticket_no, error_text(error), exc_info=error)
            self.failed.emit(error_text(error))

        session.db.run(
            lambda: record_rating(session.store, self.clock, session.clerk_id, rating), done, failed
        )

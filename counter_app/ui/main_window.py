"""The clerk's main window: the queue panel on the left, tabs for 受理 (intake), 办件 (case work)
and 今日办件 on the right, the status bar at the bottom.

The window only assembles screens and shortcuts; the intake form, case work and rating screen
are their own modules. Shortcuts: F1–F8 on the queue panel; Ctrl+N 新办件, Ctrl+F 查询办件,
Ctrl+T 今日办件, F9 刷新, Ctrl+L 锁屏, Ctrl+Shift+Q 退出登录.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.services.clock import Clock, system_clock
from counter_app.ui.case_work import CaseWork
from counter_app.ui.intake_form import IntakeForm
from counter_app.ui.queue_panel import QueuePanel
from counter_app.ui.rating import RatingScreen
from counter_app.ui.session import WindowSession
from counter_app.ui.status_bar import WindowStatusBar
from counter_app.ui.today_cases import TodayCases


class MainWindow(QMainWindow):
    """See the module docstring; ``queue_panel`` is built by the caller (it needs the server)."""

    lock_requested = Signal(str)  # reason: manual
    committed = Signal()  # relayed from WindowSession.on_commit, whatever thread committed
    logout_requested = Signal()
    closing = Signal()

    def __init__(
        self, session: WindowSession, queue_panel: QueuePanel, hall_name: str, clock: Clock = system_clock
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.session = session
        self.queue_panel = queue_panel
        self.setWindowTitle(
            self.tr("{hall} · {window}号窗口 · 政务服务窗口系统").format(
                hall=hall_name, window=session.window_no
            )
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("workTabs")
        self.intake = IntakeForm(session)
        self.tabs.addTab(self.intake, self.tr("受理 (Ctrl+N)"))
        # Case work is built the first time it is needed (its tab opened, Ctrl+F, a case opened
        # from 今日办件): about a fifth of the main window's start, not needed to start work.
        self._case_work: CaseWork | None = None
        self.case_page = QWidget()
        self.case_page.setObjectName("casePage")
        QVBoxLayout(self.case_page).setContentsMargins(0, 0, 0, 0)
        self.tabs.addTab(self.case_page, self.tr("办件 (Ctrl+F)"))
        self.tabs.currentChanged.connect(self._tab_opened)
        self.today = TodayCases(session)
        self.tabs.addTab(self.today, self.tr("今日办件 (Ctrl+T)"))
        self.rating: RatingScreen | None = None  # built when the first visit ends

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(queue_panel)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 1026])  # at 1366 wide the forms get the room
        queue_panel.setMinimumWidth(300)
        self.locked_page = QLabel(self.tr("屏幕已锁定"))
        self.locked_page.setObjectName("lockedPage")
        self.locked_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.locked_page.setProperty("role", "banner")
        self.pages = QStackedWidget()
        self.pages.addWidget(splitter)
        self.pages.addWidget(self.locked_page)
        self.setCentralWidget(self.pages)
        self.status = WindowStatusBar(
            self.tr("{name}（工号 {number}）").format(name=session.clerk_name, number=session.clerk_id),
            self.tr("{window}号窗口").format(window=session.window_no),
            clock,
        )
        self.setStatusBar(self.status)
        self.setMinimumSize(1024, 600)
        self._wire()

    # -- assembly -------------------------------------------------------------------------------
    def _wire(self) -> None:
        keys = [
            ("Ctrl+N", self.new_intake),
            ("Ctrl+F", self.find_case),
            ("Ctrl+T", lambda: self.tabs.setCurrentWidget(self.today)),
            ("F9", self.today.refresh),
            ("Ctrl+L", lambda: self.lock_requested.emit("manual")),
            ("Ctrl+Shift+Q", self.logout_requested.emit),
        ]
        self.shortcuts: dict[str, QShortcut] = {}
        for key, slot in keys:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts[key] = shortcut
        self.intake.case_recorded.connect(self._case_recorded)
        # 结束办理 offers the cases taken in for the ticket being served
        self.queue_panel.recorded_cases = self.intake.cases_of
        self.today.open_case.connect(self.open_case)
        self.committed.connect(self.today.refresh, Qt.ConnectionType.QueuedConnection)
        self._on_commit = self.committed.emit
        self.session.on_commit.append(self._on_commit)
        self.queue_panel.ticket_finished.connect(self.ask_rating)
        self.today.refresh()

    @property
    def case_work(self) -> CaseWork:
        """The case work screen of the 办件 tab, built on first use."""
        return self._build_case_work()

    def _build_case_work(self) -> CaseWork:
        if self._case_work is None:
            self._case_work = CaseWork(self.session)
            layout = self.case_page.layout()
            assert layout is not None
            layout.addWidget(self._case_work)
        return self._case_work

    def _tab_opened(self, index: int) -> None:
        if self.tabs.widget(index) is self.case_page:
            self._build_case_work()

    # -- actions --------------------------------------------------------------------------------
    def new_intake(self) -> None:
        """Ctrl+N: the intake tab, ready to type."""
        self.tabs.setCurrentIndex(0)
        self.intake.clear()

    def find_case(self) -> None:
        """Ctrl+F: the case work tab, cursor in its search box."""
        self.tabs.setCurrentIndex(1)
        self.case_work.focus_search()

    def open_case(self, project_no: str) -> None:
        """Show one case in case work."""
        self.tabs.setCurrentIndex(1)
        self.case_work.open_case(project_no)

    def _case_recorded(self, _project_no: str) -> None:
        self.today.refresh()

    def ask_rating(self, ticket: Any, case_nos: list[str]) -> None:
        """After 结束办理: the citizen rates the visit."""
        if self.rating is None:
            self.rating = RatingScreen(self.session)
            self.rating.setWindowFlag(Qt.WindowType.Window, True)
        business_date = getattr(ticket, "business_date", None)
        self.rating.ask(ticket.number, business_date.isoformat() if business_date else "", list(case_nos))
        self.rating.show()
        self.rating.raise_()

    def show_locked(self, locked: bool) -> None:
        """Hide the work (citizens' data) behind the lock page, or show it again."""
        self.pages.setCurrentIndex(1 if locked else 0)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.rating is not None:
            self.rating.close()
        self.closing.emit()
        super().closeEvent(event)

"""``counter window``: the clerk's desktop client from start to the end of the day.

Start-up: logging into the data folder, the crash hooks, the language, the look; then the
first-run wizard if the folder is not enrolled, the login screen, and after login the main
window. Two workers: ``db`` (database, documents, printing) and ``net`` (requests to the
server); the pusher runs on its own sync thread and its status reaches the status bar through
a queued signal. Every committed operation wakes the pusher (``WindowSession.on_commit``).
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from counter_app.domain.catalog import Catalog
from counter_app.domain.clerks import RosterEntry
from counter_app.services.clock import Clock, system_clock
from counter_app.services.login import Login
from counter_app.services.queue import WindowQueue
from counter_app.services.reference import current_catalog
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.sync.board_feed import BoardFeed
from counter_app.sync.config import SyncConfig
from counter_app.sync.pusher import Pusher
from counter_app.sync.queue_client import queue_ops
from counter_app.sync.roster import fetch_roster
from counter_app.ui.faults import CrashReporter, setup_logging, show_error
from counter_app.ui.i18n import install_translator
from counter_app.ui.idle import IdleWatcher, lock_after_s
from counter_app.ui.login import LoginDialog, UnlockDialog
from counter_app.ui.main_window import MainWindow
from counter_app.ui.session import WindowSession
from counter_app.ui.startup import release_collector
from counter_app.ui.status_bar import SyncRelay
from counter_app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
# At the latest this long after the window starts, the garbage collector is back on.
COLLECTOR_BACK_MS = 5_000


def is_set_up(data_dir: DataDir) -> bool:
    """Whether the folder has a device identity and a catalog (else the wizard runs first)."""
    if not data_dir.db_path.exists():
        return False
    store = Store(data_dir)
    try:
        settings = store.settings()
        return bool(settings.get("device_id") and settings.get("window_no"))
    finally:
        store.close()


class WindowApp(QObject):
    """Owns the workers, the pusher and the screens of one window process."""

    main_shown = Signal(object)  # the MainWindow
    login_shown = Signal(object)  # the LoginDialog

    def __init__(
        self,
        data_dir: DataDir,
        *,
        clock: Clock = system_clock,
        pusher_options: dict[str, Any] | None = None,
        start_pusher: bool = True,
        auto_login: tuple[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.clock = clock
        self.db = TaskRunner()
        self.net = TaskRunner()
        self.relay = SyncRelay()
        self.pusher_options = pusher_options or {}
        self.start_pusher = start_pusher
        self.auto_login = auto_login  # (number, password): the demo logs its clerk in once
        self.store: Store | None = None
        self.pusher: Pusher | None = None
        self.login: Login | None = None
        self.login_dialog: LoginDialog | None = None
        self.unlock_dialog: UnlockDialog | None = None
        self.main: MainWindow | None = None
        self.clerk: RosterEntry | None = None
        self.idle: IdleWatcher | None = None
        self.feed: BoardFeed | None = None
        self.queue_client: Any = None
        self.wizard: Any = None

    # -- start ------------------------------------------------------------------------------------
    def start(self) -> None:
        """The wizard when the folder is new, else straight to login."""
        if is_set_up(self.data_dir):
            self.open_store()
            return
        from counter_app.ui.setup_wizard import SetupWizard

        self.wizard = SetupWizard(self.data_dir, self.net)
        self.wizard.done_setup.connect(lambda _n: self.open_store())
        self.wizard.resize(640, 420)
        self.wizard.show()

    def open_store(self) -> None:
        """Open the database, start sync, refresh the roster in the background, show login."""
        self.store = Store(self.data_dir)
        self.login = Login(self.store, self.clock)
        self.pusher = Pusher(self.store, listener=self.relay.listener, **self.pusher_options)
        if self.start_pusher:
            self.pusher.start()
        self.refresh_roster()
        self.show_login()

    def refresh_roster(self) -> None:
        """Fetch the hall's roster on the network worker; offline, the cached one serves."""
        store = self.store
        assert store is not None

        def work() -> int:
            config = SyncConfig.load(store)
            client = config.client(timeout=(2.0, 5.0))
            try:
                return len(fetch_roster(store, config, client, self.clock))
            finally:
                client.close()

        def failed(error: BaseException) -> None:
            log.info("roster not refreshed (the cached one is used): %s", error)

        self.net.run(work, lambda n: log.info("roster refreshed: %d clerks", n), failed)

    def show_login(self) -> None:
        """The login screen."""
        assert self.store is not None and self.login is not None
        settings = self.store.settings()
        dialog = LoginDialog(self.login, self.db, self._hall_name(), int(settings["window_no"]))
        dialog.accepted_clerk.connect(self.logged_in)
        dialog.resize(1366, 768)
        self.login_dialog = dialog
        dialog.show()
        self.login_shown.emit(dialog)
        if self.auto_login is not None:
            number, password = self.auto_login
            self.auto_login = None
            dialog.number.setText(number)
            dialog.password.setText(password)
            dialog.submit.click()

    def _hall_name(self) -> str:
        assert self.store is not None
        try:
            with self.store.read() as conn:
                return current_catalog(conn).hall_name
        except Exception:  # no catalog yet: the hall code serves
            return self.store.settings().get("hall_code", "")

    # -- logged in ------------------------------------------------------------------------------
    def logged_in(self, clerk: RosterEntry) -> None:
        """Read what the main window needs on the worker (the catalog is parsed there), then build it."""
        assert self.store is not None
        self.clerk = clerk
        store = self.store

        def load() -> tuple[dict[str, str], Catalog, Any]:
            with store.read() as conn:
                catalog = current_catalog(conn)
            return store.settings(), catalog, queue_ops(store)

        self.db.run(load, lambda loaded: self._build_main(clerk, *loaded), self._load_failed)

    def _load_failed(self, error: BaseException) -> None:
        # The login screen is still up: it says what failed, and the clerk may try again.
        self.clerk = None
        if self.login_dialog is not None:
            self.login_dialog.refuse(error)
        else:
            show_error(None, error)

    def _build_main(self, clerk: RosterEntry, settings: dict[str, str], catalog: Catalog, link: Any) -> None:
        assert self.store is not None and self.pusher is not None
        if self.clerk is not clerk:  # logged out meanwhile
            return
        store = self.store
        from counter_app.domain.queue import window_categories
        from counter_app.ui.queue_panel import QueuePanel

        ops, client, config = link
        self.queue_client = client
        queue = WindowQueue(store, self.clock, clerk.number, ops)
        session = WindowSession(
            store=store,
            clerk_id=clerk.number,
            clerk_name=clerk.name,
            role=clerk.role,
            hall_code=settings["hall_code"],
            window_no=int(settings["window_no"]),
            db=self.db,
            net=self.net,
            current_ticket=queue.current,
        )
        session.on_commit.append(self.pusher.notify)
        # Queue requests wait on the server: they go to the network worker, not the database one.
        panel = QueuePanel(queue, self.net, window_categories(catalog, session.window_no))
        panel.changed.connect(session.committed)
        self.main = MainWindow(session, panel, catalog.hall_name, self.clock)
        self.relay.changed.connect(self.main.status.show_sync)
        self.main.status.show_sync(self.pusher.status())
        self.main.lock_requested.connect(self.lock)
        self.main.logout_requested.connect(self.log_out)
        self.main.closing.connect(self._main_closing)
        if config is not None:
            self.feed = BoardFeed(
                config.server_url, settings["hall_code"], panel.board_arrived.emit, panel.feed_state.emit
            )
            self.feed.start()
        self.idle = IdleWatcher(lock_after_s(settings), self)
        self.idle.idle.connect(lambda: self.lock("idle"))
        self.idle.start()
        self.main.resize(1366, 768)
        self.main.show()
        if self.login_dialog is not None:  # only now: closing it first would leave no window
            self.login_dialog.accept()
            self.login_dialog = None
        self._notify()  # the login event leaves now
        self.main_shown.emit(self.main)

    def lock(self, reason: str) -> None:
        """Lock the screen (idle or Ctrl+L) and ask for a password."""
        if self.main is None or self.clerk is None or self.unlock_dialog is not None:
            return
        assert self.login is not None
        if self.idle is not None:
            self.idle.stop()
        self.main.show_locked(True)
        clerk, login = self.clerk, self.login
        self.db.run(lambda: login.lock(clerk, reason), lambda _r: self._notify(), self._error)
        dialog = UnlockDialog(login, self.db, clerk, self.main)
        dialog.accepted_clerk.connect(self._unlocked)
        self.unlock_dialog = dialog
        dialog.open()

    def _unlocked(self, _by: RosterEntry) -> None:
        self.unlock_dialog = None
        self._notify()
        if self.main is not None:
            self.main.show_locked(False)
        if self.idle is not None:
            self.idle.start()

    def log_out(self) -> None:
        """Ctrl+Shift+Q: record the logout and go back to the login screen."""
        if self.main is None or self.clerk is None:
            return
        self.show_login()  # first: with no window left, Qt would quit
        self._leave("logout")

    def _main_closing(self) -> None:
        if self.clerk is not None:
            self._leave("quit")

    def _leave(self, reason: str) -> None:
        assert self.login is not None
        clerk, login = self.clerk, self.login
        assert clerk is not None
        self.clerk = None
        self.db.run(lambda: login.log_out(clerk, reason), lambda _r: self._notify())
        if self.idle is not None:
            self.idle.stop()
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self.idle)
            self.idle = None  # its parent (this object) owns it; no deleteLater from here
        if self.feed is not None:
            self.feed.stop()
            self.feed = None
        main, self.main = self.main, None
        if main is not None and reason != "quit":
            main.closing.disconnect(self._main_closing)
            main.close()
            main.deleteLater()

    def _notify(self) -> None:
        if self.pusher is not None:
            self.pusher.notify()

    def _error(self, error: BaseException) -> None:
        show_error(self.main, error)

    # -- stop -----------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop sync and the workers, close the database."""
        if self.main is not None and self.clerk is not None:
            self._leave("quit")
        if self.feed is not None:
            self.feed.stop()
        self.db.shutdown()
        self.net.shutdown()
        if self.pusher is not None:
            self.pusher.stop(timeout=10)
        if self.queue_client is not None:
            self.queue_client.close()
        if self.store is not None:
            self.store.close()


def run_window(
    data_dir: DataDir,
    lang: str | None = None,
    auto_login: tuple[str, str] | None = None,
    on_start: Callable[[WindowApp], None] | None = None,
) -> int:
    """Open the window and run the event loop until the last screen closes; the exit status.
    ``on_start`` is called with the WindowApp just before it starts. The command line comes
    through :func:`counter_app.ui.startup.open_window`."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    from counter_app.ui.look import apply_look

    setup_logging(data_dir)
    crash = CrashReporter(app)
    crash.install()
    chosen = lang or _language_setting(data_dir)
    install_translator(app, chosen, data_dir)
    apply_look(app, 12)
    window = WindowApp(data_dir, auto_login=auto_login)
    # The collector held by the command line comes back once the main window is up, or once
    # the start-up screen (set-up wizard, login) has waited a while (startup.py).
    window.main_shown.connect(lambda _main: release_collector())
    QTimer.singleShot(COLLECTOR_BACK_MS, release_collector)
    if on_start is not None:
        on_start(window)
    # Ctrl+C or a terminate signal closes the window properly (the logout is recorded).
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: app.quit())
    wake = QTimer()
    wake.timeout.connect(lambda: None)  # lets Python see the signal while Qt waits
    wake.start(300)
    window.start()
    try:
        return int(app.exec())
    finally:
        window.shutdown()
        crash.uninstall()


def _language_setting(data_dir: DataDir) -> str:
    if not data_dir.db_path.exists():
        return "zh"
    store = Store(data_dir)
    try:
        return store.settings().get("language", "zh") or "zh"
    finally:
        store.close()

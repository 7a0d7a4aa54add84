"""The clerk's window through real widgets, against a real server process: first-run wizard,
login from the roster the server gave (offline afterwards), lockout, idle lock and unlock, the
status bar's waiting count across a server outage (and the queue panel's, stale and live
again), a crash shown and logged, and English.

Screenshots at 1366x768 go to ``SC_SCREENSHOT_DIR`` when it is set.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store import schema
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.sync import enroll
from counter_app.sync.backoff import Backoff
from counter_app.sync.config import SyncConfig
from counter_app.sync.roster import fetch_roster
from counter_app.ui.faults import LOG_NAME, CrashReporter, setup_logging
from counter_app.ui.i18n import install_translator
from counter_app.ui.login import LoginDialog
from counter_app.ui.look import apply_look
from counter_app.ui.main_window import MainWindow
from counter_app.ui.setup_wizard import SetupWizard
from counter_app.ui.window_app import WindowApp
from tests.server.helpers import unique
from tests.support import DEMO_CATALOG
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow
PASSWORD = "zhangli-307"
SUPERVISOR_PASSWORD = "wangqiang-9"


def shoot(widget: Any, name: str) -> None:
    folder = os.environ.get("SC_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def shown_whole(label: Any) -> bool:
    """Whether ``label`` shows all of its text at its present size and place (wrapped where it wraps)."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics

    room = label.contentsRect().intersected(label.visibleRegion().boundingRect())  # not hidden by a neighbour
    flags = int(Qt.TextFlag.TextWordWrap) if label.wordWrap() else 0  # its own line breaks, no wrapping
    needed = QFontMetrics(label.font()).boundingRect(QRect(0, 0, room.width(), 100_000), flags, label.text())
    return bool(label.text()) and needed.width() <= room.width() and needed.height() <= room.height()


def enrolled_window(
    server: ServerProcess, root: Path, clock: FixedClock, window: int = 3
) -> tuple[DataDir, str]:
    """An initialised, enrolled window whose roster came from the server: clerk 0307 and supervisor 0901."""
    hall = unique("HW")[:12].replace("-", "").upper()
    server.add_clerk(hall, "0307", "张丽", "clerk", PASSWORD)
    server.add_clerk(hall, "0901", "王强", "supervisor", SUPERVISOR_PASSWORD)
    data = DataDir(root / "window")
    init_counter(data, hall, window, clock)
    store = Store(data)
    try:
        import_catalog(store, DEMO_CATALOG, clock)
        enroll(store, server.url, server.issue_code(hall, window))
        config = SyncConfig.load(store)
        client = config.client()
        try:
            assert [e.number for e in fetch_roster(store, config, client)] == ["0307", "0901"]
        finally:
            client.close()
    finally:
        store.close()
    return data, hall


def kiosk_tickets(server: ServerProcess, hall: str, root: Path, clock: FixedClock, count: int) -> list[Any]:
    """``count`` tickets of category A issued by an enrolled kiosk of ``hall`` (on the server's queue)."""
    from counter_app.domain.device_role import DeviceRole
    from counter_app.services.kiosk import Kiosk
    from counter_app.sync.queue_client import queue_ops

    kiosk_dir = DataDir(root / "kiosk")
    init_counter(kiosk_dir, hall, 1, clock, role=DeviceRole.KIOSK)
    kiosk_store = Store(kiosk_dir)
    try:
        import_catalog(kiosk_store, DEMO_CATALOG, clock)
        enroll(kiosk_store, server.url, server.issue_code(hall, 1, kiosk=True))
        ops, client, _config = queue_ops(kiosk_store)
        assert ops is not None and client is not None
        kiosk = Kiosk(kiosk_store, FixedClock(datetime.now(HALL_TZ)), ops)
        try:
            return [kiosk.issue("A") for _ in range(count)]
        finally:
            client.close()
    finally:
        kiosk_store.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(HALL_TZ).replace(microsecond=0))


@pytest.fixture
def app() -> QApplication:
    instance = QApplication.instance() or QApplication([])
    assert isinstance(instance, QApplication)
    apply_look(instance, 12)
    return instance


def events(data: DataDir, prefix: str = "clerk.") -> list[tuple[str, dict[str, Any], str]]:
    store = Store(data)
    try:
        with store.read() as conn:
            rows = conn.execute(
                select(schema.events.c.type, schema.events.c.envelope).order_by(schema.events.c.seq)
            ).all()
    finally:
        store.close()
    found = []
    for row in rows:
        if row.type.startswith(prefix):
            envelope = json.loads(row.envelope)
            found.append((row.type, envelope["payload"], envelope["clerk_id"]))
    return found


def open_window(
    qtbot: Any, data: DataDir, clock: FixedClock, **options: Any
) -> tuple[WindowApp, LoginDialog]:
    window = WindowApp(data, clock=clock, **options)
    with qtbot.waitSignal(window.login_shown, timeout=10000) as shown:
        window.start()
    dialog = shown.args[0]
    qtbot.addWidget(dialog)
    return window, dialog


def type_login(qtbot: Any, dialog: Any, number: str, password: str) -> None:
    dialog.number.clear()
    qtbot.keyClicks(dialog.number, number)
    qtbot.keyClick(dialog.number, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def log_in(qtbot: Any, window: WindowApp, dialog: Any, number: str = "0307", password: str = PASSWORD) -> Any:
    """Type the number and password into the login screen; the main window once it is up."""
    with qtbot.waitSignal(window.main_shown, timeout=10000) as shown:
        type_login(qtbot, dialog, number, password)
    qtbot.addWidget(shown.args[0])
    return shown.args[0]


def test_login_offline_from_the_roster_the_server_gave(
    qtbot: Any, app: QApplication, server: ServerProcess, tmp_path: Path, clock: FixedClock
) -> None:
    data, _hall = enrolled_window(server, tmp_path, clock)
    store = Store(data)
    with store.unit_of_work() as uow:  # the server is gone: nothing listens on this port
        uow.put_setting("server_url", "http://127.0.0.1:9")
        uow.commit()
    from counter_app.services.intake import accept_case
    from tests.support import intake_for, promise_item

    accepted = accept_case(store, clock, "0307", intake_for(promise_item(store))).project_no
    store.close()
    window, dialog = open_window(qtbot, data, clock, start_pusher=False)
    try:
        dialog.resize(1366, 768)
        shoot(dialog, "window-login")
        type_login(qtbot, dialog, "0307", "wrong-password")
        qtbot.waitUntil(lambda: dialog.message.text() != "" and dialog.submit.isEnabled(), timeout=10000)
        assert dialog.message.text() == "[LOGIN_FAILED] 工号或密码错误"
        assert dialog.password.text() == ""
        main: MainWindow = log_in(qtbot, window, dialog)
        assert main.status.clerk.text() == "张丽（工号 0307）"
        assert main.status.window_label.text() == "3号窗口"
        assert main.session.clerk_id == "0307"
        assert [main.tabs.tabText(i) for i in range(main.tabs.count())][2] == "今日办件 (Ctrl+T)"
        qtbot.waitUntil(lambda: main.today.loads >= 1, timeout=10000)
        main.resize(1366, 768)
        shoot(main, "window-main")
        assert [row.project_no for row in main.today.model.rows] == [accepted]
        assert main.today.summary.text() == "今日共 1 件"
        main.shortcuts["Ctrl+T"].activated.emit()
        assert main.tabs.currentWidget() is main.today
        shoot(main, "window-today")
        # 办件 is built when it is first opened, not at login
        from counter_app.ui.case_work import CaseWork

        assert main.case_page.findChildren(CaseWork) == []
        main.shortcuts["Ctrl+F"].activated.emit()
        assert main.tabs.currentWidget() is main.case_page
        assert main.case_page.findChildren(CaseWork) == [main.case_work]
    finally:
        window.shutdown()
    logged = events(data)
    assert logged == [
        ("clerk.login_failed", {"number": "0307", "reason": "password", "during": "login"}, "system"),
        ("clerk.logged_in", {"number": "0307", "role": "clerk", "window_no": 3}, "0307"),
        ("clerk.logged_out", {"number": "0307", "reason": "quit"}, "0307"),
    ]
    assert PASSWORD not in data.db_path.read_bytes().decode("latin-1")
    assert "wrong-password" not in data.db_path.read_bytes().decode("latin-1")


def test_too_many_wrong_passwords_lock_the_number_for_a_while(
    qtbot: Any, app: QApplication, server: ServerProcess, tmp_path: Path, clock: FixedClock
) -> None:
    data, _hall = enrolled_window(server, tmp_path, clock)
    window, dialog = open_window(qtbot, data, clock, start_pusher=False)
    try:
        for attempt in range(5):
            type_login(qtbot, dialog, "0307", f"wrong-{attempt}")
            qtbot.waitUntil(lambda: dialog.message.text() != "" and dialog.submit.isEnabled(), timeout=10000)
            assert dialog.message.text() == "[LOGIN_FAILED] 工号或密码错误"
            dialog.message.setText("")
            clock.now += timedelta(seconds=10)
        type_login(qtbot, dialog, "0307", PASSWORD)  # right, but too late
        qtbot.waitUntil(lambda: dialog.message.text() != "" and dialog.submit.isEnabled(), timeout=10000)
        until = (clock.now - timedelta(seconds=10) + timedelta(minutes=2)).strftime("%H:%M:%S")
        assert (
            dialog.message.text() == f"[LOGIN_LOCKED] 密码错误次数过多，工号 0307 已锁定，请于 {until} 后再试"
        )
        clock.now += timedelta(minutes=2)
        log_in(qtbot, window, dialog)
    finally:
        window.shutdown()
    kinds = [kind for kind, _payload, _clerk in events(data)]
    assert kinds == ["clerk.login_failed"] * 5 + ["clerk.logged_in", "clerk.logged_out"]


def test_idle_lock_and_unlock_by_the_clerk_or_a_supervisor_only(
    qtbot: Any, app: QApplication, server: ServerProcess, tmp_path: Path, clock: FixedClock
) -> None:
    data, _hall = enrolled_window(server, tmp_path, clock)
    store = Store(data)
    with store.unit_of_work() as uow:
        uow.put_setting("lock_after_s", "0.3")
        uow.commit()
    store.close()
    window, dialog = open_window(qtbot, data, clock, start_pusher=False)
    try:
        main: MainWindow = log_in(qtbot, window, dialog)
        qtbot.waitUntil(lambda: window.unlock_dialog is not None, timeout=5000)
        unlock = window.unlock_dialog
        assert unlock is not None
        assert main.pages.currentWidget() is main.locked_page
        assert unlock.number.text() == "0307"
        main.resize(1366, 768)
        shoot(main, "window-locked")
        shoot(unlock, "window-unlock")
        qtbot.keyClick(unlock, Qt.Key.Key_Escape)  # Escape does not unlock
        assert unlock.isVisible()
        # Another clerk may not unlock (a new clerk without rights): the roster has only a supervisor.
        type_login(qtbot, unlock, "0307", "not-it")
        qtbot.waitUntil(lambda: unlock.message.text() != "" and unlock.submit.isEnabled(), timeout=10000)
        assert unlock.message.text() == "[LOGIN_FAILED] 工号或密码错误"
        type_login(qtbot, unlock, "0901", SUPERVISOR_PASSWORD)
        qtbot.waitUntil(lambda: window.unlock_dialog is None, timeout=10000)
        assert main.pages.currentIndex() == 0
        # Ctrl+L locks at once; the clerk unlocks.
        main.activateWindow()
        main.shortcuts["Ctrl+L"].activated.emit()
        qtbot.waitUntil(lambda: window.unlock_dialog is not None, timeout=5000)
        again = window.unlock_dialog
        assert again is not None
        type_login(qtbot, again, "0307", PASSWORD)
        qtbot.waitUntil(lambda: window.unlock_dialog is None, timeout=10000)
    finally:
        window.shutdown()
    assert [(k, p) for k, p, _c in events(data)][1:] == [
        ("clerk.screen_locked", {"number": "0307", "reason": "idle"}),
        ("clerk.login_failed", {"number": "0307", "reason": "password", "during": "unlock"}),
        ("clerk.screen_unlocked", {"number": "0307", "by": "0901"}),
        ("clerk.screen_locked", {"number": "0307", "reason": "manual"}),
        ("clerk.screen_unlocked", {"number": "0307", "by": "0307"}),
        ("clerk.logged_out", {"number": "0307", "reason": "quit"}),
    ]


def test_first_run_wizard_enrolls_against_the_real_server(
    qtbot: Any, app: QApplication, server: ServerProcess, tmp_path: Path, clock: FixedClock
) -> None:
    hall = unique("HZ")[:12].replace("-", "").upper()
    server.add_clerk(hall, "0307", "张丽", "clerk", PASSWORD)
    data = DataDir(tmp_path / "fresh")
    window = WindowApp(data, clock=clock, start_pusher=False)
    try:
        window.start()
        wizard: SetupWizard = window.wizard
        qtbot.addWidget(wizard)
        qtbot.keyClicks(wizard.hall, hall)
        wizard.window_no.setValue(5)
        qtbot.keyClicks(wizard.server_url, server.url)
        qtbot.keyClicks(wizard.code, "WRONG-CODE")
        qtbot.mouseClick(wizard.submit, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: wizard.message.text().startswith("[ENROLL_CODE_UNKNOWN]"), timeout=15000)
        assert wizard.message.text() == "[ENROLL_CODE_UNKNOWN] 登记码无效，请向管理员索取新的登记码。"
        wizard.resize(640, 420)
        shoot(wizard, "window-wizard-error")
        wizard.code.clear()
        qtbot.keyClicks(wizard.code, server.issue_code(hall, 5))
        with qtbot.waitSignal(window.login_shown, timeout=20000) as shown:
            qtbot.mouseClick(wizard.submit, Qt.MouseButton.LeftButton)
        dialog = shown.args[0]
        qtbot.addWidget(dialog)
        assert dialog.subheading.text().endswith("· 5号窗口")
        log_in(qtbot, window, dialog)
    finally:
        window.shutdown()
    store = Store(data)
    try:
        settings = store.settings()
    finally:
        store.close()
    assert (settings["hall_code"], settings["window_no"], settings["server_url"]) == (hall, "5", server.url)
    assert settings["clerk_name:0307"] == "张丽"


def test_waiting_count_rises_while_the_server_is_down_and_drains_after(
    qtbot: Any, app: QApplication, tmp_path: Path, clock: FixedClock
) -> None:
    own = ServerProcess(tmp_path / "server")
    own.start()
    try:
        data, _hall = enrolled_window(own, tmp_path, clock)
        options = {"backoff": Backoff(base_s=0.2, cap_s=0.5), "interval_s": 600.0, "heartbeat_every_s": None}
        real = FixedClock(datetime.now(HALL_TZ))
        window, dialog = open_window(qtbot, data, real, pusher_options=options)
        try:
            main: MainWindow = log_in(qtbot, window, dialog)
            qtbot.waitUntil(
                lambda: (
                    main.status.status is not None
                    and main.status.status.acked_seq == 3  # init, catalog, login: the login woke the pusher
                    and main.status.waiting_count == 0
                    and main.status.status.online is True
                ),
                timeout=20000,
            )
            assert main.status.waiting.text() == "已全部上报"
            assert main.status.online.text() == "在线"
            panel = main.queue_panel
            qtbot.waitUntil(lambda: panel.waiting.text() == "等候：A 类 0 人", timeout=15000)
            own.kill()
            for _ in range(3):  # three events while the server is away
                main.shortcuts["Ctrl+L"].activated.emit()
                qtbot.waitUntil(lambda: window.unlock_dialog is not None, timeout=5000)
                unlock = window.unlock_dialog
                type_login(qtbot, unlock, "0307", PASSWORD)
                qtbot.waitUntil(lambda: window.unlock_dialog is None, timeout=10000)
            # init, catalog and login acknowledged before; three locks and unlocks since.
            qtbot.waitUntil(
                lambda: (
                    main.status.status is not None
                    and (main.status.status.head_seq, main.status.status.acked_seq, main.status.waiting_count)
                    == (9, 3, 6)
                ),
                timeout=20000,
            )
            qtbot.waitUntil(lambda: main.status.online.text() == "离线", timeout=20000)
            # the queue panel's count is the last one the server gave, and says so
            stale = f"等候：A 类 0 人（离线，{real.now:%H:%M} 时）"
            qtbot.waitUntil(lambda: panel.waiting.text() == stale, timeout=20000)
            main.resize(1366, 768)
            qtbot.waitUntil(lambda: shown_whole(panel.waiting), timeout=5000)
            real.now += timedelta(seconds=75)
            main.status.tick()
            assert main.status.waiting.text() == "待上报 6 条，最早 1 分钟前"
            main.tabs.setCurrentWidget(main.today)
            main.resize(1366, 768)
            shoot(main, "window-main-offline")
            own.start()
            qtbot.waitUntil(lambda: main.status.waiting_count == 0, timeout=30000)
            assert main.status.waiting.text() == "已全部上报"
            qtbot.waitUntil(lambda: panel.waiting.text() == "等候：A 类 0 人", timeout=30000)
        finally:
            window.shutdown()
    finally:
        own.stop()


def test_an_unhandled_exception_is_logged_and_shown(qtbot: Any, app: QApplication, tmp_path: Path) -> None:
    data = DataDir(tmp_path / "crash")
    handler = setup_logging(data)
    reporter = CrashReporter()
    reporter.install()
    try:

        def boom() -> None:
            raise RuntimeError("boom in the sync thread")

        with qtbot.waitSignal(reporter.shown, timeout=5000) as shown:
            thread = threading.Thread(target=boom, name="sync-test")
            thread.start()
            thread.join()
        box: QMessageBox = shown.args[0]
        qtbot.addWidget(box)
        assert box.text() == "[INTERNAL] 程序内部错误：RuntimeError。详细信息已记入日志，请联系技术支持。"
        with qtbot.waitSignal(reporter.shown, timeout=5000) as second:
            try:
                raise ValueError("boom on the GUI thread")
            except ValueError as exc:
                import sys

                sys.excepthook(type(exc), exc, exc.__traceback__)
        qtbot.addWidget(second.args[0])
    finally:
        reporter.uninstall()
        handler.flush()
        import logging

        logging.getLogger().removeHandler(handler)
        handler.close()
    log_file = data.log_dir / LOG_NAME
    text = log_file.read_text(encoding="utf-8")
    assert "unhandled exception in thread sync-test" in text
    assert "RuntimeError: boom in the sync thread" in text
    assert "ValueError: boom on the GUI thread" in text
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


def test_the_english_window_shows_english(
    qtbot: Any, app: QApplication, server: ServerProcess, tmp_path: Path, clock: FixedClock
) -> None:
    data, _hall = enrolled_window(server, tmp_path, clock)
    translator = install_translator(app, "en", data)
    assert translator is not None
    try:
        window, dialog = open_window(qtbot, data, clock, start_pusher=False)
        try:
            assert dialog.submit.text() == "Log in"
            assert dialog.windowTitle() == "Window login"
            main: MainWindow = log_in(qtbot, window, dialog)
            assert main.tabs.tabText(2) == "Today's cases (Ctrl+T)"
            assert main.status.window_label.text() == "Window 3"
            panel = main.queue_panel
            assert (panel.title.text(), panel.ticket.text(), panel.buttons["call_next"].text()) == (
                "Window 3",
                "Free",
                "Call next (F1)",
            )
            qtbot.waitUntil(lambda: panel.waiting.text() == "Waiting — A: 0", timeout=15000)
            main.resize(1366, 768)
            qtbot.waitUntil(lambda: shown_whole(panel.waiting), timeout=5000)
            shoot(main, "window-main-en")
        finally:
            window.shutdown()
    finally:
        app.removeTranslator(translator)


def test_counter_without_a_command_opens_the_window_or_says_there_is_no_screen(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", "--data-dir", str(tmp_path / "w")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "NO_DISPLAY" in done.stdout + done.stderr


def test_language_and_lock_time_are_settings_an_admin_may_change(tmp_path: Path, clock: FixedClock) -> None:
    import subprocess
    import sys

    from counter_app.ui.window_app import _language_setting

    data = DataDir(tmp_path / "w")
    init_counter(data, "YX330781", 3, clock)

    def config(key: str, value: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "counter_app.cli", "--data-dir", str(data.root), "--clerk", "0307"]
        return subprocess.run([*cmd, "config", key, value], capture_output=True, text=True, timeout=60)

    assert _language_setting(data) == "zh"
    refused = config("language", "fr")
    assert (refused.returncode, "CONFIG_VALUE" in refused.stdout + refused.stderr) == (2, True)
    assert config("lock_after_s", "soon").returncode == 2
    assert config("language", "en").returncode == 0
    assert config("lock_after_s", "120").returncode == 0
    assert _language_setting(data) == "en"
    store = Store(data)
    try:
        from counter_app.ui.idle import lock_after_s

        assert lock_after_s(store.settings()) == 120.0
    finally:
        store.close()


def test_a_visit_from_call_to_finish_reaches_the_rating_hook(
    qtbot: Any, app: QApplication, server: ServerProcess, tmp_path: Path, clock: FixedClock
) -> None:
    data, hall = enrolled_window(server, tmp_path, clock)
    (issued,) = kiosk_tickets(server, hall, tmp_path, clock, 1)
    real = FixedClock(datetime.now(HALL_TZ))
    window, dialog = open_window(qtbot, data, real, start_pusher=False)
    try:
        main: MainWindow = log_in(qtbot, window, dialog)
        panel = main.queue_panel
        finished: list[tuple[str, list[str]]] = []
        panel.ticket_finished.connect(lambda ticket, nos: finished.append((ticket.number, nos)))
        loads = main.today.loads
        qtbot.keyClick(main, Qt.Key.Key_F1)
        qtbot.waitUntil(lambda: panel.ticket.text() == issued.number, timeout=15000)
        qtbot.keyClick(main, Qt.Key.Key_F6)
        qtbot.waitUntil(lambda: panel.buttons["finish"].isEnabled(), timeout=15000)
        qtbot.keyClick(main, Qt.Key.Key_F8)
        finish = panel.dialog
        assert finish is not None
        finish.consult_choice.setChecked(True)
        finish.accept()
        qtbot.waitUntil(lambda: finished != [], timeout=15000)
        assert finished == [(issued.number, [])]
        qtbot.waitUntil(lambda: main.today.loads > loads, timeout=10000)  # the commit refreshed the list
        assert main.rating is not None and main.rating.isVisible()  # the rating screen asks at once
    finally:
        window.shutdown()


def test_the_window_process_logs_in_stays_up_and_records_the_logout_on_sigterm(
    server: ServerProcess, tmp_path: Path, clock: FixedClock
) -> None:
    import signal
    import subprocess
    import sys
    import time

    data, _hall = enrolled_window(server, tmp_path, clock)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cmd = [sys.executable, "-m", "counter_app.cli", "--data-dir", str(data.root), "window", "--login", "0307"]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write((PASSWORD + "\n").encode())
        proc.stdin.close()
        deadline = time.monotonic() + 60
        while not any(kind == "clerk.logged_in" for kind, _p, _c in events(data)):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline
            time.sleep(0.2)
        log_file = data.log_dir / LOG_NAME
        while "roster refreshed: 2 clerks" not in log_file.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # The main window replaces the login screen without the process quitting in between.
        time.sleep(1.5)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert [(k, p["reason"]) for k, p, _c in events(data) if k == "clerk.logged_out"] == [
        ("clerk.logged_out", "quit")
    ]


def test_logout_returns_to_the_login_screen_and_is_recorded(
    qtbot: Any, app: QApplication, server: ServerProcess, tmp_path: Path, clock: FixedClock
) -> None:
    data, _hall = enrolled_window(server, tmp_path, clock)
    window, dialog = open_window(qtbot, data, clock, start_pusher=False)
    try:
        main: MainWindow = log_in(qtbot, window, dialog)
        assert not dialog.isVisible()  # closed once the main window was up
        with qtbot.waitSignal(window.login_shown, timeout=10000) as again:
            main.shortcuts["Ctrl+Shift+Q"].activated.emit()
        qtbot.addWidget(again.args[0])
        assert again.args[0].isVisible() and window.main is None
        second = log_in(qtbot, window, again.args[0], "0901", SUPERVISOR_PASSWORD)
        assert second.session.clerk_id == "0901"
    finally:
        window.shutdown()
    assert [(k, p["number"]) for k, p, _c in events(data) if k != "clerk.login_failed"] == [
        ("clerk.logged_in", "0307"),
        ("clerk.logged_out", "0307"),
        ("clerk.logged_in", "0901"),
        ("clerk.logged_out", "0901"),
    ]


def test_work_handed_to_a_stopped_worker_is_dropped_not_raised(qtbot: Any, app: QApplication) -> None:
    from counter_app.ui.tasks import TaskRunner

    runner = TaskRunner()
    done: list[int] = []
    runner.run(lambda: 1, done.append)
    runner.shutdown()
    qtbot.waitUntil(lambda: done == [1], timeout=5000)
    late = runner.run(lambda: 2, done.append)
    assert late.cancelled() and runner.pending == 0

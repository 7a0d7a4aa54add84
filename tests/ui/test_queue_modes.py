"""The kiosk, the hall display and the queue panel driven through real widgets, against a real
server process; the display speaks through Qt's mock speech engine.

Screenshots of each mode at 1366x768 and 1920x1080 go to ``SC_SCREENSHOT_DIR`` when it is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from counter_app.domain.device_role import DeviceRole
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.sync import enroll
from counter_app.ui.look import apply_look
from counter_app.ui.modes import Built, build
from tests.server.helpers import unique
from tests.support import DEMO_CATALOG
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow


class Hall:
    """A hall of enrolled devices on the real server, and the modes built on them."""

    def __init__(self, server: ServerProcess, root: Path) -> None:
        self.server = server
        self.root = root
        self.code = unique("HU")[:12].replace("-", "").upper()
        self.stores: list[Store] = []
        self.built: list[Built] = []

    def device(self, window_no: int, role: DeviceRole = DeviceRole.WINDOW) -> Store:
        clock = FixedClock(datetime.now(HALL_TZ))
        data = DataDir(self.root / f"{self.code}-{role.value}-{window_no}")
        init_counter(data, self.code, window_no, clock, role)
        store = Store(data)
        import_catalog(store, DEMO_CATALOG, clock)
        kiosk = role is DeviceRole.KIOSK
        enroll(store, self.server.url, self.server.issue_code(self.code, window_no, kiosk=kiosk))
        self.stores.append(store)
        return store

    def mode(self, mode: str, window_no: int, qtbot: Any) -> Any:
        role = DeviceRole.KIOSK if mode == "kiosk" else DeviceRole.WINDOW
        built = build(mode, self.device(window_no, role), "clerk-07", speech_engine="mock")
        self.built.append(built)
        qtbot.addWidget(built.widget)
        return built.widget

    def close(self) -> None:
        for built in self.built:
            if built.feed is not None:
                built.feed.stop()
            built.runner.shutdown()
            if built.client is not None:
                built.client.close()
        for store in self.stores:
            store.close()


@pytest.fixture
def hall(server: ServerProcess, tmp_path: Path, qapp: QApplication) -> Iterator[Hall]:
    apply_look(qapp)
    built = Hall(server, tmp_path)
    yield built
    built.close()


def shoot(widget: Any, name: str, qtbot: Any) -> None:
    folder = os.environ.get("SC_SCREENSHOT_DIR")
    if not folder:
        return
    for width, height in ((1366, 768), (1920, 1080)):
        widget.resize(width, height)
        widget.show()
        qtbot.wait(150)
        path = Path(folder) / f"{name}-{width}x{height}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        assert widget.grab().save(str(path))


def test_a_citizen_takes_a_ticket_at_the_kiosk(hall: Hall, qtbot: Any) -> None:
    kiosk = hall.mode("kiosk", 1, qtbot)
    kiosk.resize(1366, 768)
    kiosk.show()
    shoot(kiosk, "kiosk-choose", qtbot)
    assert set(kiosk.category_buttons) >= {"A", "B"}
    qtbot.mouseClick(kiosk.category_buttons["A"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kiosk.pages.currentIndex() == 1, timeout=15000)
    assert kiosk.number.text() == "A001"
    assert kiosk.message.text() == "您已领取A001号，前方等待0人"
    shoot(kiosk, "kiosk-ticket", qtbot)
    kiosk.back()
    kiosk.priority.setChecked(True)
    qtbot.keyClicks(kiosk.id_no, "11010519491231002X")
    qtbot.mouseClick(kiosk.category_buttons["A"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kiosk.pages.currentIndex() == 1 and kiosk.number.text() == "A002", timeout=15000)
    assert kiosk.message.text() == "您已领取A002号，前方等待1人"
    kiosk.back()
    assert kiosk.id_no.text() == "" and not kiosk.priority.isChecked()


def test_a_window_works_its_queue_with_the_keyboard(hall: Hall, qtbot: Any) -> None:
    kiosk = hall.mode("kiosk", 1, qtbot)
    for _ in range(3):
        qtbot.mouseClick(kiosk.category_buttons["A"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: kiosk.pages.currentIndex() == 1, timeout=15000)
        kiosk.back()
    panel = hall.mode("queue-panel", 3, qtbot)
    panel.resize(1366, 768)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(lambda: "A 类 3 人" in panel.waiting.text(), timeout=15000)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: panel.ticket.text() == "A001", timeout=15000)
    assert panel.state.text() == "已叫号"
    assert not panel.buttons["finish"].isEnabled() and panel.buttons["start"].isEnabled()
    qtbot.keyClick(panel, Qt.Key.Key_F2)  # recall
    qtbot.waitUntil(lambda: panel.buttons["start"].isEnabled(), timeout=15000)
    qtbot.keyClick(panel, Qt.Key.Key_F6)
    qtbot.waitUntil(lambda: panel.state.text() == "办理中", timeout=15000)
    shoot(panel, "queue-panel-serving", qtbot)
    qtbot.keyClick(panel, Qt.Key.Key_F8)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.case_nos.setText("")  # 办件 without a number is refused by the rules
    dialog.accept()
    qtbot.waitUntil(lambda: "TICKET_CASE_REQUIRED" in panel.message.text(), timeout=15000)
    assert panel.ticket.text() == "A001"
    qtbot.keyClick(panel, Qt.Key.Key_F8)
    panel.dialog.consult_choice.setChecked(True)  # type: ignore[union-attr]
    panel.dialog.accept()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: panel.ticket.text() == "空闲", timeout=15000)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: panel.ticket.text() == "A002", timeout=15000)
    qtbot.keyClick(panel, Qt.Key.Key_F3)  # no-show
    qtbot.waitUntil(lambda: panel.ticket.text() == "空闲", timeout=15000)
    qtbot.keyClick(panel, Qt.Key.Key_F5)  # pause: needs a reason
    panel.dialog.choice.setCurrentText("业务培训")  # type: ignore[union-attr]
    panel.dialog.accept()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: panel.paused and panel.ticket.text() == "暂停", timeout=15000)
    assert not panel.buttons["call_next"].isEnabled()
    shoot(panel, "queue-panel-paused", qtbot)
    qtbot.keyClick(panel, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not panel.paused, timeout=15000)
    qtbot.keyClick(panel, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: panel.ticket.text() == "A003", timeout=15000)


def test_the_hall_display_shows_and_speaks_every_call_in_order(hall: Hall, qtbot: Any) -> None:
    display = hall.mode("display", 20, qtbot)
    display.resize(1920, 1080)
    display.show()
    qtbot.waitUntil(lambda: display.board.get("hall_code") == hall.code, timeout=15000)
    announcer = display.announcer
    assert announcer.voice is True  # the mock engine speaks
    kiosk = hall.mode("kiosk", 1, qtbot)
    for _ in range(3):
        qtbot.mouseClick(kiosk.category_buttons["A"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: kiosk.pages.currentIndex() == 1, timeout=15000)
        kiosk.back()
    panels = [hall.mode("queue-panel", n, qtbot) for n in (3, 4)]
    for panel in panels:  # two windows call at once
        panel.call_next()
    qtbot.waitUntil(lambda: all(p.ticket.text() in ("A001", "A002") for p in panels), timeout=15000)
    qtbot.waitUntil(lambda: len(announcer.spoken) == 2 and announcer.pending == 0, timeout=30000)
    by_window = {p.queue.window_no: p.ticket.text() for p in panels}
    digits = {"A001": "零零一", "A002": "零零二"}
    expected = sorted(
        f"请 A {digits[n]} 号 到 {'三' if w == 3 else '四'} 号窗口办理" for w, n in by_window.items()
    )
    assert sorted(announcer.spoken) == expected
    panels[0].queue.recall()  # a recall is spoken again
    qtbot.waitUntil(lambda: len(announcer.spoken) == 3, timeout=30000)
    assert announcer.spoken[-1] == next(s for s in expected if "三 号" in s)
    qtbot.waitUntil(lambda: display.current.text().endswith("号窗口办理"), timeout=15000)
    cells = [w.text() for w in display.findChildren(QLabel)]
    assert "3号窗口" in cells and by_window[3] in cells
    shoot(display, "hall-display", qtbot)


def test_calls_queue_and_are_never_cut_off(qapp: QApplication, qtbot: Any) -> None:
    from counter_app.ui.speech import CallAnnouncer, QtSpeaker

    speaker = QtSpeaker("mock")
    finished: list[int] = []
    speaker.finished.connect(lambda: finished.append(len(finished)))
    announcer = CallAnnouncer(speaker, gap_ms=10)
    started: list[str] = []
    announcer.started.connect(lambda _shown, spoken: started.append(spoken))
    for n in range(1, 5):
        announcer.announce(f"请A00{n}号到3号窗口办理", f"call {n}")
    assert started == ["call 1"] and announcer.pending == 3  # one at a time
    qtbot.waitUntil(lambda: len(finished) == 4, timeout=30000)
    assert started == ["call 1", "call 2", "call 3", "call 4"]
    # each call started only after the one before had been spoken to its end
    assert announcer.spoken == started


def test_without_a_voice_the_display_goes_on(qapp: QApplication, qtbot: Any) -> None:
    from counter_app.ui.speech import CallAnnouncer

    announcer = CallAnnouncer(None, gap_ms=10)
    assert announcer.voice is False
    shown: list[str] = []
    announcer.started.connect(lambda text, _spoken: shown.append(text))
    announcer.announce("请A001号到3号窗口办理", "x")
    announcer.announce("请A002号到4号窗口办理", "y")
    assert shown == ["请A001号到3号窗口办理"]
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=10000)

"""Run with two offscreen screens (``QT_QPA_PLATFORM=offscreen:configfile=...``): the clerk's
window on the screen named ``clerk``, the rating screen asked for a ticket; prints what it did
as JSON. Qt reads its screens once per process, hence a process of its own."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from counter_app.domain.rating import Level
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.ui.rating import RatingScreen
from counter_app.ui.session import CLERK, WindowSession
from counter_app.ui.tasks import TaskRunner
from tests.support import DEMO_CATALOG


def main(folder: str) -> None:
    app = QApplication([])
    clock = FixedClock(datetime(2026, 11, 25, 9, 30, tzinfo=HALL_TZ))
    data = DataDir(Path(folder))
    init_counter(data, "YX330781", 3, clock)
    store = Store(data)
    import_catalog(store, DEMO_CATALOG, clock)
    db, net = TaskRunner(), TaskRunner()
    session = WindowSession(store, "0307", "李娜", CLERK, "YX330781", 3, db, net)
    clerk = QWidget()
    clerk_screen = next(s for s in app.screens() if s.name() == "clerk")
    clerk.setScreen(clerk_screen)
    clerk.setGeometry(clerk_screen.geometry())
    clerk.show()
    screen = RatingScreen(session, clerk)
    screen.clock = clock
    payloads: list[dict[str, object]] = []
    screen.rated.connect(payloads.append)
    screen.rated.connect(lambda _payload: app.quit())
    screen.ask("A012", "2026-11-25", [])
    assert screen.shown_on is not None
    shown = {
        "shown_on": screen.shown_on.name(),
        "full_screen": screen.isFullScreen(),
        "geometry": list(screen.geometry().getRect()),
    }
    screen.buttons[Level.BASIC].click()
    app.exec()
    db.shutdown()
    net.shutdown()
    store.close()
    print(json.dumps({**shown, "payloads": payloads}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])

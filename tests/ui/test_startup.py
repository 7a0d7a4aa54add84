"""The window's start-up (counter_app/ui/startup.py), each case in a process of its own started
the way ``counter window`` starts: the collector is off until the main window shows and then
back with the start-up heap frozen (or back after a while when no main window comes), and the
Qt-free modules load before PySide6."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from counter_app.domain.clerks import RosterEntry
from counter_app.services.clock import system_clock
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.sync.roster import cache_roster
from tests.support import REPO, python_json

PASSWORD = "start-0307"


def window_folder(root: Path) -> Path:
    """A window's folder that opens straight to its login screen (no server)."""
    data = DataDir(root / "window")
    init_counter(data, "YX330781", 3, system_clock)
    store = Store(data)
    try:
        import_catalog(store, REPO / "resources" / "catalog" / "demo_catalog.json", system_clock)
        cache_roster(
            store, [RosterEntry("0307", "张丽", "clerk", PasswordHasher().hash(PASSWORD), "YX330781")], ""
        )
    finally:
        store.close()
    return data.root


def run(script: str, *args: str) -> dict[str, Any]:
    return dict(
        python_json("-c", textwrap.dedent(script), *args, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    )


def test_the_collector_is_off_while_the_window_starts_and_back_frozen_once_the_main_window_shows(
    tmp_path: Path,
) -> None:
    seen = run(
        """
        import gc, json, sys
        from pathlib import Path
        from counter_app.store.datadir import DataDir
        from counter_app.ui import startup

        seen = {"before": gc.isenabled()}

        def watch(window):
            from PySide6.QtCore import QTimer
            from PySide6.QtWidgets import QApplication

            def at_main(_main):
                seen["at_main"] = gc.isenabled()
                seen["frozen"] = gc.get_freeze_count()
                QTimer.singleShot(0, QApplication.quit)

            window.login_shown.connect(lambda _dialog: seen.setdefault("at_login", gc.isenabled()))
            window.main_shown.connect(at_main)

        code = startup.open_window(DataDir(Path(sys.argv[1])), auto_login=("0307", sys.argv[2]), on_start=watch)
        print(json.dumps({**seen, "after": gc.isenabled(), "code": code}))
        """,
        str(window_folder(tmp_path)),
        PASSWORD,
    )
    assert seen["before"] is True and seen["at_login"] is False
    assert seen["at_main"] is True and seen["after"] is True and seen["code"] == 0
    assert seen["frozen"] > 10_000  # the modules, the catalog, the screens ...


def test_the_collector_comes_back_without_a_main_window_and_when_the_window_fails(tmp_path: Path) -> None:
    seen = run(
        """
        import gc, json, sys
        from pathlib import Path
        from counter_app.store.datadir import DataDir
        from counter_app.ui import startup, window_app

        window_app.COLLECTOR_BACK_MS = 300
        seen = {}

        def watch(window):
            from PySide6.QtCore import QTimer
            from PySide6.QtWidgets import QApplication

            def look():
                seen["later"] = gc.isenabled()
                QApplication.quit()

            window.login_shown.connect(lambda _dialog: seen.setdefault("at_login", gc.isenabled()))
            QTimer.singleShot(1500, look)

        startup.open_window(DataDir(Path(sys.argv[1])), on_start=watch)  # nobody logs in
        seen["after"] = gc.isenabled()

        def broken(*_args):
            raise RuntimeError("no window")

        window_app.run_window = broken
        try:
            startup.open_window(DataDir(Path(sys.argv[1])))
        except RuntimeError:
            seen["after_failure"] = gc.isenabled()
        print(json.dumps(seen))
        """,
        str(window_folder(tmp_path)),
    )
    assert seen == {"at_login": False, "later": True, "after": True, "after_failure": True}


def test_the_qt_free_modules_load_before_pyside6() -> None:
    seen = run(
        """
        import json, sys
        from counter_app.ui import startup

        startup.preload()
        wanted = ["sqlalchemy", "reportlab.platypus", "requests", "counter_app.services.login"]
        seen = {"qt": "PySide6" in sys.modules, "loaded": [m for m in wanted if m in sys.modules]}
        import counter_app.ui.window_app  # the whole window, built on these

        seen["pdfium"] = "pypdfium2" in sys.modules  # loaded with the first page printed
        print(json.dumps(seen))
        """
    )
    assert seen == {
        "qt": False,
        "loaded": ["sqlalchemy", "reportlab.platypus", "requests", "counter_app.services.login"],
        "pdfium": False,
    }

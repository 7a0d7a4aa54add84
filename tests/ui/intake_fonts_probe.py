"""Run in a process of its own: build the intake form while the database worker is held, and
print whether the GUI thread loaded any font meanwhile (fonts are process-wide, loaded once)."""

from __future__ import annotations

import sys
import threading
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from counter_app.receipts import fonts
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.services.setup import import_catalog, init_counter
from counter_app.store.datadir import DataDir
from counter_app.store.uow import Store
from counter_app.ui.intake_form import IntakeForm
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
    hold = threading.Event()
    db.run(hold.wait, lambda _value: None)  # the worker is busy until released
    form = IntakeForm(WindowSession(store, "0307", "李娜", CLERK, "YX330781", 3, db, net))
    form.show()
    form.inputs["applicant.name"].setText("王建国")
    form._edited("applicant.name")
    app.processEvents()
    during = len(fonts._loaded)
    hold.set()
    while form.catalog is None:
        app.processEvents()
    print(f"during={during} after={len(fonts._loaded)}")
    db.shutdown()
    net.shutdown()
    store.close()


if __name__ == "__main__":
    main(sys.argv[1])

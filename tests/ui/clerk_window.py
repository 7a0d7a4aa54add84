"""A logged-in clerk's WindowSession on a real counter data folder, for the screens' tests.

Import the fixtures into a test module (``from tests.ui.clerk_window import session  # noqa``).
The store is the demo catalog's (tests/conftest.py ``store``, clock fixed at 2026-11-25 09:30);
the database and network workers are real TaskRunners; the current ticket is settable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from counter_app.domain.queue import Ticket, TicketState
from counter_app.services.clock import HALL_TZ, FixedClock
from counter_app.store import schema
from counter_app.store.uow import Store
from counter_app.ui.look import apply_look
from counter_app.ui.session import CLERK, WindowSession
from counter_app.ui.tasks import TaskRunner

CLERK_ID = "0307"
SHOTS_ENV = "SC_SCREENSHOT_DIR"


def keyboard(qtbot: Any, widget: QWidget, text: str) -> None:
    """Type ``text`` as a clerk does: ASCII as key clicks, Chinese as the input method commits it
    (QTest cannot click keys that are not on the keyboard)."""
    for part in re.findall(r"[\x00-\x7f]+|[^\x00-\x7f]+", text):
        if part.isascii():
            qtbot.keyClicks(widget, part)
        else:
            event = QInputMethodEvent("", [])
            event.setCommitString(part)
            QApplication.sendEvent(widget, event)


class Counter:
    """The session plus what the tests look at: commits seen, the ticket being served."""

    def __init__(self, store: Store, clock: FixedClock) -> None:
        self.clock = clock
        self.ticket: Ticket | None = None
        self.commits = 0
        self.db = TaskRunner()
        self.net = TaskRunner()
        self.session = WindowSession(
            store=store,
            clerk_id=CLERK_ID,
            clerk_name="李娜",
            role=CLERK,
            hall_code="YX330781",
            window_no=3,
            db=self.db,
            net=self.net,
            current_ticket=lambda: self.ticket,
        )
        self.session.on_commit.append(self._committed)

    def _committed(self) -> None:
        self.commits += 1

    def serve(self, number: str) -> Ticket:
        """Make ``number`` the ticket being served."""
        at = datetime(2026, 11, 25, 9, 0, tzinfo=HALL_TZ)
        self.ticket = Ticket(
            number, number[0], date(2026, 11, 25), at, state=TicketState.SERVING, window_no=3
        )
        return self.ticket

    def events(self, type_: str) -> list[dict[str, Any]]:
        """Envelopes of every event of ``type_``, in ledger order."""
        with self.session.store.read() as conn:
            rows = conn.execute(
                select(schema.events.c.envelope)
                .where(schema.events.c.type == type_)
                .order_by(schema.events.c.seq)
            ).scalars()
            return [json.loads(r) for r in rows]

    def close(self) -> None:
        self.db.shutdown()
        self.net.shutdown()


@pytest.fixture
def counter(store: Store, clock: FixedClock, qapp: QApplication) -> Iterator[Counter]:
    apply_look(qapp)
    window = Counter(store, clock)
    yield window
    window.close()

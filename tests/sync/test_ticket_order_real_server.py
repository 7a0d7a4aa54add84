"""A kiosk that was offline syncs after the window finished its ticket: the REAL server keeps it
finished, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from counter_app.services.clock import HALL_TZ
from counter_app.store.uow import Store
from tests.sync.sync_checks import new_counter, pusher_for
from tests.sync.sync_helpers import wait_until
from tests.sync.sync_server import ServerProcess

pytestmark = pytest.mark.slow


def write(store: Store, steps: list[tuple[str, int, int]], ticket_no: str) -> None:
    """Append ``(type, hour, minute)`` ticket events as the device's clerk would."""
    with store.unit_of_work() as uow:
        for kind, hour, minute in steps:
            payload = {"ticket_no": ticket_no, "category": "A", "window_no": 3}
            uow.ledger.append(kind, payload, "clerk-07", datetime(2026, 11, 25, hour, minute, tzinfo=HALL_TZ))
        uow.commit()


def sync(store: Store) -> None:
    pusher = pusher_for(store)
    wait_until(lambda: pusher.push_once().waiting == 0, timeout=60, what="events pushed")


def test_a_late_kiosk_does_not_reopen_a_finished_ticket(
    server: ServerProcess, counters: list[Store], tmp_path: Path
) -> None:
    kiosk = new_counter(server, counters, tmp_path)
    window = new_counter(server, counters, tmp_path)
    write(kiosk, [("ticket.issued", 9, 0)], "A017")
    write(window, [("ticket.called", 9, 5), ("ticket.started", 9, 6), ("ticket.finished", 9, 20)], "A017")
    sync(window)
    sync(kiosk)
    rows = server.query(
        "SELECT state, window_no, issued_at, called_at, started_at, finished_at, call_count, last_device_id "
        "FROM tickets WHERE ticket_no = 'A017'"
    )
    assert [tuple(r) for r in rows] == [
        (
            "FINISHED",
            3,
            "2026-11-25T09:00:00.000+08:00",
            "2026-11-25T09:05:00.000+08:00",
            "2026-11-25T09:06:00.000+08:00",
            "2026-11-25T09:20:00.000+08:00",
            1,
            window.device_id(),
        )
    ]

"""The hall board (大厅显示): what each window is serving, the latest calls, who waits where.

Ticket numbers and window numbers only: the board is shown on a public screen.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from counter_app.domain.queue import TicketState, display_call
from supervision_server.queue_schema import queue_tickets, queue_windows

LAST_CALLS = 10


def board(conn: Connection, hall_code: str, day: date) -> dict[str, Any]:
    """The board for ``hall_code`` on business date ``day``."""
    t = queue_tickets.c
    today = (t.hall_code == hall_code) & (t.business_date == day.isoformat())
    serving = conn.execute(
        select(
            queue_windows.c.window_no,
            queue_windows.c.paused,
            queue_windows.c.pause_reason,
            t.number,
            t.state,
            t.called_at,
            t.recalls,
        )
        .select_from(
            queue_windows.outerjoin(queue_tickets, queue_tickets.c.id == queue_windows.c.active_ticket_id)
        )
        .where(queue_windows.c.hall_code == hall_code)
        .order_by(queue_windows.c.window_no)
    ).all()
    windows = [
        {
            "window_no": r.window_no,
            "paused": bool(r.paused),
            "pause_reason": r.pause_reason,
            "number": r.number,
            "state": r.state,
            "called_at": r.called_at,
            "recalls": r.recalls,
            "text": display_call(r.number, r.window_no) if r.number else "",
        }
        for r in serving
    ]
    recent = conn.execute(
        select(t.number, t.window_no, t.called_at, t.recalls)
        .where(today, t.called_at.is_not(None))
        .order_by(t.called_at.desc(), t.id.desc())
        .limit(LAST_CALLS)
    ).all()
    waiting = conn.execute(
        select(t.category, func.count(), func.min(t.issued_at))
        .where(today, t.state == TicketState.WAITING.value)
        .group_by(t.category)
        .order_by(t.category)
    ).all()
    return {
        "hall_code": hall_code,
        "business_date": day.isoformat(),
        "windows": windows,
        "last_calls": [
            {"number": r.number, "window_no": r.window_no, "called_at": r.called_at, "recalls": r.recalls}
            for r in recent
        ],
        "waiting": [{"category": r[0], "count": r[1], "oldest_issued_at": r[2]} for r in waiting],
    }


def board_version(conn: Connection, hall_code: str, day: date) -> tuple[Any, ...]:
    """A cheap fingerprint of the board: it changes whenever a ticket or window of the hall does."""
    t = queue_tickets.c
    tickets = conn.execute(
        select(func.count(), func.max(t.updated_at)).where(
            t.hall_code == hall_code, t.business_date == day.isoformat()
        )
    ).one()
    windows = conn.execute(
        select(func.count(), func.max(queue_windows.c.updated_at)).where(
            queue_windows.c.hall_code == hall_code
        )
    ).one()
    return (day.isoformat(), *tickets, *windows)


class BoardChanges:
    """Which halls' queues this server process has changed, so that a board stream wakes the
    moment its hall changes instead of at its next poll.

    Used on the event loop only. Each change of a hall raises its generation; a stream notes the
    generation before it reads the board and then waits for a higher one (or its poll interval,
    which still catches changes made by other processes: ingest of offline work, other workers).
    """

    def __init__(self) -> None:
        self._generation: dict[str, int] = {}
        self._waiting: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}

    def generation(self, hall_code: str) -> int:
        """How many changes of ``hall_code`` this process has seen."""
        return self._generation.get(hall_code, 0)

    def changed(self, hall_code: str) -> None:
        """``hall_code``'s queue changed (a write of this process committed)."""
        self._generation[hall_code] = self.generation(hall_code) + 1
        waiting = self._waiting.pop(hall_code, None)
        if waiting is not None:
            waiting[1].set()

    async def wait(self, hall_code: str, seen: int, timeout: float) -> None:
        """Return when ``hall_code`` changed after generation ``seen``, or after ``timeout`` s."""
        if self.generation(hall_code) != seen:
            return
        loop = asyncio.get_running_loop()
        waiting = self._waiting.get(hall_code)
        if waiting is None or waiting[0] is not loop:  # an app's loop of an earlier test
            waiting = self._waiting[hall_code] = (loop, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiting[1].wait(), timeout)


board_changes = BoardChanges()  # one per server process: the routes that change a queue tell it

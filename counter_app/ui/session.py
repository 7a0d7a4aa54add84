"""What every screen of the clerk's window shares once a clerk has logged in.

The main window builds one :class:`WindowSession` after login and hands it to each part (queue
panel, intake form, case work, rating). A part reads the store and records operations only through
``db`` (the database and PDF worker) and talks to the server only through ``net``; it never blocks
the GUI thread. After each committed operation it calls :meth:`WindowSession.committed`, which
wakes the pusher so the event leaves at once when the server is reachable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from counter_app.domain.clerks import ADMIN, CLERK, ROLES, SUPERVISOR

if TYPE_CHECKING:
    from counter_app.domain.queue import Ticket
    from counter_app.store.uow import Store
    from counter_app.ui.tasks import TaskRunner

__all__ = ["ADMIN", "CLERK", "ROLES", "SUPERVISOR", "WindowSession"]


@dataclass
class WindowSession:
    """The logged-in clerk at one enrolled window, and the workers the screens share."""

    store: Store
    clerk_id: str  # the personal number (工号): clerk_id of every event, 受理人 on every document
    clerk_name: str
    role: str
    hall_code: str
    window_no: int
    db: TaskRunner  # database, documents, printing: one writer, in order
    net: TaskRunner  # requests to the server
    current_ticket: Callable[[], Ticket | None] = field(default=lambda: None)
    on_commit: list[Callable[[], None]] = field(default_factory=list)

    def committed(self) -> None:
        """Call after every committed operation: wakes the pusher and refreshes listeners."""
        for listener in list(self.on_commit):
            listener()

"""What the status bar shows about sync, and a thread-safe holder that notifies a listener."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from counter_app.sync.errors import ErrorInfo

log = logging.getLogger(__name__)

State = Literal["idle", "syncing", "backing_off", "stopped"]


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot of sync for the UI.

    ``online`` is None until the server has been tried. ``waiting`` counts events not yet
    acknowledged; ``oldest_waiting_at`` is when the oldest of them occurred and
    ``oldest_waiting_age_s`` how long ago that was at ``as_of``. ``stalled`` is the watchdog:
    events are waiting and nothing has been acknowledged for ``stall_after_s`` seconds.
    """

    online: bool | None = None
    state: State = "idle"
    waiting: int = 0
    oldest_waiting_at: datetime | None = None
    oldest_waiting_age_s: float | None = None
    head_seq: int = 0
    acked_seq: int = 0
    last_success_at: datetime | None = None
    last_error: ErrorInfo | None = None
    next_retry_in_s: float | None = None
    clock_offset_ms: int | None = None
    stalled: bool = False
    server_url: str = ""
    as_of: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (times as ISO 8601 strings)."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, datetime):
                value = value.isoformat(timespec="seconds")
            elif isinstance(value, ErrorInfo):
                value = dataclasses.asdict(value)
            out[field.name] = value
        return out


Listener = Callable[[SyncStatus], None]


class StatusBoard:
    """Holds the current :class:`SyncStatus`; updates are atomic and reported to a listener.

    The listener runs on the thread that noticed the change (usually the sync or watchdog
    thread); a GUI must hand the snapshot over to its own thread.
    """

    def __init__(self, listener: Listener | None = None) -> None:
        self._lock = threading.Lock()
        self._status = SyncStatus()
        self._listener = listener

    def get(self) -> SyncStatus:
        """The current snapshot."""
        with self._lock:
            return self._status

    def set_listener(self, listener: Listener | None) -> None:
        """Replace the listener (None to remove it)."""
        with self._lock:
            self._listener = listener

    def update(self, **changes: Any) -> SyncStatus:
        """Apply ``changes``; the listener hears of it only if something differs."""
        with self._lock:
            old = self._status
            new = dataclasses.replace(old, **changes)
            self._status = new
            listener = self._listener
        if listener is not None and _differs(old, new):
            try:
                listener(new)
            except Exception:  # a broken listener must never stop sync
                log.exception("sync status listener failed")
        return new


def _differs(old: SyncStatus, new: SyncStatus) -> bool:
    # Ages and countdowns move every second; they alone are not news.
    ignore = {"oldest_waiting_age_s", "next_retry_in_s", "as_of"}
    return any(
        getattr(old, f.name) != getattr(new, f.name)
        for f in dataclasses.fields(SyncStatus)
        if f.name not in ignore
    )

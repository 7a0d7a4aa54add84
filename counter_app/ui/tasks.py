"""Background work for the widgets: one worker thread for the database, the printer and the
queue requests (SQLite likes one writer), results delivered back on the GUI thread.

A widget never blocks on the database, the printer or the network: it hands a callable to
:meth:`TaskRunner.run` and gets ``on_done(result)`` or ``on_error(exception)`` later, on its own
thread, through a queued signal. Nothing in the callable may touch a widget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)


class TaskRunner(QObject):
    """Runs callables off the GUI thread, in submission order."""

    _finished = Signal(object, object, object)  # callback, value, error

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="counter-worker")
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.pending = 0
        self.closed = False

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Future[Any]:
        """Run ``work`` on the worker; then ``on_done`` or ``on_error`` on the GUI thread.

        After :meth:`shutdown` (the window is closing) nothing runs: a refresh queued just
        before the end is dropped, and the returned future is cancelled."""
        if self.closed:
            log.info("task submitted after shutdown: not run")
            dropped: Future[Any] = Future()
            dropped.cancel()
            return dropped
        self.pending += 1

        def job() -> None:
            try:
                value = work()
            except BaseException as exc:  # handed to the GUI thread, never lost
                self._finished.emit((on_error, False), None, exc)
                return
            self._finished.emit((on_done, True), value, None)

        return self._pool.submit(job)

    @Slot(object, object, object)
    def _deliver(self, callback: tuple[Any, bool], value: Any, error: Any) -> None:
        self.pending -= 1
        function, ok = callback
        if ok:
            function(value)
        elif function is not None:
            function(error)
        else:
            log.error("background task failed", exc_info=error)

    def shutdown(self) -> None:
        """Finish queued work and stop the worker."""
        self.closed = True
        self._pool.shutdown(wait=True)

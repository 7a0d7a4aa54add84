"""The first second of a desktop mode's process: what it does before Qt is imported, and the
garbage collector while it starts. Imports no PySide6 (the point is to run before it).

Measured on the clerk's window (``bench/bench_window.py``), from the process start to a usable
main window:

* **The collector.** Start-up makes a few hundred modules, the catalog, the Qt wrappers and the
  screens' widgets; Python's collector, at its default thresholds, walks that growing heap again
  and again meanwhile (0.4-0.6 s of a 2 s start on the 2-core machine). :func:`hold_collector`
  turns it off; :func:`release_collector` turns it back on once the first real screen is up,
  with everything alive then frozen (``gc.freeze``), so later collections of the working day
  skip the start-up heap as well.
* **Qt-free modules first.** PySide6 wraps ``__import__`` and, for every module imported after
  it, reads that module's source to see whether it mentions PySide6 (for its opt-in
  ``__feature__`` switches). :func:`preload` imports the store, the services, SQLAlchemy,
  requests and reportlab before PySide6, so none of their modules is read twice.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from counter_app.store.datadir import DataDir

_held = False


def has_display() -> bool:
    """Whether a screen is reachable (always true outside Linux and other X11/Wayland systems)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def preload() -> None:
    """Import the Qt-free parts of the clerk's window: the store and services (SQLAlchemy, argon2),
    sync (requests) and the documents (reportlab)."""
    import counter_app.receipts
    import counter_app.services.case_commands
    import counter_app.services.intake
    import counter_app.services.login
    import counter_app.sync.pusher  # noqa: F401


def hold_collector() -> None:
    """Turn the garbage collector off until :func:`release_collector` (start-up only)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release_collector() -> None:
    """Freeze what start-up left alive and turn the collector back on; a no-op unless
    :func:`hold_collector` turned it off (it may be called from several places, and again)."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()


def open_window(
    data_dir: DataDir,
    lang: str | None = None,
    auto_login: tuple[str, str] | None = None,
    on_start: Callable[[Any], None] | None = None,
) -> int:
    """Run the clerk's window (``counter window``) with the collector held and the Qt-free
    modules loaded first; ``on_start`` gets the WindowApp before it starts (the bench's marks)."""
    hold_collector()
    try:
        preload()
        from counter_app.ui.window_app import run_window

        return run_window(data_dir, lang, auto_login, on_start)
    finally:
        release_collector()

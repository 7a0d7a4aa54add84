"""The one Qt application object of a process, made so that it never aborts for want of a screen.

Qt's default platform on Linux needs an X or Wayland display and aborts the whole process
(exit 134) when there is none, as on a server console or over SSH. Command-line printing needs
no screen, so when none is there Qt is told to draw offscreen; a desktop mode that does need a
screen checks :func:`has_display` first and says so.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtGui import QGuiApplication

from counter_app.ui.startup import has_display

__all__ = ["gui_application", "has_display"]


def gui_application() -> QGuiApplication:
    """The process's QGuiApplication, created on first use (offscreen when there is no screen)."""
    existing = QGuiApplication.instance()
    if isinstance(existing, QGuiApplication):
        return existing
    if not os.environ.get("QT_QPA_PLATFORM") and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return QGuiApplication([sys.argv[0] if sys.argv else "counter"])

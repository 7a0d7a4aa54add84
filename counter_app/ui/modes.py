"""The client's modes on an enrolled data folder: ``counter kiosk``, ``counter display``,
``counter queue-panel``. Each builds its screen, its worker and its server feed here and nowhere
else; the widgets only receive what they use.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any

from counter_app.domain.queue import window_categories
from counter_app.receipts.escpos_send import PrinterUnavailable, send_escpos
from counter_app.receipts.escpos_slip import render_ticket_slip_escpos
from counter_app.receipts.slip import render_ticket_slip
from counter_app.services.clock import system_clock
from counter_app.services.documents import DocType
from counter_app.services.kiosk import IssuedTicket, Kiosk
from counter_app.services.queue import WindowQueue
from counter_app.services.reference import current_catalog
from counter_app.store.uow import Store
from counter_app.sync.board_feed import BoardFeed
from counter_app.sync.client import ServerClient
from counter_app.sync.queue_client import queue_ops

log = logging.getLogger(__name__)
MODES = ("kiosk", "display", "queue-panel")


@dataclass
class Built:
    """A mode's screen and what must be stopped when it closes."""

    widget: Any
    feed: BoardFeed | None
    runner: Any
    client: ServerClient | None


def slip_printer(store: Store, kiosk: Kiosk) -> Any:
    """How the kiosk prints: ESC/POS to ``slip_printer``, else the PDF to ``printer``, else not at all."""
    settings = store.settings()

    def print_slip(ticket: IssuedTicket) -> str:
        slip = kiosk.slip(ticket)
        target = settings.get("slip_printer", "")
        if target:
            try:
                send_escpos(render_ticket_slip_escpos(slip), target)
            except PrinterUnavailable as exc:
                return f"小票打印机不可用：{exc}，请向工作人员报号 {ticket.number}"
            return ""
        if settings.get("printer"):
            from counter_app.ui.printing import QtDocumentPrinter

            outcome = QtDocumentPrinter("" if settings["printer"] == "default" else settings["printer"])(
                render_ticket_slip(slip), DocType.RECEIPT
            )
            return "" if outcome.ok else outcome.message
        return ""

    return print_slip


def build(mode: str, store: Store, clerk_id: str, speech_engine: str | None = None) -> Built:
    """Create the screen of ``mode`` (a QApplication must exist)."""
    from counter_app.ui.tasks import TaskRunner

    settings = store.settings()
    with store.read() as conn:
        catalog = current_catalog(conn)
    ops, client, config = queue_ops(store)
    runner = TaskRunner()
    feed: BoardFeed | None = None
    if mode == "kiosk":
        from counter_app.ui.kiosk import KioskScreen

        kiosk = Kiosk(store, system_clock, ops)
        widget: Any = KioskScreen(kiosk, runner, catalog.hall_name, slip_printer(store, kiosk))
    elif mode == "display":
        from counter_app.ui.display import HallDisplay
        from counter_app.ui.speech import CallAnnouncer, Chime, QtSpeaker

        speaker = QtSpeaker(speech_engine)
        widget = HallDisplay(CallAnnouncer(speaker, Chime()), catalog.hall_name)
        if config is not None:
            feed = BoardFeed(
                config.server_url, settings["hall_code"], widget.board_arrived.emit, widget.feed_state.emit
            )
    elif mode == "queue-panel":
        from counter_app.ui.queue_panel import QueuePanel

        window_no = int(settings["window_no"])
        queue = WindowQueue(store, system_clock, clerk_id, ops)
        widget = QueuePanel(queue, runner, window_categories(catalog, window_no))
        if config is not None:
            feed = BoardFeed(config.server_url, settings["hall_code"], widget.board_arrived.emit)
    else:
        raise ValueError(f"unknown mode {mode!r}")
    if feed is not None:
        feed.start()
    return Built(widget, feed, runner, client)


def run(mode: str, store: Store, clerk_id: str, full_screen: bool, speech_engine: str | None = None) -> int:
    """Open ``mode`` and run the event loop until the window closes; returns the exit status."""
    from PySide6.QtWidgets import QApplication

    from counter_app.ui.look import apply_look

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_look(app, 14 if mode != "queue-panel" else 12)
    built = build(mode, store, clerk_id, speech_engine)
    if full_screen:
        built.widget.showFullScreen()
    else:
        built.widget.resize(1366, 768)
        built.widget.show()
    try:
        return int(app.exec())
    finally:
        if built.feed is not None:
            built.feed.stop()
        built.runner.shutdown()
        if built.client is not None:
            built.client.close()

"""The client's modes: ``counter kiosk``, ``counter display``, ``counter queue-panel`` on an
enrolled data folder, and ``counter supervisor`` (the supervision office's console, on a server
address and the supervisor password, no data folder). Each builds its screen, its worker and its server feed here and nowhere
else; the widgets only receive what they use.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counter_app.domain.device_role import DeviceRole
from counter_app.domain.queue import window_categories
from counter_app.receipts.escpos_send import PrinterUnavailable, send_escpos
from counter_app.receipts.escpos_slip import render_ticket_slip_escpos
from counter_app.receipts.slip import render_ticket_slip
from counter_app.services.clock import Clock, system_clock
from counter_app.services.documents import DocType
from counter_app.services.kiosk import IssuedTicket, Kiosk
from counter_app.services.queue import WindowQueue
from counter_app.services.reference import current_catalog
from counter_app.services.setup import require_role
from counter_app.store.uow import Store
from counter_app.sync.board_feed import BoardFeed
from counter_app.sync.client import ServerClient
from counter_app.sync.queue_client import queue_ops
from counter_app.sync.supervision_client import TOKEN_ENV, SupervisionClient, SupervisionError

log = logging.getLogger(__name__)
MODES = ("kiosk", "display", "queue-panel")
MODE_ROLES = {"kiosk": DeviceRole.KIOSK, "queue-panel": DeviceRole.WINDOW}


@dataclass
class Built:
    """A mode's screen and what must be stopped when it closes."""

    widget: Any
    feed: BoardFeed | None
    runner: Any
    client: ServerClient | SupervisionClient | None
    translator: Any = None  # the QTranslator installed for the screen's language, if any


def slip_printer(store: Store, kiosk: Kiosk) -> Any:
    """How the kiosk prints: ESC/POS to ``slip_printer``, else the PDF to ``printer``, else not at all."""
    settings = store.settings()
    if settings.get("printer"):
        from counter_app.ui.printing import load_image_plugins

        load_image_plugins()  # here, on the GUI thread: the slips are painted on a worker

    def print_slip(ticket: IssuedTicket) -> str:
        slip = kiosk.slip(ticket)
        target = settings.get("slip_printer", "")
        if target:
            try:
                send_escpos(render_ticket_slip_escpos(slip), target)
            except PrinterUnavailable as exc:
                from PySide6.QtCore import QCoreApplication

                return QCoreApplication.translate(
                    "KioskScreen", "小票打印机不可用：{reason}，请向工作人员报号 {number}"
                ).format(reason=exc, number=ticket.number)
            return ""
        if settings.get("printer"):
            from counter_app.ui.printing import QtDocumentPrinter

            outcome = QtDocumentPrinter("" if settings["printer"] == "default" else settings["printer"])(
                render_ticket_slip(slip), DocType.RECEIPT
            )
            return "" if outcome.ok else outcome.message
        return ""

    return print_slip


def build(
    mode: str, store: Store, clerk_id: str, speech_engine: str | None = None, clock: Clock = system_clock
) -> Built:
    """Create the screen of ``mode`` (a QApplication must exist); ``clock`` is the hall's time.

    The kiosk runs only on a kiosk's folder and the queue panel only on a window's: DomainError
    DEVICE_NOT_A_KIOSK / QUEUE_NOT_A_WINDOW otherwise. The hall display runs on either.
    """
    from counter_app.ui.tasks import TaskRunner

    if mode in MODE_ROLES:
        require_role(store, MODE_ROLES[mode])

    settings = store.settings()
    with store.read() as conn:
        catalog = current_catalog(conn)
    ops, client, config = queue_ops(store)
    runner = TaskRunner()
    feed: BoardFeed | None = None
    if mode == "kiosk":
        from counter_app.ui.kiosk import KioskScreen

        kiosk = Kiosk(store, clock, ops)
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
        queue = WindowQueue(store, clock, clerk_id, ops)
        widget = QueuePanel(queue, runner, window_categories(catalog, window_no))
        if config is not None:
            feed = BoardFeed(
                config.server_url, settings["hall_code"], widget.board_arrived.emit, widget.feed_state.emit
            )
    else:
        raise ValueError(f"unknown mode {mode!r}")
    if feed is not None:
        feed.start()
    return Built(widget, feed, runner, client)


def run(
    mode: str,
    store: Store,
    clerk_id: str,
    full_screen: bool,
    speech_engine: str | None = None,
    lang: str | None = None,
) -> int:
    """Open ``mode`` and run the event loop until the window closes; returns the exit status."""
    app = _application(14 if mode != "queue-panel" else 12)
    return _show(app, open_screen(mode, store, clerk_id, speech_engine, lang), full_screen)


def open_screen(
    mode: str,
    store: Store,
    clerk_id: str,
    speech_engine: str | None = None,
    lang: str | None = None,
    clock: Clock = system_clock,
) -> Built:
    """The screen of ``mode`` in its language: ``lang``, else the ``language`` setting, else
    Chinese (a QApplication must exist). The display's spoken calls stay Chinese whatever it shows.
    """
    from PySide6.QtCore import QCoreApplication

    from counter_app.ui.i18n import install_translator

    app = QCoreApplication.instance()
    assert app is not None
    translator = install_translator(app, lang or store.settings().get("language") or "zh", store.data_dir)
    built = build(mode, store, clerk_id, speech_engine, clock)
    built.translator = translator
    return built


def build_supervisor(
    server_url: str, token: str | None, export_dir: Path, ca_file: str | None = None, actor: str = ""
) -> Built:
    """The supervisor's console on ``server_url`` (a QApplication must exist). The password is
    ``token``, else ``$COUNTER_SUPERVISOR_TOKEN``; the hall board feed starts once the server has
    named the hall. SupervisionError (NO_SUPERVISOR_TOKEN, SERVER_URL_INVALID) when either is missing."""
    from counter_app.ui.supervisor import SupervisorConsole
    from counter_app.ui.tasks import TaskRunner

    token = token or os.environ.get(TOKEN_ENV, "")
    if not token:
        raise SupervisionError("NO_SUPERVISOR_TOKEN", f"请提供监察室口令：环境变量 {TOKEN_ENV}")
    client = SupervisionClient(server_url, token, ca_file=ca_file, actor=actor)
    runner = TaskRunner()
    console = SupervisorConsole(
        client,
        runner,
        export_dir,
        feed_factory=lambda hall_code, board, state: BoardFeed(client.base_url, hall_code, board, state),
    )
    return Built(console, None, runner, client)


def run_supervisor(
    server_url: str,
    token: str | None,
    export_dir: Path,
    full_screen: bool,
    ca_file: str | None,
    actor: str = "",
) -> int:
    """Open the supervisor's console until it is closed; returns the exit status."""
    app = _application(12)
    built = build_supervisor(server_url, token, export_dir, ca_file, actor)
    return _show(app, built, full_screen)


def _application(point_size: int) -> Any:
    from PySide6.QtWidgets import QApplication

    from counter_app.ui.look import apply_look

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    apply_look(app, point_size)
    return app


def _show(app: Any, built: Built, full_screen: bool) -> int:
    if full_screen:
        built.widget.showFullScreen()
    else:
        built.widget.resize(1366, 768)
        built.widget.show()
    try:
        return int(app.exec())
    finally:
        if hasattr(built.widget, "shutdown"):
            built.widget.shutdown()  # stops its own timers and feeds before the worker goes
        if built.feed is not None:
            built.feed.stop()
        built.runner.shutdown()
        if built.client is not None:
            built.client.close()

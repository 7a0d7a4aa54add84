"""``counter print --ticket A005``: reprint a queue slip this kiosk issued, as PDF or ESC/POS."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from counter_app.cli.output import Output, kv
from counter_app.receipts.escpos_send import PrinterUnavailable, send_escpos
from counter_app.receipts.escpos_slip import render_ticket_slip_escpos
from counter_app.receipts.slip import render_ticket_slip
from counter_app.services.clock import system_clock
from counter_app.services.documents import DocType
from counter_app.services.kiosk import Kiosk
from counter_app.store.uow import Store


def print_slip(args: argparse.Namespace, out: Output, store: Store) -> int:
    """Archive the slip as PDF; send it to the slip printer (ESC/POS), the document printer, or a
    file; record the print. Exit 1 when a printer failed (the PDF is kept)."""
    kiosk = Kiosk(store, system_clock, None)
    ticket = kiosk.issued(args.ticket)
    slip = kiosk.slip(ticket)
    pdf = render_ticket_slip(slip)
    folder = store.data_dir.root / "archive" / "slips"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{ticket.issued_at:%Y%m%d}-{ticket.number}.pdf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pdf)
    settings = store.settings()
    printed, message, target = False, "已存档，未打印", ""
    if args.escpos:
        data = render_ticket_slip_escpos(slip)
        if args.escpos == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return 0
        with open(args.escpos, "wb") as fh:
            fh.write(data)
        printed, message, target = True, f"ESC/POS 指令已写入 {args.escpos}", args.escpos
    elif settings.get("slip_printer"):
        target = settings["slip_printer"]
        try:
            send_escpos(render_ticket_slip_escpos(slip), target)
            printed, message = True, ""
        except PrinterUnavailable as exc:
            message = f"小票打印机不可用：{exc}；小票已存档"
    elif args.printer or settings.get("printer"):
        from counter_app.ui.printing import QtDocumentPrinter
        from counter_app.ui.qt_app import gui_application

        gui_application()
        name = args.printer or settings["printer"]
        outcome = QtDocumentPrinter("" if name == "default" else name)(pdf, DocType.RECEIPT)
        printed, message, target = outcome.ok, outcome.message, outcome.printer
    with store.unit_of_work() as uow:
        uow.ledger.append(
            "ticket.slip_printed",
            {
                "ticket_no": ticket.number,
                "file": path.name,
                "printed": printed,
                "target": target,
                "reprint": True,
            },
            args.clerk,
            system_clock(),
        )
        uow.commit()
    data_out: dict[str, Any] = {
        "ticket_no": ticket.number,
        "file": str(path),
        "printed": printed,
        "message": message,
        "offline": ticket.offline,
    }
    out.emit(
        data_out,
        lambda d: kv([("小票", d["ticket_no"]), ("存档", d["file"]), ("打印", d["message"] or "已打印")]),
    )
    return (
        0 if printed or not (args.printer or settings.get("printer") or settings.get("slip_printer")) else 1
    )

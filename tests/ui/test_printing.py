"""The printing path: archive, print through QtPrintSupport, reprint, a missing printer, ESC/POS.

Qt prints to a PDF file here (the offscreen platform has no printers); that file is what a
printer would receive, so it is read back with poppler and zbar like paper would be scanned.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from counter_app.receipts.escpos_send import PrinterUnavailable, send_escpos
from counter_app.services.documents import DocType, issue_document
from counter_app.services.intake import accept_case
from counter_app.services.intake_model import Decision, MaterialIn
from counter_app.store import schema
from counter_app.ui.printing import QtDocumentPrinter, paint_pdf, printer_names
from tests.support import intake_for, promise_item


def printed_events(store) -> list[dict]:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        rows = conn.execute(
            select(schema.events.c.envelope).where(schema.events.c.type == "document.printed")
        ).scalars()
        return [json.loads(r)["payload"] for r in rows]


def test_receipt_printed_through_qt_carries_a_readable_barcode(qapp, store, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = accept_case(store, clock, "clerk-07", intake_for(promise_item(store)))
    out = tmp_path / "printer-output.pdf"
    issued = issue_document(
        store, clock, "clerk-07", result.project_no, printer=QtDocumentPrinter(output_file=str(out))
    )
    assert issued.doc_type is DocType.RECEIPT and issued.outcome is not None and issued.outcome.ok
    assert issued.path.exists() and issued.path.name == f"{result.project_no}-receipt.pdf"
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    decoded = subprocess.run(["zbarimg", "--raw", "-q", *map(str, pages)], capture_output=True, text=True)
    assert result.project_no in decoded.stdout.split()
    assert any("code=" + result.check_code in line for line in decoded.stdout.splitlines())
    event = printed_events(store)[-1]
    assert event["printed"] is True and event["doc_type"] == "receipt" and event["reprint"] is False
    assert event["sha256"] == issued.sha256


def test_missing_printer_keeps_the_document_for_reprint(qapp, store, clock) -> None:  # type: ignore[no-untyped-def]
    result = accept_case(store, clock, "clerk-07", intake_for(promise_item(store)))
    absent = QtDocumentPrinter("窗口3-不存在的打印机")
    issued = issue_document(store, clock, "clerk-07", result.project_no, printer=absent)
    assert issued.outcome is not None and not issued.outcome.ok
    assert "未找到" in issued.outcome.message and "已存档" in issued.outcome.message
    assert issued.path.exists()
    again = issue_document(store, clock, "clerk-08", result.project_no)
    assert again.sha256 != issued.sha256 and again.path.name == f"{result.project_no}-receipt-reprint-1.pdf"
    events = printed_events(store)
    assert [e["printed"] for e in events] == [False, False]
    assert [e["reprint"] for e in events] == [False, True]


def test_each_document_type_is_archived(store, clock) -> None:  # type: ignore[no-untyped-def]
    item = promise_item(store)
    missing = MaterialIn(item.materials[0].name, missing=True, reason="复印件不清晰")
    corr = accept_case(store, clock, "c", intake_for(item, Decision.CORRECTION, materials=(missing,)))
    rejected = intake_for(item, Decision.REJECT, reason="不属于本机关职权范围", legal_basis="1")
    rej = accept_case(store, clock, "c", rejected)
    kinds = {issue_document(store, clock, "c", n).doc_type for n in (corr.project_no, rej.project_no)}
    assert kinds == {DocType.CORRECTION, DocType.REJECTION}
    text = subprocess.run(
        [
            "pdftotext",
            "-layout",
            str(store.data_dir.archive_dir / "2026-11" / f"{corr.project_no}-correction.pdf"),
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "复印件不清晰" in text and "一次性告知" in text


def test_paint_pdf_counts_pages(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtPrintSupport import QPrinter

    from counter_app.receipts import render_acceptance_receipt
    from counter_app.receipts.samples import long_receipt

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "long.pdf"))
    assert paint_pdf(printer, render_acceptance_receipt(long_receipt())) == 2
    assert isinstance(printer_names(), list)


def test_escpos_slip_reaches_a_network_printer_in_gbk() -> None:
    from counter_app.receipts.escpos_slip import render_ticket_slip_escpos
    from counter_app.receipts.samples import ticket_slip

    data = render_ticket_slip_escpos(ticket_slip())
    received = bytearray()
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def printer() -> None:
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(65536):
                received.extend(chunk)

    thread = threading.Thread(target=printer)
    thread.start()
    send_escpos(data, f"tcp://127.0.0.1:{port}")
    thread.join(5)
    server.close()
    assert bytes(received) == data
    assert ticket_slip().category_name.encode("gbk") in received
    with pytest.raises(PrinterUnavailable) as info:
        send_escpos(data, f"tcp://127.0.0.1:{port}", timeout=1)
    assert "无法连接" in info.value.message


def test_preview_dialog_shows_the_pages(qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget
    from PySide6.QtWidgets import QApplication

    from counter_app.receipts import render_acceptance_receipt
    from counter_app.receipts.samples import long_receipt
    from counter_app.ui.printing import preview_document

    seen: dict[str, object] = {}

    def inspect_and_close() -> None:
        dialog = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, QPrintPreviewDialog) and w.isVisible()
        )
        preview = dialog.findChild(QPrintPreviewWidget)
        seen["title"] = dialog.windowTitle()
        seen["pages"] = preview.pageCount()
        dialog.reject()

    QTimer.singleShot(500, inspect_and_close)
    printed = preview_document(render_acceptance_receipt(long_receipt()), DocType.RECEIPT)
    assert printed is False
    assert seen == {"title": "打印预览 - 受理回执", "pages": 2}

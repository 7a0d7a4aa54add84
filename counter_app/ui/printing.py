"""Printing PDFs through QtPrintSupport: silently to the window's printer, or with a preview.

Pages are rasterised with PDFium (pypdfium2) at the printer's resolution, so what comes out of
the printer is exactly the archived PDF: same fonts, same barcode, on any driver. A missing,
offline or failing printer gives the clerk a clear message; the caller has already archived the
document, so the case never waits on paper.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QImage, QImageWriter, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from counter_app.services.documents import DocType, PrintOutcome

log = logging.getLogger(__name__)
PRINT_DPI = 300


def _pages(pdf: bytes, dpi: int) -> Iterator[tuple[QImage, QSizeF]]:
    """Each page as a QImage and its size in points."""
    import pypdfium2 as pdfium  # here, not at the window's start (0.05 s of it)

    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            image = page.render(scale=dpi / 72).to_pil().convert("RGB")
            data = image.tobytes()
            qimage = QImage(data, image.width, image.height, image.width * 3, QImage.Format.Format_RGB888)
            yield qimage.copy(), QSizeF(width, height)  # copy: the buffer dies with ``data``
            page.close()
    finally:
        document.close()


def page_images(pdf: bytes, dpi: int) -> list[QImage]:
    """Every page of ``pdf`` as an image at ``dpi`` (a preview; safe off the GUI thread)."""
    return [image for image, _size in _pages(pdf, dpi)]


def paint_pdf(printer: QPrinter, pdf: bytes) -> int:
    """Paint every page of ``pdf`` onto ``printer``, one sheet per page; returns the page count."""
    painter: QPainter | None = None
    count = 0
    for image, size in _pages(pdf, min(PRINT_DPI, max(printer.resolution(), 150))):
        layout = QPageLayout(
            QPageSize(size, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
        if painter is None:
            printer.setPageLayout(layout)
            painter = QPainter()
            if not painter.begin(printer):
                raise OSError("打印机无法开始打印")
        else:
            printer.setPageLayout(layout)
            printer.newPage()
        target = QRectF(painter.viewport())
        painter.drawImage(target, image)
        count += 1
    if painter is not None:
        painter.end()
    return count


def load_image_plugins() -> None:
    """Make Qt's image-format plugins on this thread; call it on the GUI thread before a worker
    paints a page (:class:`DocumentDesk`, the kiosk's slip printer).

    Qt's PDF engine asks for the image writers while it draws a page. A plugin made for the first
    time on the worker that paints is then moved to the GUI thread under one of Qt's object locks,
    and the GUI thread may hold that lock (disconnecting some signal) while it waits for Python's
    GIL, which the painting worker holds: both threads stopped for good, once, in the tests. Made
    here first, a plugin already lives on the GUI thread and nothing moves it again."""
    QImageWriter.supportedImageFormats()


def printer_names() -> list[str]:
    """Printers the system knows, default first."""
    default = QPrinterInfo.defaultPrinterName()
    names = [p.printerName() for p in QPrinterInfo.availablePrinters()]
    return sorted(names, key=lambda n: n != default)


class QtDocumentPrinter:
    """Prints to a named system printer (or the default), or to a PDF file for checking output."""

    def __init__(self, printer_name: str = "", output_file: str = "") -> None:
        self.printer_name = printer_name
        self.output_file = output_file

    def _printer(self) -> tuple[QPrinter | None, str, str]:
        """The printer to use and its name, or None, the name asked for and why it cannot be used."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        if self.output_file:
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(self.output_file)
            return printer, f"PDF:{self.output_file}", ""
        name = self.printer_name or QPrinterInfo.defaultPrinterName()
        info = QPrinterInfo.printerInfo(name) if name else QPrinterInfo()
        if not name:
            return None, "", "未找到默认打印机（本机没有设置默认打印机）"
        if info.isNull():
            return None, name, f"未找到打印机「{name}」"
        if info.state() == QPrinter.PrinterState.Error:
            return None, name, f"打印机「{name}」处于故障状态"
        printer.setPrinterName(name)
        return printer, name, ""

    def __call__(self, pdf: bytes, doc_type: DocType) -> PrintOutcome:
        printer, name, problem = self._printer()
        if printer is None:
            return PrintOutcome(False, name, f"{problem}。{doc_type.label}已存档，可在办件记录中重新打印。")
        try:
            printer.setDocName(doc_type.label)
            paint_pdf(printer, pdf)
        except OSError as exc:
            log.warning("printing %s on %s failed: %s", doc_type, name, exc)
            return PrintOutcome(
                False, name, f"打印机「{name}」出错：{exc}。{doc_type.label}已存档，可重新打印。"
            )
        return PrintOutcome(True, name)


def configured_printer(name: str) -> QtDocumentPrinter | None:
    """The printer of the window's ``printer`` setting: ``default`` is the system default, a name
    is that printer, empty is none (documents are archived and can be printed later)."""
    if not name:
        return None
    return QtDocumentPrinter("" if name == "default" else name)


def preview_document(pdf: bytes, doc_type: DocType, parent: QWidget | None = None) -> bool:
    """Show a print preview; the clerk may print from it. Returns whether it was printed."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(doc_type.label)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(f"打印预览 - {doc_type.label}")
    dialog.paintRequested.connect(lambda p: paint_pdf(p, pdf))
    return bool(dialog.exec())


def choose_printer(parent: QWidget | None = None) -> str:
    """Ask the clerk for a printer (the window's settings); empty if cancelled."""
    printer = QPrinter()
    dialog = QPrintDialog(printer, parent)
    return printer.printerName() if dialog.exec() else ""

"""打印预览 and printing of a case's documents, shared by the intake form and case work.

The document is built and its pages rendered to images on the database worker; the preview
shows them and, on 打印 (Ctrl+P), the worker issues the document: archived, printed on the
window's printer (setting ``printer``; none: archived only) and recorded as a
``document.printed`` event. Closing the preview prints nothing and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter_app.domain.errors import DomainError
from counter_app.services.clock import Clock, system_clock
from counter_app.services.documents import (
    DocType,
    IssuedDocument,
    Printer,
    issue_document,
    next_issue_pdf,
)
from counter_app.ui.i18n import domain_label
from counter_app.ui.printing import configured_printer, load_image_plugins, page_images
from counter_app.ui.session import WindowSession

PREVIEW_DPI = 80


def error_text(error: BaseException) -> str:
    """What the clerk reads for a failed operation: the code and the domain's (Chinese) message."""
    if isinstance(error, DomainError):
        return f"[{error.code}] {error.message}"
    return QCoreApplication.translate("DocumentView", "[INTERNAL] 程序出错：{kind}").format(
        kind=type(error).__name__
    )


class DocumentPreview(QDialog):
    """The pages of one document, with 打印 and 关闭."""

    print_requested = Signal()

    def __init__(self, title: str, images: list[QImage], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("打印预览 - {document}").format(document=title))
        self.pages: list[QLabel] = []
        column = QWidget()
        pages = QVBoxLayout(column)
        for image in images:
            page = QLabel()
            page.setPixmap(QPixmap.fromImage(image))
            page.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            page.setStyleSheet("background: white; border: 1px solid #999;")
            pages.addWidget(page)
            self.pages.append(page)
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.print_button = QPushButton(self.tr("打印") + " (Ctrl+P)")
        self.print_button.setProperty("role", "primary")
        self.print_button.clicked.connect(self._print)
        close = QPushButton(self.tr("关闭") + " (Esc)")
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+P"), self).activated.connect(self.print_button.click)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.resize(760, 700)

    def _print(self) -> None:
        self.print_button.setEnabled(False)
        self.message.setText(self.tr("正在打印…"))
        self.print_requested.emit()


class DocumentDesk(QObject):
    """Preview, print and reprint for one screen; results come back as signals.

    ``make_printer`` is called on the worker (it reads the window's settings); tests give one
    that prints to a PDF file.
    """

    issued = Signal(object)  # IssuedDocument
    failed = Signal(str)  # the message shown to the clerk

    def __init__(self, session: WindowSession, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.parent_widget = parent
        self.clock: Clock = system_clock
        self.make_printer: Callable[[], Printer | None] = lambda: configured_printer(
            session.store.settings().get("printer", "")
        )
        self.preview: DocumentPreview | None = None
        self.last: IssuedDocument | None = None
        load_image_plugins()  # before a worker paints (see there)

    def open_preview(self, project_no: str, doc_type: DocType | None = None) -> None:
        """Build the case's document (the one its state calls for, unless given) and preview it."""
        store = self.session.store

        def work() -> tuple[DocType, list[QImage]]:
            kind, pdf = next_issue_pdf(store, self.clock, project_no, doc_type)
            return kind, page_images(pdf, PREVIEW_DPI)

        def show(result: tuple[DocType, list[QImage]]) -> None:
            kind, images = result
            preview = DocumentPreview(f"{domain_label(kind.label)} {project_no}", images, self.parent_widget)
            preview.print_requested.connect(lambda: self.print_now(project_no, kind))
            self.preview = preview
            # back to the screen when the preview closes, so its shortcuts work without a click
            preview.finished.connect(lambda _result: self.parent_widget.window().activateWindow())
            preview.open()

        self.session.db.run(work, show, self._failed)

    def print_now(self, project_no: str, doc_type: DocType | None = None) -> None:
        """Issue the document: archive, print, record (a reprint is marked 补打)."""
        session = self.session

        def work() -> IssuedDocument:
            return issue_document(
                session.store, self.clock, session.clerk_id, project_no, doc_type, self.make_printer()
            )

        self.session.db.run(work, self._issued, self._failed)

    def _issued(self, issued: IssuedDocument) -> None:
        self.last = issued
        self.session.committed()
        if self.preview is not None:
            outcome = issued.outcome
            if outcome is None or outcome.ok:
                self.preview.accept()
            else:
                self.preview.message.setText(outcome.message)
                self.preview.print_button.setEnabled(True)
        self.issued.emit(issued)

    def _failed(self, error: BaseException) -> None:
        text = error_text(error)
        if self.preview is not None and self.preview.isVisible():
            self.preview.message.setText(text)
            self.preview.print_button.setEnabled(True)
        self.failed.emit(text)


def outcome_text(issued: IssuedDocument) -> str:
    """One line for the clerk about a document just issued."""
    outcome: Any = issued.outcome
    document = domain_label(issued.doc_type.label)
    if outcome is None:
        return QCoreApplication.translate(
            "DocumentView", "{document}已存档（本窗口未设置打印机，未打印）"
        ).format(document=document)
    if outcome.ok:
        return QCoreApplication.translate("DocumentView", "{document}已打印（{printer}）并存档").format(
            document=document, printer=outcome.printer
        )
    return str(outcome.message)

"""今日办件: the cases this window received today, as a Qt model loaded on the worker thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from counter_app.domain.case import status_label
from counter_app.services.clock import system_clock
from counter_app.services.queries import CaseSummary, list_cases
from counter_app.ui.i18n import domain_label
from counter_app.ui.session import WindowSession

Index = QModelIndex | QPersistentModelIndex


# No window takes in this many cases in a day (a busy one: a few dozen): the list and its count are the whole day's.
DAY_LIMIT = 5000


class CaseTableModel(QAbstractTableModel):
    """Rows of :class:`CaseSummary`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[CaseSummary] = []
        self.headers = [
            self.tr("办件编号"),
            self.tr("事项"),
            self.tr("申请人"),
            self.tr("状态"),
            self.tr("接件时间"),
            self.tr("承诺办结"),
        ]

    def set_rows(self, rows: list[CaseSummary]) -> None:
        """Replace the rows (on the GUI thread)."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        values = [
            row.project_no,
            row.item_name,
            row.applicant_name,
            domain_label(status_label(row.state, row.result)),
            row.received_at[11:16],
            (row.promise_due or "")[:10],
        ]
        return values[index.column()]


class TodayCases(QWidget):
    """The list, with a refresh button; a double click opens the case (``open_case``)."""

    open_case = Signal(str)

    def __init__(self, session: WindowSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.model = CaseTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("todayCases")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the matter's name
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(self._open)
        self.summary = QLabel("")
        self.summary.setProperty("role", "status")
        refresh = QPushButton(self.tr("刷新 (F9)"))
        refresh.clicked.connect(self.refresh)
        head = QHBoxLayout()
        head.addWidget(self.summary)
        head.addStretch(1)
        head.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.table)
        self.loads = 0

    def refresh(self) -> None:
        """Load today's cases on the worker thread."""
        store = self.session.store
        today = system_clock().date().isoformat()
        self.session.db.run(lambda: list_cases(store, day=today, limit=DAY_LIMIT), self._loaded)

    def _loaded(self, rows: list[CaseSummary]) -> None:
        self.loads += 1
        self.model.set_rows(rows)
        self.summary.setText(self.tr("今日共 {n} 件").format(n=len(rows)))

    def _open(self, index: QModelIndex) -> None:
        self.open_case.emit(self.model.rows[index.row()].project_no)

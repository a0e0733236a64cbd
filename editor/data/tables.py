"""A small read-only table model for previews (the first rows of a file or a dataset)."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

PREVIEW_ROWS = 100


class RowsModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.rows: list[list[str]] = []
        self.right_aligned: list[bool] = []

    def set_rows(self, names: list[str], rows: list[list[str]], right_aligned: list[bool] | None = None) -> None:
        self.beginResetModel()
        self.names, self.rows = list(names), rows
        self.right_aligned = right_aligned or [False] * len(names)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.names)

    def data(self, index, role=Qt.DisplayRole):
        if role == Qt.DisplayRole:
            row = self.rows[index.row()]
            return row[index.column()] if index.column() < len(row) else ""
        if role == Qt.TextAlignmentRole and index.column() < len(self.right_aligned) \
                and self.right_aligned[index.column()]:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role != Qt.DisplayRole:
            return None
        if orientation == Qt.Horizontal:
            return self.names[section] if section < len(self.names) else None
        return str(section + 1)


def preview_table() -> tuple[QTableView, RowsModel]:
    view = QTableView()
    model = RowsModel(view)
    view.setModel(model)
    view.setEditTriggers(QAbstractItemView.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollPerPixel)  # scrollTo shows a whole column
    view.verticalHeader().setDefaultSectionSize(22)
    view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
    view.horizontalHeader().setDefaultSectionSize(76)
    view.horizontalHeader().setHighlightSections(False)
    view.setMinimumHeight(120)
    return view, model


def format_value(v: float) -> str:
    return f"{v:.4g}"

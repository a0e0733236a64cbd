"""Read-only tables: ``RowsModel`` for previews (the first rows of a file, as text) and ``DatasetModel``
over a whole dataset's arrays."""
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
    model = RowsModel()
    return table_view(model), model


def format_value(v: float) -> str:
    return f"{v:.4g}"


class DatasetModel(QAbstractTableModel):
    """A dataset's rows as a table: every row is there (rowCount is the number of samples), but only the
    cells a view asks for — the visible ones — are ever formatted, so 60,000 rows scroll like 60.
    Features show as the file holds them (a standardized dataset's values are scaled back); the
    target comes last, a class by its name."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.dataset = None

    def set_dataset(self, dataset) -> None:
        self.beginResetModel()
        self.dataset = dataset
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() or self.dataset is None else self.dataset.n_samples

    def columnCount(self, parent=QModelIndex()) -> int:
        if parent.isValid() or self.dataset is None:
            return 0
        return self.dataset.n_features + len(self.dataset.target_names)

    def data(self, index, role=Qt.DisplayRole):
        ds = self.dataset
        if ds is None or not index.isValid():
            return None
        row, j = index.row(), index.column()
        if role == Qt.DisplayRole:
            if j < ds.n_features:
                value = float(ds.x[row, j])
                if ds.mean is not None:
                    std = float(ds.std[j])
                    value = value * std + float(ds.mean[j])
                    value = 0.0 if abs(value) < std * 1e-5 else value  # a 0 in the file, not 2.4e-06
                return format_value(value)
            if ds.task == "classification":
                return ds.class_names[int(ds.y[row])]
            return format_value(float(ds.y[row, j - ds.n_features]))
        if role == Qt.TextAlignmentRole and (j < ds.n_features or ds.task == "regression"):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        ds = self.dataset
        if role != Qt.DisplayRole or ds is None:
            return None
        if orientation == Qt.Vertical:
            return str(section + 1)
        if section < ds.n_features:
            return ds.feature_names[section]
        return f"→ {ds.target_names[section - ds.n_features]}"


def table_view(model: QAbstractTableModel) -> QTableView:
    """A read-only table of rows of one height (so a view of many rows never measures them)."""
    view = QTableView()
    view.setModel(model)
    model.setParent(view)
    view.setEditTriggers(QAbstractItemView.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollPerPixel)  # scrollTo shows a whole column
    view.verticalHeader().setDefaultSectionSize(22)
    view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
    view.horizontalHeader().setDefaultSectionSize(76)
    view.horizontalHeader().setHighlightSections(False)
    view.setMinimumHeight(120)
    return view

"""Tables: ``RowsModel`` for previews (the first rows of a file, as text), ``DatasetModel`` over a whole
dataset's arrays (both read-only), and ``FeatureChoices``, the feature columns of a CSV file to check."""
from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, Qt
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


class FeatureChoices(QAbstractListModel):
    """The columns a CSV file's features may come from (all but the target), each with a check box. A model
    rather than a list of items: MNIST's 784 pixel columns list at once instead of in 50 ms of items."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.texts: list[str] = []
        self.columns: list[int] = []  # the file's column of each row
        self.checked: list[bool] = []

    def fill(self, names: list[str], numeric: list[bool], target: int, chosen: set[int] | None) -> None:
        """Every column but ``target``; the ``chosen`` ones checked (None: those of numbers)."""
        self.beginResetModel()
        self.columns = [j for j in range(len(names)) if j != target]
        self.texts = [names[j] if numeric[j] else f"{names[j]}  (text)" for j in self.columns]
        self.checked = [(j in chosen) if chosen is not None else numeric[j] for j in self.columns]
        self.endResetModel()

    def clear(self) -> None:
        self.fill([], [], -1, None)

    def checked_columns(self) -> list[int]:
        return [j for j, on in zip(self.columns, self.checked) if on]

    def set_checked_columns(self, columns: set[int]) -> None:
        self.checked = [j in columns for j in self.columns]
        if self.columns:
            self.dataChanged.emit(self.index(0), self.index(len(self.columns) - 1), [Qt.CheckStateRole])

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.DisplayRole:
            return self.texts[index.row()]
        if role == Qt.CheckStateRole:
            return Qt.Checked if self.checked[index.row()] else Qt.Unchecked
        return None

    def flags(self, index):
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable

    def setData(self, index, value, role=Qt.EditRole) -> bool:
        if role != Qt.CheckStateRole or not index.isValid():
            return False
        self.checked[index.row()] = Qt.CheckState(value) == Qt.Checked
        self.dataChanged.emit(index, index, [Qt.CheckStateRole])
        return True

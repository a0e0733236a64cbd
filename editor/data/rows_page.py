"""The Dataset dock's Rows page: every row of the data in use, formatted only as it scrolls into view."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from .page_layout import muted, size_text
from .tables import DatasetModel, table_view


class RowsPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.caption = muted()
        self.model = DatasetModel()
        self.table = table_view(self.model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 8, 6, 6)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        self.setMinimumSize(68, 68)  # no taller than the dock's other pages: a low dock squeezes the table
        self.dataset = None

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._take_rows()

    def _take_rows(self) -> None:
        if self.dataset is not self.model.dataset:
            self.model.set_dataset(self.dataset)

    def show_dataset(self, dataset, why_none: str = "") -> None:
        """Show ``dataset``'s rows; with None, ``why_none`` (loading, or why there is no data).
        The table takes the rows when the page is shown (its header measures every column)."""
        self.dataset = dataset
        if self.isVisible():
            self._take_rows()
        if dataset is None:
            self.caption.setText(why_none or "No data in use.")
            return
        scaled = " · values as in the file (training sees them standardized)" if dataset.mean is not None else ""
        self.caption.setText(f"The data in use, every row: {size_text(dataset)}{scaled}")

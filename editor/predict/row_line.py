"""A big input's row in the Predict dock: one line saying what it is, and one line edit that takes a
pasted row. Past ``fields.MAX_FIELDS`` features a field per feature costs the GUI thread more than it
is worth (784 of them took ~0.4 s to build and ~30 ms at every refresh); the row is held as an array
by the panel and changed by picking a sample, pasting a row or drawing."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from .fields import SEPARATORS, invalid_style


class RowLine(QWidget):
    """``summary`` (e.g. "784 features — pick a sample, paste a row, or draw") over ``edit``, whose
    text goes out as ``row_pasted`` when it holds separated values or Enter is pressed."""

    row_pasted = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.invalid = False
        self.summary = QLabel(wordWrap=True)
        self.summary.setProperty("muted", True)  # coloured by the panel's theme
        self.edit = QLineEdit()
        self.edit.setClearButtonEnabled(True)
        self.edit.textEdited.connect(self._edited)
        self.edit.returnPressed.connect(lambda: self.row_pasted.emit(self.edit.text()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.summary)
        line = QHBoxLayout()
        line.addWidget(QLabel("Row:"))
        line.addWidget(self.edit, 1)
        layout.addLayout(line)

    def set_features(self, count: int, drawable: bool) -> None:
        """Say what the row is: ``count`` features, changed by a sample, a pasted row (or a drawing)."""
        ways = "pick a sample, paste a row, or draw" if drawable else "pick a sample or paste a row"
        self.summary.setText(f"{count:,} features — {ways}")
        self.edit.setPlaceholderText(f"paste a row of {count:,} values (comma, tab or semicolon separated)")
        self.edit.setToolTip(f"Paste a whole row of {count:,} values, in the order of the data's columns")

    def _edited(self, text: str) -> None:
        if SEPARATORS.search(text):
            self.row_pasted.emit(text)

    def clear(self) -> None:
        """The row came from elsewhere (a sample, a drawing): the line no longer holds it."""
        self.edit.clear()
        self.set_invalid(False)

    def set_invalid(self, invalid: bool) -> None:
        self.invalid = invalid
        self.edit.setStyleSheet(invalid_style(invalid))

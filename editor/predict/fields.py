"""The Predict dock's feature fields: one line edit per feature, each under its name, for inputs
small enough to type (``MAX_FIELDS`` features at most; a bigger input is one line, ``row_line.py``).

A comma-, tab- or semicolon-separated row pasted into any field fills them all."""
from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QLineEdit, QScrollArea, QWidget

from engine.datasets import parse_number

from .. import style
from .numbers import field_text

MAX_FIELDS = 100  # features; past this a row is pasted, picked or drawn, not typed field by field
FIELD_COLUMNS = 4
FIELD_WIDTH = 118  # a field's column needs about this many pixels
MAX_FIELDS_HEIGHT = 190
SEPARATORS = re.compile(r"[,\t;]")


def parse_row(text: str) -> list[str]:
    """The cells of a pasted row (comma, tab or semicolon separated; blanks around them dropped)."""
    cells = [c.strip() for c in SEPARATORS.split(text.strip())]
    if len(cells) > 1 and cells[-1] == "":
        cells = cells[:-1]  # a trailing separator
    return cells


def names_text(names: list[str]) -> str:
    """The feature names for a message: all of a few, the first and last of many."""
    return ", ".join(names) if len(names) <= 12 else f"{', '.join(names[:3])}, …, {names[-1]}"


def wrong_length(cells: list[str], names: list[str]) -> str:
    """Why a pasted row does not fit (its count and the count expected), or "" when it does."""
    if len(cells) == len(names):
        return ""
    return (f"The pasted row has {len(cells)} value{'s' if len(cells) != 1 else ''}; this network takes "
            f"{len(names)} ({names_text(names)}), in that order.")


def read_cells(cells: list[str], names: list[str]) -> tuple[np.ndarray | None, int, str]:
    """The cells as numbers (float64); or None, the index of the first bad cell and one line naming it."""
    row = np.empty(len(cells), dtype=np.float64)
    for k, text in enumerate(cells):
        value = parse_number(text) if text else None
        if value is None or not np.isfinite(value):
            what = f"“{text}” is not a number" if text else "needs a number"
            return None, k, f"{names[k]}: {what}"
        row[k] = value
    return row, -1, ""


def invalid_style(invalid: bool) -> str:
    """A line edit's style sheet: framed in the theme's error colour while its text is refused."""
    return f"QLineEdit {{ border: 1.5px solid {style.theme().error.name()}; border-radius: 3px; }}" if invalid else ""


class FeatureField(QLineEdit):
    """One feature's value; a pasted row (several separated values) goes to the panel instead."""

    row_pasted = Signal(str)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.invalid = False
        self.setPlaceholderText("number")
        self.setToolTip(f"{name}: a number, or paste a whole row (comma or tab separated) to fill every field")
        self.setMinimumWidth(60)
        self.textEdited.connect(self._edited)

    def _edited(self, text: str) -> None:
        if SEPARATORS.search(text):
            self.row_pasted.emit(text)

    def set_invalid(self, invalid: bool) -> None:
        self.invalid = invalid
        self.setStyleSheet(invalid_style(invalid))


class FeatureFields(QScrollArea):
    """A field per feature, label above field, in as many columns as the width allows (at most
    ``FIELD_COLUMNS``); it scrolls past ``MAX_FIELDS_HEIGHT``."""

    edited = Signal()  # a value typed into a field (not a pasted row)
    row_pasted = Signal(str, object)  # the text, the FeatureField it was pasted into

    def __init__(self) -> None:
        super().__init__(widgetResizable=True, frameShape=QFrame.NoFrame)
        self.fields: list[FeatureField] = []
        self._pairs: list[tuple[QLabel, FeatureField]] = []
        self._columns = 0
        self.box = QWidget()
        self.grid = QGridLayout(self.box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(2)
        self.setWidget(self.box)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

    @property
    def names(self) -> list[str]:
        return [field.name for field in self.fields]

    def set_names(self, names: list[str]) -> None:
        """A field for each of ``names`` (empty; the old ones go)."""
        for label, field in self._pairs:
            label.deleteLater()
            field.deleteLater()
        self._pairs, self.fields = [], []
        for name in names:
            label = QLabel(name)
            label.setProperty("muted", True)  # coloured by the panel's theme, like its other quiet labels
            label.setFont(style.font(-1))
            label.setToolTip(name)
            field = FeatureField(name)
            field.textEdited.connect(self._edited)
            field.row_pasted.connect(lambda text, field=field: self.row_pasted.emit(text, field))
            label.setBuddy(field)
            self._pairs.append((label, field))
            self.fields.append(field)
        self._columns = 0
        self._place()

    def _edited(self, text: str) -> None:
        if not SEPARATORS.search(text):  # a pasted row goes out as row_pasted
            self.edited.emit()

    def _place(self) -> None:
        n = len(self._pairs)
        columns = int(np.clip((self.width() - 8) // FIELD_WIDTH, 1, min(FIELD_COLUMNS, max(1, n))))
        if columns == self._columns:
            return
        self._columns = columns
        for label, field in self._pairs:
            self.grid.removeWidget(label)
            self.grid.removeWidget(field)
        for k, (label, field) in enumerate(self._pairs):
            row, col = divmod(k, columns)
            self.grid.addWidget(label, 2 * row, col)
            self.grid.addWidget(field, 2 * row + 1, col)
        for col in range(FIELD_COLUMNS):
            self.grid.setColumnStretch(col, 1 if col < columns else 0)
        rows = -(-n // columns) if n else 0
        one = QFontMetrics(style.font(-1)).height() + 2 + 26 + 2
        self.setFixedHeight(min(MAX_FIELDS_HEIGHT, rows * one + 4))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def show_values(self, values: np.ndarray, dtype) -> None:
        """Raw feature values into the fields, each as the shortest text that reads back as it at the
        precision ``dtype`` (of the data they came from: float32 data shows 130, not 129.9999998)."""
        for field, value in zip(self.fields, values):
            field.setText(field_text(value, dtype))

    def set_cells(self, cells: list[str]) -> None:
        for field, cell in zip(self.fields, cells):
            field.setText(cell)

    def read(self) -> tuple[np.ndarray | None, str]:
        """The fields as numbers; or None and one line naming the first bad field, which is marked."""
        row, bad, error = read_cells([field.text().strip() for field in self.fields], self.names)
        for k, field in enumerate(self.fields):
            if field.invalid != (k == bad):
                field.set_invalid(k == bad)
        return row, error

    def apply_theme(self) -> None:
        for field in self.fields:
            if field.invalid:
                field.set_invalid(True)

"""The Dataset dock's page of the bundled datasets: description, size, first rows, digits as images."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QFormLayout, QFrame, QGridLayout, QLabel, QPushButton, QWidget

from engine.datasets import BUILTINS, Dataset, load_builtin

from .. import style
from .page_layout import SIDE_WIDTH, muted, size_text, split_page
from .tables import PREVIEW_ROWS, format_value, preview_table

BUILTIN_LABELS = {"iris": "Iris", "wine": "Wine", "breast_cancer": "Breast cancer", "digits": "Digits",
                  "diabetes": "Diabetes"}
SHOWN_DIGITS = 10


@lru_cache(maxsize=None)
def _builtin(name: str) -> Dataset:
    return load_builtin(name)


def digit_pixmap(pixels: np.ndarray, scale: int = 4) -> QPixmap:
    """An 8×8 digit (counts 0..16) as dark ink on white, scaled without smoothing."""
    ink = np.clip(255 - pixels.reshape(8, 8) * (255 / 16), 0, 255).astype(np.uint8)
    ink = np.ascontiguousarray(np.kron(ink, np.ones((scale, scale), dtype=np.uint8)))
    h, w = ink.shape
    image = QImage(ink.data, w, h, w, QImage.Format_Grayscale8).copy()
    return QPixmap.fromImage(image)



class BuiltinPage(QWidget):
    use_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.choice = QComboBox()
        for name in BUILTINS:
            self.choice.addItem(BUILTIN_LABELS.get(name, name), name)
        self.size_label = QLabel(wordWrap=True)
        self.description = muted()
        self.description.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.digits = QWidget()
        digits_layout = QGridLayout(self.digits)
        digits_layout.setContentsMargins(0, 2, 0, 2)
        digits_layout.setSpacing(2)
        self.digit_labels: list[QLabel] = []
        for k in range(SHOWN_DIGITS):
            image = QLabel()
            image.setFrameShape(QFrame.Box)
            image.setStyleSheet(f"border: 1px solid {style.theme().node_border.name()}; background: white;")
            caption = muted()
            caption.setAlignment(Qt.AlignHCenter)
            digits_layout.addWidget(image, 0, k, Qt.AlignHCenter)
            digits_layout.addWidget(caption, 1, k, Qt.AlignHCenter)
            self.digit_labels.append((image, caption))
        digits_layout.setColumnStretch(SHOWN_DIGITS, 1)
        self.table, self.model = preview_table()
        self.use_button = QPushButton()
        top = QFormLayout()
        top.addRow("Dataset", self.choice)
        split_page(self, [top, self.size_label, self.description, self.digits, self.use_button], self.table)
        self.choice.currentIndexChanged.connect(lambda _: self.show_builtin())
        self.use_button.clicked.connect(lambda: self.use_requested.emit(self.name))
        self.in_use = ""
        self.show_builtin()

    @property
    def name(self) -> str:
        return self.choice.currentData()

    def select(self, name: str) -> None:
        index = self.choice.findData(name)
        if index >= 0:
            self.choice.setCurrentIndex(index)

    def show_builtin(self) -> None:
        ds = _builtin(self.name)
        label = BUILTIN_LABELS.get(self.name, self.name)
        self.size_label.setText(f"<b>{label}</b> — {size_text(ds)}")
        self.description.setText(BUILTINS[self.name])
        self.description.setMinimumHeight(self.description.heightForWidth(SIDE_WIDTH - 4))
        names = ds.feature_names + [f"→ {ds.target_names[0]}"]
        rows = []
        for i in range(min(PREVIEW_ROWS, ds.n_samples)):
            target = ds.class_names[ds.y[i]] if ds.task == "classification" else format_value(ds.y[i, 0])
            rows.append([format_value(v) for v in ds.x[i]] + [target])
        self.model.set_rows(names, rows, [True] * len(ds.feature_names) + [ds.task == "regression"])
        self.table.resizeColumnToContents(len(names) - 1)
        self.digits.setVisible(self.name == "digits")
        if self.name == "digits":
            shown = [int(np.flatnonzero(ds.y == k)[0]) for k in range(min(SHOWN_DIGITS, ds.n_classes))]
            for (image, caption), i in zip(self.digit_labels, shown):
                image.setPixmap(digit_pixmap(ds.x[i], scale=3))
                caption.setText(ds.class_names[ds.y[i]])
        self.show_in_use(self.in_use)

    def show_in_use(self, name: str) -> None:
        self.in_use = name
        label = BUILTIN_LABELS.get(self.name, self.name)
        used = name == self.name
        self.use_button.setText(f"✓ {label} is in use" if used else f"Use {label}")
        self.use_button.setEnabled(not used)


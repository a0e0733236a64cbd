"""What the Dataset dock's pages share: their layout (controls beside or above the preview), muted
and error labels, and how sizes are written."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout, QDoubleSpinBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QSlider, QVBoxLayout, QWidget,
)

from engine.datasets import Dataset

from .. import style

WIDE = 520  # from this width on, a page puts its controls beside its preview
SIDE_WIDTH = 290


def muted(text: str = "") -> QLabel:
    return style.muted_label(text, wrap=True)


def error_label() -> QLabel:
    label = QLabel(wordWrap=True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    label.setStyleSheet(f"color: {style.theme().error.name()};")
    label.hide()
    return label


def show_error(label: QLabel, text: str) -> None:
    label.setText(f"⚠ {text}" if text else "")
    label.setVisible(bool(text))


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def size_text(ds: Dataset) -> str:
    parts = [plural(ds.n_samples, "sample"), plural(ds.n_features, "feature")]
    if ds.task == "classification":
        names = ", ".join(ds.class_names[:10]) + (" …" if ds.n_classes > 10 else "")
        parts.append(f"{plural(ds.n_classes, 'class', 'classes')} ({names})")
    else:
        parts.append(f"regression on {', '.join(ds.target_names)}")
    return " · ".join(parts)



class FitScroll(QScrollArea):
    """Shows its page at the viewport's size, scrolling only below the page's minimum size.

    (QScrollArea's own widgetResizable follows height-for-width hints, which a page of
    word-wrapped labels beside a plot answers with a needlessly tall page.)"""

    def __init__(self, page: QWidget) -> None:
        super().__init__(frameShape=QFrame.NoFrame)
        self.setWidget(page)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.fit()

    def fit(self) -> None:
        page, view = self.widget(), self.viewport().size()
        minimum = page.minimumSizeHint()
        page.resize(max(view.width(), minimum.width()), max(view.height(), minimum.height()))




def add_item(layout: QBoxLayout, item) -> None:
    (layout.addWidget if isinstance(item, QWidget) else layout.addLayout)(item)


def split_page(page: QWidget, controls: list, preview: QWidget, top: tuple = ()) -> None:
    """Lay ``page`` out as its controls and its preview: stacked when narrow, side by side when wide.

    The ``top`` items span the page's width above both."""
    side = QWidget()
    column = QVBoxLayout(side)
    column.setContentsMargins(0, 0, 0, 0)
    for item in controls:
        add_item(column, item)
    page.side_stretch = column.count()
    column.addStretch(0)
    outer = QVBoxLayout(page)
    outer.setContentsMargins(6, 8, 6, 6)
    for item in top:
        add_item(outer, item)
    layout = QBoxLayout(QBoxLayout.TopToBottom)
    outer.addLayout(layout, 1)
    layout.addWidget(side)
    layout.addWidget(preview, 1)
    page.split, page.side, page.side_column = layout, side, column


def set_wide(page: QWidget, wide: bool) -> None:
    page.split.setDirection(QBoxLayout.LeftToRight if wide else QBoxLayout.TopToBottom)
    page.side.setMaximumWidth(SIDE_WIDTH if wide else 16_777_215)
    page.side.setMinimumWidth(SIDE_WIDTH if wide else 0)
    page.side_column.setStretch(page.side_stretch, 1 if wide else 0)


class SliderSpin(QWidget):
    """A slider with a spin box beside it; ``edited`` on user changes from either."""

    edited = Signal()

    def __init__(self, spin, scale: float, slider_max: int) -> None:
        super().__init__()
        self.spin, self.scale = spin, scale
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(int(spin.minimum() * scale), slider_max)
        spin.setKeyboardTracking(False)
        spin.setMinimumWidth(78)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(spin)
        self.slider.valueChanged.connect(self._slid)
        spin.valueChanged.connect(self._spun)

    def value(self):
        return self.spin.value()

    def set_value(self, value) -> None:
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(int(round(value * self.scale)))
        for w in (self.slider, self.spin):
            w.blockSignals(False)

    def _slid(self, v: int) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(v / self.scale if isinstance(self.spin, QDoubleSpinBox) else v)
        self.spin.blockSignals(False)
        self.edited.emit()

    def _spun(self, v) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(v * self.scale)))
        self.slider.blockSignals(False)
        self.edited.emit()


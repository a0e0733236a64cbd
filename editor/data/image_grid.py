"""The Dataset dock's Images tab: the data in use drawn as a grid of pictures with their labels, when
the project's Input declares its features an image (``Input.params.shape`` = channels, height, width).

The grid paints only the cells in sight and makes each picture when it is first painted, keeping
the last few hundred: 60,000 rows cost some arithmetic until scrolled to (a QListView lays every
item out, half a second for 60,000). A label filter narrows the grid to one class. The tab is there only while the graph's Input is an image that fits the data.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractScrollArea, QComboBox, QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from engine.images import image_shape, raw_rows

from .. import style
from ..images import sample_pixmap

THUMBNAIL = 48  # pixels a picture is drawn at, about (whole multiples of the image's size)
CACHED = 512  # pictures kept: a few screens' worth
ALL = -1


def thumbnail_scale(shape: tuple[int, int, int]) -> int:
    return max(1, round(THUMBNAIL / max(shape[1:])))


def framed(picture: QPixmap) -> QPixmap:
    """A hairline border, so a pale picture keeps its edge on a pale list."""
    painter = QPainter(picture)
    painter.setPen(QPen(style.theme().node_border, 1))
    painter.drawRect(0, 0, picture.width() - 1, picture.height() - 1)
    painter.end()
    return picture


class SamplePictures:
    """Rows of an image dataset (``rows``: their indices) as pictures with their labels, made on demand."""

    def __init__(self) -> None:
        self.dataset = None
        self.shape: tuple[int, int, int] | None = None
        self.rows = np.zeros(0, dtype=np.int64)
        self.scale = 1
        self._pictures: OrderedDict[int, QPixmap] = OrderedDict()
        self.made = 0  # pictures drawn since the last ``show`` (what showing the grid cost)

    def show(self, dataset, shape: tuple[int, int, int] | None, rows: np.ndarray | None = None) -> None:
        self.dataset, self.shape = dataset, shape
        if dataset is None or shape is None:
            self.rows = np.zeros(0, dtype=np.int64)
        else:
            self.rows = np.arange(dataset.n_samples) if rows is None else np.asarray(rows, dtype=np.int64)
            self.scale = thumbnail_scale(shape)
        self._pictures.clear()
        self.made = 0

    def __len__(self) -> int:
        return len(self.rows)

    def picture_size(self) -> QSize:
        return QSize(self.shape[2] * self.scale, self.shape[1] * self.scale) if self.shape else QSize(0, 0)

    def label(self, k: int) -> str:
        """The label of the ``k``-th row shown: its class, or its target values."""
        ds, row = self.dataset, int(self.rows[k])
        if ds.task == "classification":
            return ds.class_names[int(ds.y[row])]
        return ", ".join(f"{float(v):.4g}" for v in np.atleast_1d(ds.y[row]))

    def picture(self, k: int) -> QPixmap:
        """The ``k``-th row shown as a picture (made now, or kept from before)."""
        row = int(self.rows[k])
        picture = self._pictures.get(row)
        if picture is None:
            picture = framed(sample_pixmap(raw_rows(self.dataset, row), self.shape, self.scale))
            self._pictures[row] = picture
            self.made += 1
            if len(self._pictures) > CACHED:
                self._pictures.popitem(last=False)
        else:
            self._pictures.move_to_end(row)
        return picture


class GridView(QAbstractScrollArea):
    """The pictures in rows as wide as the view, each over its label; only the cells in sight are
    painted (a grid of 60,000 is arithmetic until scrolled to)."""

    PAD = 6

    def __init__(self, pictures: SamplePictures) -> None:
        super().__init__()
        self.pictures = pictures
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.viewport().setMouseTracking(True)
        self.painted: range = range(0)  # the cells last painted (tests, and the tooltips)

    def cell(self) -> QSize:
        size = self.pictures.picture_size()
        return QSize(max(size.width(), 36) + 2 * self.PAD, size.height() + self.fontMetrics().height() + 2 * self.PAD)

    def columns(self) -> int:
        return max(1, self.viewport().width() // max(1, self.cell().width()))

    def layout_changed(self) -> None:
        """The pictures or the width changed: set the scroll range again (and back to the top when asked)."""
        cell, n = self.cell(), len(self.pictures)
        lines = -(-n // self.columns()) if n else 0
        bar = self.verticalScrollBar()
        bar.setRange(0, max(0, lines * cell.height() - self.viewport().height()))
        bar.setSingleStep(max(1, cell.height() // 3))
        bar.setPageStep(self.viewport().height())
        self.viewport().update()

    def reset(self) -> None:
        self.verticalScrollBar().setValue(0)
        self.layout_changed()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.layout_changed()

    def spread(self) -> int:
        """The width each column gets: the view's width shared out, so the grid fills it evenly."""
        return max(self.cell().width(), self.viewport().width() // self.columns())

    def index_at(self, pos) -> int | None:
        cell, columns = self.cell(), self.columns()
        column, line = pos.x() // self.spread(), (pos.y() + self.verticalScrollBar().value()) // cell.height()
        k = line * columns + column
        return k if column < columns and 0 <= k < len(self.pictures) else None

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.ToolTip:
            k = self.index_at(event.pos())
            if k is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), f"Row {int(self.pictures.rows[k]) + 1:,}: "
                                                     f"{self.pictures.label(k)}", self.viewport())
            return True
        return super().viewportEvent(event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self.viewport())
        n = len(self.pictures)
        if not n:
            self.painted = range(0)
            painter.end()
            return
        cell, columns, top = self.cell(), self.columns(), self.verticalScrollBar().value()
        first = top // cell.height() * columns
        last = min(n, (top + self.viewport().height()) // cell.height() * columns + columns)
        size, caption, width = self.pictures.picture_size(), self.fontMetrics().height(), self.spread()
        painter.setPen(style.theme().text)
        for k in range(first, last):
            line, column = divmod(k, columns)
            x, y = column * width, line * cell.height() - top
            painter.drawPixmap(x + (width - size.width()) // 2, y + self.PAD, self.pictures.picture(k))
            label = QRect(x, y + self.PAD + size.height() + 1, width, caption)
            painter.drawText(label, Qt.AlignHCenter | Qt.AlignTop,
                             self.fontMetrics().elidedText(self.pictures.label(k), Qt.ElideRight, width - 4))
        painter.end()
        self.painted = range(first, last)


class ImageGrid(QWidget):
    """The pictures of the data in use; ``available`` while the project's Input is an image of it."""

    availability_changed = Signal(bool)

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.available = False
        self.summary = QLabel()
        self.summary.setStyleSheet(f"color: {style.theme().muted_text.name()};")
        self.label_filter = QComboBox()
        self.label_filter.setToolTip("Show the images of one label only")
        self.label_filter.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.pictures = SamplePictures()
        self.view = GridView(self.pictures)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        self.filter_caption = QLabel("Label")
        top.addWidget(self.filter_caption)
        top.addWidget(self.label_filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 8, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self.setMinimumSize(68, 68)  # no taller than the dock's other pages: a low dock squeezes the grid
        self.label_filter.currentIndexChanged.connect(lambda _: self._filter())
        document.dataset_changed.connect(self.refresh)
        document.validated.connect(self.refresh)
        document.project_replaced.connect(self.refresh)
        self.refresh()

    def refresh(self, *_) -> None:
        """Follow the data in use and the Input's shape (after an edit, an undo, a load)."""
        document, ds = self.document, self.document.dataset
        shape = image_shape(document.graph, document.analysis.shapes, ds) if ds is not None else None
        if shape is None:
            if self.pictures.dataset is not None:
                self.pictures.show(None, None)
                self.view.reset()
        elif ds is not self.pictures.dataset or shape != self.pictures.shape:
            self._fill_filter(ds)
            self._show(ds, shape)
        if (shape is not None) != self.available:
            self.available = shape is not None
            self.availability_changed.emit(self.available)

    def _fill_filter(self, ds) -> None:
        self.label_filter.blockSignals(True)
        self.label_filter.clear()
        self.label_filter.addItem("All", ALL)
        for k, name in enumerate(ds.class_names):
            self.label_filter.addItem(name, k)
        self.label_filter.blockSignals(False)
        classes = ds.task == "classification"
        self.label_filter.setVisible(classes)
        self.filter_caption.setVisible(classes)

    def _rows(self, ds) -> np.ndarray | None:
        k = self.label_filter.currentData()
        return None if k in (None, ALL) else np.flatnonzero(ds.y == k)

    def _filter(self) -> None:
        if self.pictures.dataset is not None:
            self._show(self.pictures.dataset, self.pictures.shape)

    def _show(self, ds, shape: tuple[int, int, int]) -> None:
        self.pictures.show(ds, shape, self._rows(ds))
        self.view.reset()
        self._show_summary()

    def _show_summary(self) -> None:
        ds, shape = self.pictures.dataset, self.pictures.shape
        channels, height, width = shape
        kind = "" if channels == 1 else f", {channels} channels"
        shown = len(self.pictures)
        of = f"{shown:,} of {ds.n_samples:,}" if shown != ds.n_samples else f"{shown:,}"
        self.summary.setText(f"{of} images of {height}×{width}{kind} — the rows as the Input reads them")


def add_images_tab(panel) -> ImageGrid:
    """An Images tab in the Dataset dock (``panel``: the DatasetPanel), shown while the Input is an image."""
    grid = ImageGrid(panel.document)
    panel.tabs.addTab(grid, "Images")

    def follow(available: bool) -> None:
        panel.tabs.setTabVisible(panel.tabs.indexOf(grid), available)

    grid.availability_changed.connect(follow)
    follow(grid.available)
    return grid

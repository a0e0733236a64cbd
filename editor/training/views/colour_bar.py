"""A colour bar: the scale of the images it colours, with numbers and a label.

pyqtgraph's ColorBarItem is a whole PlotItem (a view box, four axes, two menus): 25–35 ms to build,
and the Weights view alone builds two of them when the data arrives. This one shows what a
non-interactive ColorBarItem shows — the map as a strip in a frame, the numbers to its right, the label
to its left — from a pixmap and two axes, in about a tenth of that.
"""
from __future__ import annotations

import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsWidget

from .. import colors

NUMBERS_WIDTH = 45  # room for "-0.25" beside the strip


class _Strip(QGraphicsWidget):
    """The colour map painted from its low end (bottom) to its high end (top), framed."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.pixmap = QPixmap()
        self.setMinimumWidth(width)
        self.setMaximumWidth(width)

    def paint(self, painter, option, widget=None) -> None:
        rect = QRectF(0, 0, self.size().width(), self.size().height())
        painter.drawPixmap(rect, self.pixmap, QRectF(self.pixmap.rect()))
        painter.setPen(pg.mkPen(colors.foreground(), cosmetic=True))
        painter.setBrush(Qt.NoBrush)
        painter.drawRect(rect)


class ColourBar(pg.GraphicsWidget):
    """The images given to ``setImageItem`` take this bar's colour map and levels."""

    def __init__(self, label: str, cmap: pg.ColorMap, levels: tuple[float, float] = (-1.0, 1.0),
                 width: int = 12) -> None:
        super().__init__()
        self._images: list[weakref.ref] = []
        self._levels = (float(levels[0]), float(levels[1]))
        self._cmap = cmap
        self.strip = _Strip(width)
        self.axis = pg.AxisItem("right")  # the numbers
        self.axis.setWidth(NUMBERS_WIDTH)
        self.title = pg.AxisItem("left", showValues=False)  # the label, written up the strip's side
        self.title.setTicks([])
        for axis in (self.axis, self.title):
            axis.enableAutoSIPrefix(False)
        self.title.setLabel(label)
        layout = QGraphicsGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(0)
        for column, item in enumerate((self.title, self.strip, self.axis)):
            layout.addItem(item, 0, column)
        self.apply_theme()
        self._update(colour_map=True)

    def apply_theme(self) -> None:
        fg = colors.foreground()
        for axis in (self.axis, self.title):
            axis.setPen(pg.mkPen(fg))
            axis.setTextPen(pg.mkPen(fg))
        self.strip.update()

    @property
    def label(self) -> str:
        return self.title.labelText

    def setImageItem(self, images, insert_in: pg.PlotItem | None = None) -> None:
        """Colour ``images`` (an ImageItem or a list of them) by this bar; ``insert_in``: stand at the
        right of that plot, in its own layout."""
        images = images if isinstance(images, (list, tuple)) else [images]
        self._images = [weakref.ref(image) for image in images]
        if insert_in is not None:
            insert_in.layout.addItem(self, 2, 5)  # after the plot's right-hand axis
            insert_in.layout.setColumnFixedWidth(4, 5)
        self._update(colour_map=True)

    def setColorMap(self, cmap: pg.ColorMap) -> None:
        self._cmap = cmap
        self._update(colour_map=True)

    def colorMap(self) -> pg.ColorMap:
        return self._cmap

    def setLevels(self, levels: tuple[float, float]) -> None:
        low, high = float(levels[0]), float(levels[1])
        self._levels = (low, high) if low <= high else ((low + high) / 2,) * 2
        self._update()

    def levels(self) -> tuple[float, float]:
        return self._levels

    def _update(self, colour_map: bool = False) -> None:
        self.axis.setRange(*self._levels)
        if colour_map:
            table = np.ascontiguousarray(self._cmap.getLookupTable(nPts=256, alpha=True)[::-1, None, :])
            image = QImage(table.data, 1, 256, 4, QImage.Format_RGBA8888)
            self.strip.pixmap = QPixmap.fromImage(image)  # copies the table's pixels
            self.strip.update()
        for ref in self._images:
            image = ref()
            if image is not None:
                image.setLevels(self._levels)
                if colour_map:
                    image.setColorMap(self._cmap)

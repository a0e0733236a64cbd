"""The scatter preview of a dataset, and the plane one draws points on.

One ScatterPlotItem is created per plot and only ever updated with ``setData`` (pyqtgraph's
own advice): moving a slider regenerates a few hundred points and repaints, nothing more.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen

from .. import style
from ..training import colors

POINT_SIZE = 7
DRAW_RANGE = 1.5  # the drawing plane spans [-1.5, 1.5]² (the toy problems' scale) or more


def class_brushes(n: int) -> list[QBrush]:
    return [QBrush(QColor(colors.CLASS_COLOURS[k % len(colors.CLASS_COLOURS)])) for k in range(max(n, 1))]


def value_brushes(values: np.ndarray) -> list[QBrush]:
    low, high = float(np.min(values)), float(np.max(values))
    scaled = (values - low) / (high - low) if high > low else np.full_like(values, 0.5)
    rgba = colors.sequential().map(scaled.astype(np.float64), mode="byte")
    return [QBrush(QColor(int(r), int(g), int(b))) for r, g, b, _ in rgba]


class ScatterPreview(pg.PlotWidget):
    """A dataset's first two features, coloured by class or by target value; one feature: y over x."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background=colors.background())
        self.setMinimumHeight(150)
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.showGrid(x=True, y=True, alpha=0.15)
        colors.style_plot(plot)
        self.outline = QPen(QColor(255, 255, 255, 160) if not style.theme().dark else QColor(0, 0, 0, 120), 0.6)
        self.scatter = pg.ScatterPlotItem(size=POINT_SIZE, pen=self.outline, pxMode=True)
        plot.addItem(self.scatter)
        self.message = pg.TextItem("", anchor=(0.5, 0.5), color=colors.foreground())
        plot.addItem(self.message, ignoreBounds=True)
        self.legend_text = ""

    def changeEvent(self, event) -> None:
        # A runtime theme switch sets a new application palette; Qt posts a PaletteChange to every widget.
        super().changeEvent(event)
        plot = self.getPlotItem()
        if event.type() == QEvent.PaletteChange and plot is not None and hasattr(self, "message"):
            self.setBackground(colors.background())
            colors.style_plot(plot)
            for name in ("bottom", "left"):
                plot.setLabel(name, plot.getAxis(name).labelText, color=colors.foreground())
            self.message.setColor(colors.foreground())

    def set_axis_names(self, x: str, y: str) -> None:
        plot = self.getPlotItem()
        plot.setLabel("bottom", x, color=colors.foreground())
        plot.setLabel("left", y, color=colors.foreground())

    def show_dataset(self, dataset) -> None:
        """Plot ``dataset`` (or clear with None)."""
        if dataset is None or dataset.n_features == 0:
            self.scatter.setData([], [])
            return
        x = dataset.x
        if dataset.n_features == 1:
            xs, ys = x[:, 0], dataset.y[:, 0] if dataset.task == "regression" else dataset.y.astype(float)
            self.set_axis_names(dataset.feature_names[0], dataset.target_names[0])
            brushes = QBrush(QColor(colors.POSITIVE))
        else:
            xs, ys = x[:, 0], x[:, 1]
            self.set_axis_names(dataset.feature_names[0], dataset.feature_names[1])
            if dataset.task == "classification":
                palette = class_brushes(dataset.n_classes)
                brushes = [palette[k] for k in dataset.y]
            else:
                brushes = value_brushes(dataset.y[:, 0])
        self.scatter.setData(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), brush=brushes)
        self.message.setText("")
        plot = self.getPlotItem()
        plot.setAspectLocked(dataset.n_features >= 2)  # a plane of two features keeps its shape
        plot.enableAutoRange()

    def show_message(self, text: str) -> None:
        self.scatter.setData([], [])
        self.message.setText(text)
        self.message.setPos(0, 0)
        self.getPlotItem().setRange(xRange=(-1, 1), yRange=(-1, 1))


class DrawingPlane(ScatterPreview):
    """Click to add a point of the chosen class; right-click (or Shift+click) removes the nearest."""

    point_added = Signal(float, float)
    point_removed = Signal(float, float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        plot = self.getPlotItem()
        plot.setMouseEnabled(x=False, y=False)
        plot.setAspectLocked(True)
        self.scatter.setSize(POINT_SIZE + 2)
        self.setCursor(Qt.CrossCursor)
        self.set_axis_names("x1", "x2")
        self.set_extent(DRAW_RANGE)
        self.scene().sigMouseClicked.connect(self._clicked)

    def set_extent(self, extent: float) -> None:
        self.getPlotItem().setRange(xRange=(-extent, extent), yRange=(-extent, extent), padding=0)

    def show_points(self, x: np.ndarray, y: np.ndarray, n_classes: int) -> None:
        palette = class_brushes(n_classes)
        if len(x):
            self.scatter.setData(x[:, 0], x[:, 1], brush=[palette[int(k) % len(palette)] for k in y])
            extent = max(DRAW_RANGE, float(np.abs(x).max()) * 1.1)
        else:
            self.scatter.setData([], [])
            extent = DRAW_RANGE
        self.set_extent(extent)

    def plane_point(self, scene_pos: QPointF) -> QPointF | None:
        box = self.getPlotItem().getViewBox()
        if not box.sceneBoundingRect().contains(scene_pos):
            return None
        return box.mapSceneToView(scene_pos)

    def _clicked(self, event) -> None:
        point = self.plane_point(event.scenePos())
        if point is None:
            return
        event.accept()
        remove = event.button() == Qt.RightButton or bool(event.modifiers() & Qt.ShiftModifier)
        if event.button() not in (Qt.LeftButton, Qt.RightButton):
            return
        (self.point_removed if remove else self.point_added).emit(point.x(), point.y())

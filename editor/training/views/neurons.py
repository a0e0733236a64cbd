"""The Neurons view: one unit's output over the input plane."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import (
    QLabel,
    QSpinBox,
)

from .. import colors
from .base import GRID, NodeChooser, View, f32, symmetric


class NeuronsView(View):
    title = "Neurons"
    heavy = True

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.header.addWidget(QLabel("Node"))
        self.chooser = NodeChooser(None)
        self.chooser.currentIndexChanged.connect(self._node_chosen)
        self.header.addWidget(self.chooser)
        self.header.addWidget(QLabel("Unit"))
        self.unit = QSpinBox()
        self.unit.valueChanged.connect(lambda *_: setattr(self, "dirty", True))
        self.header.addWidget(self.unit)
        self.summary = QLabel()
        self.header.addWidget(self.summary, 1)
        self.plot = self.add_plot(0, 0)
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=colors.diverging(), interactive=False, width=12,
                                   colorMapMenu=False, pen=colors.foreground())
        self.bar.setImageItem(self.image, insert_in=self.plot)
        self.points = pg.ScatterPlotItem(size=4, pen=None)
        self.plot.addItem(self.points)
        self._points_for = None

    def apply_theme(self) -> None:
        super().apply_theme()
        self.bar.setColorMap(colors.diverging())

    def _node_chosen(self) -> None:
        info = self.session.info
        node = self.chooser.currentText()
        if info is not None and node in info.shapes:
            self.unit.setRange(0, max(info.shapes[node][0] - 1, 0))
        self.dirty = True

    def refresh(self) -> None:
        s, info = self.session, self.session.info
        if info is None:
            self.show_message(s.reason or "No model yet.")
            return
        if info.n_features != 2:
            self.show_message(f"Each neuron's output over the input plane needs a dataset with two input features; "
                              f"this one has {info.n_features}.")
            return
        nodes = info.nodes
        if [self.chooser.itemText(i) for i in range(self.chooser.count())] != nodes:
            self.chooser.fill(nodes)
            if not self.chooser.follow(self.hub.selected) and info.weights:
                self.chooser.setCurrentText(next(iter(info.weights)))
            self._node_chosen()
        if s.detail is None or s.detail.parameters is None:
            self.show_message("Neurons appear after the first step.")
            return
        grid = self.hub.plane()
        node = self.chooser.currentText()
        if grid is None or node not in grid[0]:
            return
        self.show_plots()
        values, rect = grid
        v = values[node]
        unit = min(self.unit.value(), v.shape[1] - 1)
        z = v[:, unit].reshape(GRID, GRID)
        m = symmetric(z)
        self.image.setImage(f32(z), levels=(-m, m), autoLevels=False)
        self.bar.setLevels((-m, m))
        self.image.setRect(rect)
        if self._points_for is not info:
            self._points_for = info
            if info.task == "classification":
                brushes = [pg.mkBrush(colors.class_colour(int(c)).lighter(100)) for c in info.y_train]
            else:
                brushes = pg.mkBrush(colors.foreground())
            self.points.setData(info.x_train[:, 0], info.x_train[:, 1], brush=brushes)
            self.plot.setRange(rect, padding=0)
        self.summary.setText(f"{node}, unit {unit}: from {z.min():.3g} to {z.max():.3g}")

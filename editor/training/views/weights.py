"""The Weights view: the chosen node's weights and bias, and their distribution over time."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import (
    QLabel,
)

from .. import colors
from .base import NodeChooser, View, f32, index_ticks, symmetric


class WeightsView(View):
    title = "Weights"

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.header.addWidget(QLabel("Dense node"))
        self.chooser = NodeChooser(None)
        self.chooser.currentIndexChanged.connect(self._mark)
        self.header.addWidget(self.chooser)
        self.summary = QLabel()
        self.header.addWidget(self.summary, 1)
        cmap = colors.diverging()
        self.w_plot = self.add_plot(0, 0, "W: inputs (rows) → units (columns)")
        self.w_plot.invertY(True)
        self.w_plot.setAspectLocked(False)
        self.w_image = pg.ImageItem(axisOrder="row-major")
        self.w_plot.addItem(self.w_image)
        self.b_plot = self.add_plot(1, 0, "bias")
        self.b_plot.getAxis("left").setTicks([[]])
        self.b_plot.setXLink(self.w_plot)
        self.b_image = pg.ImageItem(axisOrder="row-major")
        self.b_plot.addItem(self.b_image)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=cmap, interactive=False, width=12, colorMapMenu=False,
                                   pen=colors.foreground())
        self.bar.setImageItem([self.w_image, self.b_image], insert_in=self.w_plot)
        self.h_plot = self.add_plot(0, 1, "Weights over time", rowspan=2)
        self.h_plot.setLabel("bottom", "epoch")
        self.h_image = pg.ImageItem(axisOrder="row-major")
        self.h_image.setColorMap(colors.density())
        self.h_plot.addItem(self.h_image)
        layout = self.graphics.ci.layout
        layout.setRowStretchFactor(0, 6)
        layout.setRowStretchFactor(1, 1)
        layout.setColumnStretchFactor(0, 3)
        layout.setColumnStretchFactor(1, 2)
        self._shape = None

    def _mark(self) -> None:
        self.dirty = True

    def apply_theme(self) -> None:
        super().apply_theme()
        self.bar.setColorMap(colors.diverging())
        self.h_image.setColorMap(colors.density())

    def refresh(self) -> None:
        s, info, detail = self.session, self.session.info, self.session.detail
        weighted = list(info.weights) if info is not None else []
        if not weighted:
            self.show_message(s.reason or "The network has no node with weights (Dense, Maxout, Conv2D): "
                                          "its weights would show here.")
            return
        if [self.chooser.itemText(i) for i in range(self.chooser.count())] != weighted:
            self.chooser.fill(weighted)
            self.chooser.follow(self.hub.selected)
        node = self.chooser.currentText()
        if detail is None or detail.parameters is None or info.weights.get(node) not in detail.parameters:
            self.show_message("Weights appear after the first step.")
            return
        self.show_plots()
        w = detail.parameters[info.weights[node]]
        if w.ndim > 2:  # a convolution's (filters, channels, kh, kw): one column per filter
            w = w.reshape(len(w), -1).T
        b = detail.parameters.get(f"{node}.bias")
        m = max(symmetric(w), symmetric(b) if b is not None else 0.0)
        self.w_image.setImage(f32(w), levels=(-m, m), autoLevels=False)
        if b is not None:
            self.b_image.setImage(f32(b.reshape(1, -1)), levels=(-m, m), autoLevels=False)
        self.b_image.setVisible(b is not None)
        self.bar.setLevels((-m, m))
        if self._shape != w.shape:
            self._shape = w.shape
            self.w_plot.setLabel("left", f"input ({w.shape[0]})")
            self.b_plot.setLabel("bottom", f"unit ({w.shape[1]})")
            self.w_plot.setRange(xRange=(0, w.shape[1]), yRange=(0, w.shape[0]), padding=0)
            info = self.session.info
            first = w.shape[0] == info.n_features
            index_ticks(self.w_plot.getAxis("left"), w.shape[0], info.feature_names if first else None)
            index_ticks(self.w_plot.getAxis("bottom"), w.shape[1])
            index_ticks(self.b_plot.getAxis("bottom"), w.shape[1])
            self.b_plot.setYRange(0, 1, padding=0)
        self.summary.setText(
            f"{w.shape[0]}×{w.shape[1]} weights · |w| mean {np.abs(w).mean():.3g}, max {np.abs(w).max():.3g}"
        )
        self._histogram_over_time(info.weights[node])

    def _histogram_over_time(self, name: str) -> None:
        s = self.session
        series = s.weight_samples.get(name, [])
        pairs = [(x, v) for x, v in zip(s.weight_x, series) if v is not None]
        if len(pairs) < 2:
            self.h_image.setVisible(False)
            return
        xs = np.array([p[0] for p in pairs])
        m = max(symmetric(p[1]) for p in pairs)
        bins = 48
        edges = np.linspace(-m, m, bins + 1)
        image = np.empty((bins, len(pairs)), dtype=np.float32)
        for j, (_, values) in enumerate(pairs):
            counts, _ = np.histogram(values, edges)
            image[:, j] = counts / max(counts.max(), 1)
        self.h_image.setVisible(True)
        self.h_image.setImage(np.ascontiguousarray(image), levels=(0.0, 1.0), autoLevels=False)
        x0, x1 = float(xs[0]), float(xs[-1])
        self.h_image.setRect(QRectF(x0, -m, max(x1 - x0, 1e-6), 2 * m))
        self.h_plot.setLabel("left", "weight value")

"""The Weights view: the chosen node's weights — as a matrix with its bias, or, when the node looks at an
image (a dense layer after an image input, a convolution), each unit's incoming weights as a small image in a
grid — on one symmetric diverging scale, and their distribution over time."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsRectItem

from .. import colors
from ..units import input_image_shape, mosaic, weight_tiles
from ...elided_label import ElidedLabel
from .base import View, colour_bar, f32, histogram_columns, index_ticks, symmetric


class WeightsView(View):
    title = "Weights"

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.chooser = self.add_node_chooser()
        self.summary = ElidedLabel()
        self.header.addWidget(self.summary, 1)
        self.mode: str | None = None  # the weights side's layout: "matrix" or "images"
        self.h_plot: pg.PlotItem | None = None  # the history side, built once
        self._weight_plots: list[pg.PlotItem] = []
        self._to_build: list = []  # the parts still to build, one per turn of the hub
        self.tiles: np.ndarray | None = None  # images mode: (units, channels, height, width), as drawn
        self._shape = None
        self._histogram_key: tuple | None = None

    def apply_theme(self) -> None:
        super().apply_theme()
        self.graphics.clear()  # both sides built again in the theme's colours
        self.mode = self.h_plot = None
        self._weight_plots, self._to_build = [], []

    def clear(self) -> None:
        self.mode = None

    # ---- the two sides: the weights as they are (a matrix, or images), and their distribution over time ----
    # Built a part per turn of the hub: the three plots and two bars built together held the window 0.1-0.15 s
    # when a big project's data arrived. The history side stays when the weights' layout changes.
    def _parts_to_build(self, mode: str) -> list:
        parts = [self._build_history] if self.h_plot is None else []
        parts.append(lambda: self._build(mode))
        if mode == "matrix":
            parts.append(self._build_bias)
        return parts

    def _build_history(self) -> None:
        self.h_plot = self.add_plot(0, 1, "Weights over time", rowspan=2)
        self.h_plot.setLabel("bottom", "epoch")
        self.h_plot.setLabel("left", "weight value")
        self.h_image = pg.ImageItem(axisOrder="row-major")
        self.h_plot.addItem(self.h_image)
        self.h_bar = colour_bar("relative count", colors.density())
        self.h_bar.setImageItem(self.h_image, insert_in=self.h_plot)
        self.h_bar.setLevels((0.0, 1.0))
        layout = self.graphics.ci.layout
        layout.setRowStretchFactor(0, 6)
        layout.setRowStretchFactor(1, 1)
        layout.setColumnStretchFactor(0, 3)
        layout.setColumnStretchFactor(1, 2)
        self._histogram_key = None

    def _build(self, mode: str) -> None:
        """The weights side (its bias, for a matrix, in ``_build_bias``)."""
        for plot in self._weight_plots:
            self.graphics.removeItem(plot)
        self._shape = None
        if mode == "matrix":
            self.w_plot = self.add_plot(0, 0, "W: inputs (rows) → units (columns)")
            self.w_plot.invertY(True)
        else:
            self.w_plot = self.add_plot(0, 0, "Incoming weights of units 0, 1, … row by row", rowspan=2)
            self.w_plot.invertY(True)
            self.w_plot.setAspectLocked(True)
            for name in ("left", "bottom"):  # a grid of pictures: its pixel numbers would mean nothing
                self.w_plot.hideAxis(name)
        self.w_image = pg.ImageItem(axisOrder="row-major")
        self.w_plot.addItem(self.w_image)
        self._weight_plots = [self.w_plot]
        self.bar = colour_bar("weight")
        self.bar.setImageItem([self.w_image], insert_in=self.w_plot)
        self.highlight = QGraphicsRectItem()
        self.highlight.setPen(pg.mkPen(colors.selection(), width=2.5, cosmetic=True))
        self.highlight.setZValue(10)
        self.highlight.hide()
        self.w_plot.addItem(self.highlight, ignoreBounds=True)

    def _build_bias(self) -> None:
        self.b_plot = self.add_plot(1, 0, "bias")
        self.b_plot.setLabel("left", "bias")
        self.b_plot.getAxis("left").setTicks([[(0.5, "b")]])
        self.b_plot.setXLink(self.w_plot)
        self.b_image = pg.ImageItem(axisOrder="row-major")
        self.b_plot.addItem(self.b_image)
        self.bar.setImageItem([self.w_image, self.b_image], insert_in=None)
        self._weight_plots.append(self.b_plot)

    # ---- drawing -------------------------------------------------------------------------------------------
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
        w = detail.parameters[info.weights[node]]
        model = s.view_model
        image = input_image_shape(node, model.sources, info.shapes) if model is not None else None
        tiles = weight_tiles(w, image)
        mode = "matrix" if tiles is None else "images"
        if mode != self.mode:
            self.mode, self._to_build = mode, self._parts_to_build(mode)
        if self._to_build:
            self._to_build.pop(0)()
            self.dirty = True  # the next part, or the drawing, in the next turn
            return
        self.show_plots()
        if tiles is None:
            self.tiles = None
            self._draw_matrix(node, w if w.ndim == 2 else w.reshape(len(w), -1).T)
        else:
            self.tiles = tiles
            self._draw_tiles(tiles)
        self._histogram_over_time(info.weights[node])
        self.span_the_run(self.h_plot)

    def _selected_unit(self) -> int | None:
        chosen = self.hub.selected_unit
        return chosen[1] if chosen and chosen[0] == self.chooser.currentText() else None

    def _draw_matrix(self, node: str, w: np.ndarray) -> None:
        b = self.session.detail.parameters.get(f"{node}.bias")
        m = max(symmetric(w), symmetric(b) if b is not None else 0.0)
        self.w_image.setImage(f32(w), levels=(-m, m), autoLevels=False)
        if b is not None:
            self.b_image.setImage(f32(b.reshape(1, -1)), levels=(-m, m), autoLevels=False)
        self.b_image.setVisible(b is not None)
        self.bar.setLevels((-m, m))
        if self._shape != w.shape:
            self._shape = w.shape
            self.w_plot.setLabel("left", f"input ({w.shape[0]})")
            self.w_plot.setLabel("bottom", f"unit ({w.shape[1]})")
            self.b_plot.setLabel("bottom", f"unit ({w.shape[1]})")
            self.w_plot.setRange(xRange=(0, w.shape[1]), yRange=(0, w.shape[0]), padding=0)
            info = self.session.info
            first = w.shape[0] == info.n_features
            index_ticks(self.w_plot.getAxis("left"), w.shape[0], info.feature_names if first else None)
            index_ticks(self.w_plot.getAxis("bottom"), w.shape[1])
            index_ticks(self.b_plot.getAxis("bottom"), w.shape[1])
            self.b_plot.setYRange(0, 1, padding=0)
        unit = self._selected_unit()
        if unit is not None and unit < w.shape[1]:
            self.highlight.setRect(QRectF(unit, 0, 1, w.shape[0]))
        self.highlight.setVisible(unit is not None and unit < w.shape[1])
        self.summary.setText(
            f"{w.shape[0]}×{w.shape[1]} weights · |w| mean {np.abs(w).mean():.3g}, max {np.abs(w).max():.3g}"
        )

    def _draw_tiles(self, tiles: np.ndarray) -> None:
        n, channels, height, width = tiles.shape
        area = max(self.graphics.width() * 0.55, 1) / max(self.graphics.height() - 30, 1)  # the grid's share
        columns = min(n, math.ceil(math.sqrt(n * area * height / (channels * width + channels - 1))))
        picture, corners = mosaic(tiles, columns)
        m = symmetric(tiles)
        self.w_image.setImage(picture, levels=(-m, m), autoLevels=False)
        self.bar.setLevels((-m, m))
        if self._shape != tiles.shape:
            self._shape = tiles.shape
            self.w_plot.setRange(xRange=(0, picture.shape[1]), yRange=(0, picture.shape[0]), padding=0.02)
        unit = self._selected_unit()
        if unit is not None and unit < n:
            x, y = corners[unit]
            self.highlight.setRect(QRectF(x - 0.5, y - 0.5, channels * width + channels, height + 1))
        self.highlight.setVisible(unit is not None and unit < n)
        shape = "×".join(map(str, tiles.shape[1:] if channels > 1 else tiles.shape[2:]))
        self.summary.setText(f"{n} units, each a {shape} image of weights · |w| mean {np.abs(tiles).mean():.3g}, "
                             f"max {np.abs(tiles).max():.3g}")

    def _histogram_over_time(self, name: str) -> None:
        s = self.session
        series = s.weight_samples.get(name, [])
        pairs = [(x, v) for x, v in zip(s.weight_x, series) if v is not None]
        if not pairs:
            self.h_image.setVisible(False)
            return
        key = (name, len(pairs), id(pairs[0][1]), id(pairs[-1][1]))
        if key == self._histogram_key:  # no new snapshot since the last redraw
            return
        self._histogram_key = key
        image, m = histogram_columns([v for _, v in pairs], bins=48)
        self.h_image.setVisible(True)
        self.h_image.setImage(image, levels=(0.0, 1.0), autoLevels=False)
        x0, x1 = float(pairs[0][0]), float(pairs[-1][0])
        if len(pairs) == 1:  # one snapshot (a saved project, or the first step): one epoch wide, centred on it
            x0, x1 = x0 - 0.5, x0 + 0.5
        self.h_image.setRect(QRectF(x0, -m, max(x1 - x0, 1e-6), 2 * m))

"""The Gradients view: each layer's gradient norm over time, on a log scale."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from .. import colors
from .base import LEGEND_ROWS, View, legend, strided


class DecadeAxis(pg.AxisItem):
    """A log axis with ticks at whole decades only: labels at 2…9 between them overlap."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        decades = [(spacing, values) for spacing, values in stdTicks if spacing >= 1]
        if not decades:  # a range of about one decade: pyqtgraph's own ticks are all finer than that
            decades = [(1.0, [float(v) for v in range(math.ceil(minVal), math.floor(maxVal) + 1)])]
        return decades


class GradientsView(View):
    title = "Gradients"

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.note = QLabel("Gradient norm of each layer's parameters (log scale): vanishing gradients sink, "
                           "exploding ones climb.", wordWrap=True)
        self.header.addWidget(self.note, 1)
        self.plot = self.add_plot(0, 0, axisItems={"left": DecadeAxis("left")})
        self.plot.setLogMode(y=True)
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "‖gradient‖")
        # A norm of exactly 0 (a dead layer) has no place on a log axis: it is drawn on this line.
        self.zero_line = pg.InfiniteLine(angle=0, movable=False, label="0 (no gradient)",
                                         labelOpts={"position": 0.04, "anchors": [(0, 1), (0, 1)]})
        self.zero_line.setVisible(False)
        self.plot.addItem(self.zero_line)
        self.legend = legend()
        self.graphics.addItem(self.legend, row=0, col=1)
        self.graphics.ci.layout.setAlignment(self.legend, Qt.AlignTop)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.apply_theme()

    def apply_theme(self) -> None:
        super().apply_theme()
        self.note.setStyleSheet(f"color: {colors.foreground()};")
        self.legend.setLabelTextColor(colors.foreground())
        self.zero_line.setPen(pg.mkPen(colors.foreground(), width=1, style=Qt.DotLine))
        self.zero_line.label.setColor(colors.foreground())
        self.clear()  # the curves are made again in the theme's colours

    def clear(self) -> None:
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        self.legend.clear()
        self.curves = {}

    def _colours(self, nodes: list[str]) -> dict[str, str]:
        """A hue family per branch of the graph (lesson 10's sigmoid and ReLU towers), in the nodes' order."""
        model, info = self.session.view_model, self.session.info
        branch = colors.branches(info.order, model.sources) if model is not None and info is not None else {}
        groups: dict[int, list[str]] = {}
        for node in nodes:
            groups.setdefault(branch.get(node, -1), []).append(node)
        colours = colors.families(list(groups.values()))
        return {node: colours[node] for node in nodes}

    def refresh(self) -> None:
        s = self.session
        records = s.grad_records
        if not records:
            self.show_message(s.reason or "Gradient norms appear while training runs.")
            return
        self.show_plots()
        order = s.info.order if s.info else []
        nodes = sorted(dict.fromkeys(n for r in records for n in r[1]),
                       key=lambda n: order.index(n) if n in order else len(order))
        if list(self.curves) != nodes:
            self.clear()
            for node, colour in self._colours(nodes).items():
                self.curves[node] = self.plot.plot(pen=pg.mkPen(colour, width=2))
                self.legend.addItem(self.curves[node], node)
            self.legend.setColumnCount(math.ceil(len(nodes) / LEGEND_ROWS))
        xs = np.array([r[0] for r in records])
        norms = np.array([[r[1].get(node, np.nan) for node in nodes] for r in records], dtype=float)
        positive = norms[np.isfinite(norms) & (norms > 0)]
        top = math.ceil(math.log10(positive.max())) if positive.size else 0
        bottom = math.floor(math.log10(positive.min())) if positive.size else top - 1
        zero = norms == 0
        if zero.any():
            bottom -= 1
            norms[zero] = 10.0 ** bottom
        self.zero_line.setVisible(bool(zero.any()))
        self.zero_line.setPos(bottom)
        dots = len(records) < 3  # a line needs points to join: the first ones (and a saved project's one) are dots
        for node, ys in zip(nodes, norms.T):
            keep = np.isfinite(ys)
            curve = self.curves[node]
            if (curve.opts["symbol"] is not None) != dots:
                curve.setSymbol("o" if dots else None)
                curve.setSymbolBrush(curve.opts["pen"].color())
                curve.setSymbolPen(None)
                curve.setSymbolSize(7)
            curve.setData(*strided(xs[keep], ys[keep]))
        self.span_the_run(self.plot)
        # Whole decades from end to end: there are always decade ticks to read.
        self.plot.setYRange(bottom, max(top, bottom + 1), padding=0.03)

"""The Activations view: a node's outputs on the probe batch, and their histogram; for an image node,
the feature maps of one probe sample, channel by channel."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QSpinBox

from .. import colors
from ...elided_label import ElidedLabel
from .base import View, colour_bar, f32, finite, histogram, index_ticks, mosaic, symmetric

RELU_LIKE = ("relu",)
NON_NEGATIVE = ("relu", "sigmoid", "softmax", "softplus", "relu6", "hard_sigmoid")


class ActivationsView(View):
    title = "Activations"

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.chooser = self.add_node_chooser()
        self.sample_label = QLabel("Sample")
        self.sample = QSpinBox(minimum=1)
        self.sample.setToolTip("Which sample of the probe batch the feature maps show")
        self.sample.valueChanged.connect(lambda *_: setattr(self, "dirty", True))
        self.header.addWidget(self.sample_label)
        self.header.addWidget(self.sample)
        self.summary = ElidedLabel()
        self.header.addWidget(self.summary, 1)
        # A short title: a plot is never narrower than its title, and the histogram needs the room.
        self.a_plot = self.add_plot(0, 0, "Outputs on the probe batch")
        self.a_plot.invertY(True)
        self.a_image = pg.ImageItem(axisOrder="row-major")
        self.a_plot.addItem(self.a_image)
        self.bar = colour_bar("output")
        self.bar.setImageItem(self.a_image, insert_in=self.a_plot)
        self.h_plot = self.add_plot(0, 1, "Histogram")
        self.h_plot.setLabel("bottom", "output value")
        self.h_plot.setLabel("left", "count")
        self.h_curve = self.h_plot.plot(stepMode="center", fillLevel=0, pen=pg.mkPen(colors.POSITIVE, width=1.5),
                                        brush=pg.mkBrush(colors.POSITIVE + "55"))
        layout = self.graphics.ci.layout
        layout.setColumnStretchFactor(0, 3)
        layout.setColumnStretchFactor(1, 2)
        self._signed: bool | None = None
        self._ticked = None

    def apply_theme(self) -> None:
        super().apply_theme()
        self._signed = None  # the colour map is chosen again at the next refresh

    def refresh(self) -> None:
        s, info, detail = self.session, self.session.info, self.session.detail
        if info is None:
            self.show_message(s.reason or "No model yet.")
            return
        nodes = info.nodes
        if [self.chooser.itemText(i) for i in range(self.chooser.count())] != nodes:
            self.chooser.fill(nodes)
            if not self.chooser.follow(self.hub.selected):
                hidden = [n for n in nodes if info.functions.get(n)]
                if hidden:
                    self.chooser.setCurrentText(hidden[0])
        node = self.chooser.currentText()
        if detail is None or not detail.activations or node not in detail.activations:
            self.show_message("Activations appear after the first step.")
            return
        self.show_plots()
        values = detail.activations[node]
        maps = values.ndim == 4
        self.sample_label.setVisible(maps)
        self.sample.setVisible(maps)
        a = values.reshape(len(values), -1)
        function = info.functions.get(node, "")
        signed = not (function in NON_NEGATIVE or (np.nanmin(a) >= 0 if a.size else False))
        if signed != self._signed:
            self._signed = signed
            self.bar.setColorMap(colors.diverging() if signed else colors.sequential())
        top = symmetric(a)
        levels = (-top, top) if signed else (0.0, top)
        if maps:  # one sample's maps on their own scale: the batch's extremes would wash them out
            self.sample.setMaximum(len(values))
            shown_maps = values[self.sample.value() - 1]
            top = symmetric(shown_maps)
            levels = (-top, top) if signed else (0.0, top)
            self._draw_maps(shown_maps, levels)
        else:
            self._draw_batch(a, levels)
        self.bar.setLevels(levels)
        shown = finite(a)
        if shown.size:
            self.h_curve.setData(*histogram(shown))
        text = f"mean {shown.mean():.3g} · std {shown.std():.3g}" if shown.size else ""
        if function in RELU_LIKE:
            dead = int((a <= 0).all(axis=0).sum())
            share = dead / a.shape[1] if a.shape[1] else 0.0
            text += f" · dead ReLU units: {dead} of {a.shape[1]} ({share:.0%})"
        self.summary.setText(text)

    def _draw_batch(self, a: np.ndarray, levels: tuple) -> None:
        """Samples (rows) by units (columns)."""
        self.a_image.setImage(f32(a), levels=levels, autoLevels=False)
        if self._ticked != ("batch", a.shape):
            self._ticked = ("batch", a.shape)
            self.a_plot.setTitle("Outputs on the probe batch", size="9pt")
            self.a_plot.setLabel("left", f"sample ({a.shape[0]})")
            self.a_plot.setLabel("bottom", f"unit ({a.shape[1]})")
            index_ticks(self.a_plot.getAxis("bottom"), a.shape[1])
            index_ticks(self.a_plot.getAxis("left"), a.shape[0])
            self.a_plot.setAspectLocked(False)
            self.a_plot.setRange(xRange=(0, a.shape[1]), yRange=(0, a.shape[0]), padding=0)

    def _draw_maps(self, maps: np.ndarray, levels: tuple) -> None:
        """One sample's channels, each an image of height × width, side by side."""
        tiled = mosaic(maps)
        self.a_image.setImage(tiled, levels=levels, autoLevels=False)
        if self._ticked != ("maps", maps.shape):
            self._ticked = ("maps", maps.shape)
            c, h, w = maps.shape
            self.a_plot.setTitle(f"{c} feature maps of {h}×{w}, one per channel", size="9pt")
            for axis in ("left", "bottom"):
                self.a_plot.getAxis(axis).setTicks([[]])
                self.a_plot.setLabel(axis, "")
            self.a_plot.setAspectLocked(True)
            self.a_plot.setRange(xRange=(0, tiled.shape[1]), yRange=(0, tiled.shape[0]), padding=0.02)

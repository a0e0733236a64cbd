"""The Loss view: training and validation loss per epoch, every batch smoothed, and the metric."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from .. import colors
from .base import View, legend, strided

BATCH_COLOUR = "#9bb7dd"


class LossView(View):
    title = "Loss"

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.header.addStretch(1)
        self.log_box = QCheckBox("Log scale")
        self.log_box.toggled.connect(self._log_toggled)
        self.header.addWidget(self.log_box)
        # No grids on the live plots: a pyqtgraph grid belongs to the axes, which then repaint over the
        # whole plot at every frame (measured: 24 ms to paint this view with grids, 2.5 ms without).
        self.legend = legend(columns=3)  # one row above the plots (part of an exported figure, unlike the header)
        self.graphics.addItem(self.legend, row=0, col=0)
        self.graphics.ci.layout.setAlignment(self.legend, Qt.AlignHCenter)
        self.loss_plot = self.add_plot(1, 0)  # its axis says "loss": no title, the plot keeps the height
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.setLabel("bottom", "epoch")
        self.batch_curve = self.loss_plot.plot(pen=pg.mkPen(BATCH_COLOUR, width=1))
        self.train_curve = self.loss_plot.plot(pen=pg.mkPen(colors.POSITIVE, width=2))
        self.val_curve = self.loss_plot.plot(pen=pg.mkPen(colors.NEGATIVE, width=2))
        for curve, text in ((self.train_curve, "training"), (self.val_curve, "validation"),
                            (self.batch_curve, "each batch, smoothed")):
            self.legend.addItem(curve, text)
        self.metric_plot = self.add_plot(2, 0, "Accuracy")
        self.metric_plot.setXLink(self.loss_plot)
        self.metric_plot.setLabel("bottom", "epoch")
        self.metric_plot.setLabel("left", "accuracy")
        self.metric_train = self.metric_plot.plot(pen=pg.mkPen(colors.POSITIVE, width=2))
        self.metric_val = self.metric_plot.plot(pen=pg.mkPen(colors.NEGATIVE, width=2))
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 2)
        self._ema = np.empty(0)
        self._done = 0
        self._metric_title = "Accuracy"

    def apply_theme(self) -> None:
        super().apply_theme()
        if hasattr(self, "legend"):  # View.__init__ applies the theme before the legend exists
            self.legend.setLabelTextColor(colors.foreground())

    def _log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self.dirty = True

    def clear(self) -> None:
        self._ema = np.empty(0)
        self._done = 0
        for curve in (self.batch_curve, self.train_curve, self.val_curve, self.metric_train, self.metric_val):
            curve.setData([], [])

    def _smoothed(self) -> np.ndarray:
        s = self.session
        losses = s.batch_loss.view
        if len(losses) < self._done:
            self.clear()
        if len(losses) > self._done:
            span = min(200, max(10, s.batches_per_epoch))
            alpha = 2.0 / (span + 1)
            new = losses[self._done :]
            out = np.empty(len(new))
            value = self._ema[-1] if len(self._ema) else new[0]
            for i, v in enumerate(new.tolist()):
                if math.isfinite(v):
                    value += alpha * (v - value)
                out[i] = value
            self._ema = np.concatenate([self._ema, out])
            self._done = len(losses)
        return self._ema

    def refresh(self) -> None:
        s = self.session
        h = s.history
        if not h.get("loss") and not s.batch_loss.size:
            self.show_message(s.reason or "Press Train to see the loss fall.\nTraining and validation loss per epoch, "
                                          "and the loss of every batch, smoothed.")
            return
        self.show_plots()
        ema = self._smoothed()
        if len(ema):
            self.batch_curve.setData(*strided(s.batch_x.view, ema))
        for key, curve in (("loss", self.train_curve), ("val_loss", self.val_curve)):
            values = h.get(key, [])
            curve.setData(*strided(np.arange(1, len(values) + 1, dtype=float), np.asarray(values, dtype=float)))
        regression = "r2" in h
        title = "R² (1 is perfect)" if regression else "Accuracy"
        if title != self._metric_title:  # a new title re-lays out (and repaints) the whole view
            self._metric_title = title
            self.metric_plot.setTitle(title, size="9pt")
            self.metric_plot.setLabel("left", "R²" if regression else "accuracy")
        for key, curve in ((("r2" if regression else "accuracy"), self.metric_train),
                           (("val_r2" if regression else "val_accuracy"), self.metric_val)):
            values = h.get(key, [])
            curve.setData(*strided(np.arange(1, len(values) + 1, dtype=float), np.asarray(values, dtype=float)))

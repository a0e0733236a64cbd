"""The Loss view: training and validation loss per epoch, every batch smoothed, and the metric.

It draws the current run, the runs checked in the Runs panel in their own colours (a legend says
which is which), the events of the current run ("lr 0.03 → 0.3") as marked epochs, and the epoch
the timeline shows. Hovering a curve reads out its epoch and value.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox


from .. import colors
from ..runs_panel import run_colour
from .base import View, legend, strided

BATCH_COLOUR = "#9bb7dd"
EPOCH_DOTS_UP_TO = 30  # an epoch's values are dotted while this few: one epoch alone draws no line


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
        self.train_curve = self._epoch_curve(self.loss_plot, colors.POSITIVE)
        self.val_curve = self._epoch_curve(self.loss_plot, colors.NEGATIVE)
        for curve, text in ((self.train_curve, "training"), (self.val_curve, "validation"),
                            (self.batch_curve, "each batch, smoothed")):
            self.legend.addItem(curve, text)
        self.metric_plot = self.add_plot(2, 0, "Accuracy")
        self.metric_plot.setXLink(self.loss_plot)
        self.metric_plot.setLabel("bottom", "epoch")
        self.metric_plot.setLabel("left", "accuracy")
        self.metric_train = self._epoch_curve(self.metric_plot, colors.POSITIVE)
        self.metric_val = self._epoch_curve(self.metric_plot, colors.NEGATIVE)
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 2)
        self.runs_legend = pg.LegendItem(offset=(-10, 10), labelTextSize="8pt", verSpacing=-6)
        self.runs_legend.setParentItem(self.loss_plot.vb)
        self.others: dict[int, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}  # run id -> its loss curves
        self.markers: list[pg.InfiniteLine] = []  # the current run's events
        self.shown_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(colors.foreground(), width=1.5))
        self.shown_line.setVisible(False)
        self.loss_plot.addItem(self.shown_line, ignoreBounds=True)
        self.readout = pg.TextItem(anchor=(0, 1), color=colors.foreground())
        self.readout.setVisible(False)
        self.loss_plot.addItem(self.readout, ignoreBounds=True)
        self.loss_plot.scene().sigMouseMoved.connect(self._hover)
        self._ema = np.empty(0)
        self._done = 0
        self._metric_title = "Accuracy"
        self._compared: tuple = ()

    @staticmethod
    def _epoch_curve(plot: pg.PlotItem, colour: str) -> pg.PlotDataItem:
        """A curve of per-epoch values (its dots shown by ``_show_epochs`` while they are few)."""
        return plot.plot(pen=pg.mkPen(colour, width=2), symbolSize=6, symbolBrush=colour, symbolPen=None)

    def _show_epochs(self, curve: pg.PlotDataItem, values: list[float], first: int) -> None:
        x, y = self._curve(values, first)
        dots = "o" if len(x) <= EPOCH_DOTS_UP_TO else None
        if curve.opts["symbol"] != dots:
            curve.setSymbol(dots)
        curve.setData(x, y)

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
        self._compared = ()

    def _smoothed(self) -> np.ndarray:
        s = self.session
        losses = s.batch_loss.view
        if len(losses) < self._done:
            self.clear()
        if len(losses) > self._done:
            # About an epoch's batches: with one batch an epoch, each batch's loss is the epoch's own.
            span = min(200, max(1, s.batches_per_epoch))
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
        first = s.run.first_epoch if s.run is not None else 1
        for key, curve in (("loss", self.train_curve), ("val_loss", self.val_curve)):
            self._show_epochs(curve, h.get(key, []), first)
        regression = "r2" in h
        title = "R² (1 is perfect)" if regression else "Accuracy"
        if title != self._metric_title:  # a new title re-lays out (and repaints) the whole view
            self._metric_title = title
            self.metric_plot.setTitle(title, size="9pt")
            self.metric_plot.setLabel("left", "R²" if regression else "accuracy")
        for key, curve in ((("r2" if regression else "accuracy"), self.metric_train),
                           (("val_r2" if regression else "val_accuracy"), self.metric_val)):
            self._show_epochs(curve, h.get(key, []), first)
        self._compare()
        self._mark_events()
        self.span_the_run(self.loss_plot)  # the Accuracy plot's epochs are linked to these
        self.shown_line.setVisible(s.shown is not None)
        if s.shown is not None:
            self.shown_line.setPos(s.shown)

    @staticmethod
    def _curve(values: list[float], first: int) -> tuple[np.ndarray, np.ndarray]:
        return strided(np.arange(first, first + len(values), dtype=float), np.asarray(values, dtype=float))

    # ---- other runs, events, the shown epoch, the readout ------------------------------------------------
    def _compare(self) -> None:
        """The runs checked in the Runs panel (not the current one), each in its colour, with a legend."""
        s = self.session
        shown = [r for r in s.runs if r.shown and r.id != s.runs.current_id and r.history.get("loss")]
        key = tuple((r.id, r.name, len(r.history["loss"])) for r in shown) + ((s.run.id, s.run.name) if s.run else ())
        if key == self._compared:
            return
        self._compared = key
        for run_id in [i for i in self.others if i not in {r.id for r in shown}]:
            for curve in self.others.pop(run_id):
                self.loss_plot.removeItem(curve)
        self.runs_legend.clear()
        if not shown:
            return
        if s.run is not None:
            self.runs_legend.addItem(self.train_curve, f"{s.run.name} (current)")
        for run in shown:
            if run.id not in self.others:
                colour = run_colour(run.id)
                train = self.loss_plot.plot(pen=pg.mkPen(colour, width=1.5))
                val = self.loss_plot.plot(pen=pg.mkPen(colour, width=1.5, style=Qt.DashLine))
                train.setZValue(-1)
                val.setZValue(-1)
                self.others[run.id] = (train, val)
            train, val = self.others[run.id]
            train.setData(*self._curve(run.history.get("loss", []), run.first_epoch))
            val.setData(*self._curve(run.history.get("val_loss", []), run.first_epoch))
            self.runs_legend.addItem(train, run.name)

    def _mark_events(self) -> None:
        """The current run's events as dotted lines labelled with what changed."""
        run = self.session.run
        events = run.events[-8:] if run is not None else []
        if [m.value() for m in self.markers] == [e.epoch for e in events]:
            return
        for marker in self.markers:
            self.loss_plot.removeItem(marker)
        self.markers = []
        for event in events:
            marker = pg.InfiniteLine(pos=event.epoch, angle=90, movable=False, label=event.text,
                                     pen=pg.mkPen(colors.foreground(), width=1, style=Qt.DotLine),
                                     labelOpts={"position": 0.92, "color": colors.foreground()})
            self.loss_plot.addItem(marker, ignoreBounds=True)
            self.markers.append(marker)

    def _hover(self, point) -> None:
        """Over the loss plot: the epoch under the mouse and the current run's losses there."""
        s = self.session
        if not self.loss_plot.sceneBoundingRect().contains(point) or not s.history.get("loss"):
            self.readout.setVisible(False)
            return
        x = self.loss_plot.vb.mapSceneToView(point).x()
        first = s.run.first_epoch if s.run is not None else 1
        losses = s.history["loss"]
        i = int(round(x)) - first
        if not 0 <= i < len(losses):
            self.readout.setVisible(False)
            return
        text = f"epoch {first + i}: loss {losses[i]:.4g}"
        if len(s.history.get("val_loss", [])) > i:
            text += f", val {s.history['val_loss'][i]:.4g}"
        self.readout.setText(text)
        y = np.log10(losses[i]) if self.log_box.isChecked() and losses[i] > 0 else losses[i]
        self.readout.setPos(first + i, y)
        self.readout.setVisible(True)


"""The live views: Loss, Weights, Activations, Gradients, Output and Neurons.

Every plot item is created once (or when the model's kind changes) and updated with
``setData``/``setImage`` from the session's latest data by ``ViewHub``'s ~30 Hz timer,
and only while the view is visible. Images are float32, C-contiguous, with explicit levels.
"""
from __future__ import annotations

import logging
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSpinBox, QStackedWidget, QVBoxLayout, QWidget

from .. import style
from . import colors
from .session import TrainingSession

FRAME_MS = 33  # ~30 Hz
HEAVY_MS = 100  # views that run the model on a grid redraw at most ~10 Hz while training
GRID = 72  # points per side of the input plane
MAX_POINTS = 3000  # per curve on screen
LEGEND_ROWS = 8  # entries per column of the Gradients legend
pg.setConfigOptions(antialias=True)
log = logging.getLogger(__name__)


def _f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def _finite(a: np.ndarray) -> np.ndarray:
    return a[np.isfinite(a)]


def _symmetric(a: np.ndarray) -> float:
    a = _finite(np.asarray(a))
    m = float(np.abs(a).max()) if a.size else 1.0
    return m if m > 0 else 1.0


def _index_ticks(axis: pg.AxisItem, n: int, names: list[str] | None = None) -> None:
    """Pixel i spans [i, i + 1]: label its centre with i (or its name) when there are few."""
    if n <= 16:
        axis.setTicks([[(i + 0.5, names[i] if names and i < len(names) else str(i)) for i in range(n)]])
    else:
        step = max(1, math.ceil(n / 8))
        axis.setTicks([[(i + 0.5, str(i)) for i in range(0, n, step)]])


def _histogram(values: np.ndarray, bins: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Edges and counts. In float64, and (nearly) equal values get a range relative to their magnitude:
    float32 edges a hair apart would coincide (saturated tanh is 1.0 for every sample)."""
    values = values.astype(np.float64)
    lo, hi = float(values.min()), float(values.max())
    span = max(hi - lo, 1e-3 * max(abs(lo), abs(hi), 1.0))
    centre = (lo + hi) / 2
    counts, edges = np.histogram(values, bins=bins, range=(centre - span / 2, centre + span / 2))
    return edges, counts.astype(float)


def _strided(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= MAX_POINTS:
        return x, y
    step = math.ceil(len(x) / MAX_POINTS)
    return x[::step], y[::step]


class View(QWidget):
    """A plot area with a one-line header and a message shown instead of empty plots."""

    title = ""
    heavy = False

    def __init__(self, hub: ViewHub) -> None:
        super().__init__()
        self.hub = hub
        self.session: TrainingSession = hub.session
        self.dirty = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        self.header = QHBoxLayout()
        self.header.setSpacing(8)
        layout.addLayout(self.header)
        self.stack = QStackedWidget()
        self.message = QLabel(alignment=Qt.AlignCenter, wordWrap=True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.stack.addWidget(self.graphics)
        self.stack.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        self._theme = style.theme()
        View.apply_theme(self)  # a subclass's own parts do not exist yet

    def add_plot(self, row: int, col: int, title: str = "", **kwargs) -> pg.PlotItem:
        plot = self.graphics.addPlot(row=row, col=col, **kwargs)
        if title:
            plot.setTitle(title, size="9pt")
        plot.setMenuEnabled(False)
        colors.style_plot(plot)
        return plot

    def plots(self) -> list[pg.PlotItem]:
        return [item for item in self.graphics.ci.items if isinstance(item, pg.PlotItem)]

    def changeEvent(self, event) -> None:
        # MainWindow.set_dark sets a new application palette; Qt posts a PaletteChange to every widget.
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange and self._theme is not style.theme():
            self._theme = style.theme()
            self.apply_theme()

    def apply_theme(self) -> None:
        """Take the colours of the current theme; subclasses add what they made from it."""
        self.graphics.setBackground(colors.background())
        self.message.setStyleSheet(f"color: {colors.foreground()};")
        for plot in self.plots():
            colors.style_plot(plot)
        self.dirty = True

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def show_plots(self) -> None:
        self.stack.setCurrentWidget(self.graphics)

    def clear(self) -> None:
        """A new trainer: forget what is shown."""

    def refresh(self) -> None:
        raise NotImplementedError


# ---- Loss ---------------------------------------------------------------------------------------------
BATCH_COLOUR = "#9bb7dd"


class LossView(View):
    title = "Loss"

    def __init__(self, hub) -> None:
        super().__init__(hub)
        for colour, text in ((colors.POSITIVE, "training"), (colors.NEGATIVE, "validation"),
                             (BATCH_COLOUR, "each batch, smoothed")):
            self.header.addWidget(QLabel(f"<span style='color:{colour}; font-weight:700'>━</span> {text}"))
        self.header.addStretch(1)
        self.log_box = QCheckBox("Log scale")
        self.log_box.toggled.connect(self._log_toggled)
        self.header.addWidget(self.log_box)
        # No grids on the live plots: a pyqtgraph grid belongs to the axes, which then repaint over the
        # whole plot at every frame (measured: 24 ms to paint this view with grids, 2.5 ms without).
        self.loss_plot = self.add_plot(0, 0, "Loss")
        self.loss_plot.getAxis("left").enableAutoSIPrefix(False)
        self.batch_curve = self.loss_plot.plot(pen=pg.mkPen(BATCH_COLOUR, width=1))
        self.train_curve = self.loss_plot.plot(pen=pg.mkPen(colors.POSITIVE, width=2))
        self.val_curve = self.loss_plot.plot(pen=pg.mkPen(colors.NEGATIVE, width=2))
        self.metric_plot = self.add_plot(1, 0, "Accuracy")
        self.metric_plot.setXLink(self.loss_plot)
        self.metric_plot.setLabel("bottom", "epoch")
        self.metric_train = self.metric_plot.plot(pen=pg.mkPen(colors.POSITIVE, width=2))
        self.metric_val = self.metric_plot.plot(pen=pg.mkPen(colors.NEGATIVE, width=2))
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self._ema = np.empty(0)
        self._done = 0
        self._metric_title = "Accuracy"

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
            self.batch_curve.setData(*_strided(s.batch_x.view, ema))
        for key, curve in (("loss", self.train_curve), ("val_loss", self.val_curve)):
            values = h.get(key, [])
            curve.setData(*_strided(np.arange(1, len(values) + 1, dtype=float), np.asarray(values, dtype=float)))
        regression = "r2" in h
        title = "R² (1 is perfect)" if regression else "Accuracy"
        if title != self._metric_title:  # a new title re-lays out (and repaints) the whole view
            self._metric_title = title
            self.metric_plot.setTitle(title, size="9pt")
        for key, curve in ((("r2" if regression else "accuracy"), self.metric_train),
                           (("val_r2" if regression else "val_accuracy"), self.metric_val)):
            values = h.get(key, [])
            curve.setData(*_strided(np.arange(1, len(values) + 1, dtype=float), np.asarray(values, dtype=float)))


# ---- node choosers -----------------------------------------------------------------------------------
class NodeChooser(QComboBox):
    """The node a view shows: follows the canvas selection when the selected node fits."""

    def __init__(self, accepts) -> None:
        super().__init__()
        self.accepts = accepts
        self.setSizeAdjustPolicy(QComboBox.AdjustToContents)

    def fill(self, node_ids: list[str]) -> None:
        current = self.currentText()
        self.blockSignals(True)
        self.clear()
        self.addItems(node_ids)
        if current in node_ids:
            self.setCurrentText(current)
        self.blockSignals(False)

    def follow(self, selected: list[str]) -> bool:
        for node_id in selected:
            index = self.findText(node_id)
            if index >= 0:
                if index != self.currentIndex():
                    self.setCurrentIndex(index)
                return True
        return False


# ---- Weights -------------------------------------------------------------------------------------------
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
        m = max(_symmetric(w), _symmetric(b) if b is not None else 0.0)
        self.w_image.setImage(_f32(w), levels=(-m, m), autoLevels=False)
        if b is not None:
            self.b_image.setImage(_f32(b.reshape(1, -1)), levels=(-m, m), autoLevels=False)
        self.b_image.setVisible(b is not None)
        self.bar.setLevels((-m, m))
        if self._shape != w.shape:
            self._shape = w.shape
            self.w_plot.setLabel("left", f"input ({w.shape[0]})")
            self.b_plot.setLabel("bottom", f"unit ({w.shape[1]})")
            self.w_plot.setRange(xRange=(0, w.shape[1]), yRange=(0, w.shape[0]), padding=0)
            info = self.session.info
            first = w.shape[0] == info.n_features
            _index_ticks(self.w_plot.getAxis("left"), w.shape[0], info.feature_names if first else None)
            _index_ticks(self.w_plot.getAxis("bottom"), w.shape[1])
            _index_ticks(self.b_plot.getAxis("bottom"), w.shape[1])
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
        m = max(_symmetric(p[1]) for p in pairs)
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


# ---- Activations ----------------------------------------------------------------------------------------
RELU_LIKE = ("relu",)
NON_NEGATIVE = ("relu", "sigmoid", "softmax", "softplus", "relu6", "hard_sigmoid")


class ActivationsView(View):
    title = "Activations"

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.header.addWidget(QLabel("Node"))
        self.chooser = NodeChooser(None)
        self.chooser.currentIndexChanged.connect(lambda *_: setattr(self, "dirty", True))
        self.header.addWidget(self.chooser)
        self.summary = QLabel()
        self.header.addWidget(self.summary, 1)
        # A short title: a plot is never narrower than its title, and the histogram needs the room.
        self.a_plot = self.add_plot(0, 0, "Outputs on the probe batch")
        self.a_plot.invertY(True)
        self.a_image = pg.ImageItem(axisOrder="row-major")
        self.a_plot.addItem(self.a_image)
        self.bar = pg.ColorBarItem(values=(-1, 1), colorMap=colors.diverging(), interactive=False, width=12,
                                   colorMapMenu=False, pen=colors.foreground())
        self.bar.setImageItem(self.a_image, insert_in=self.a_plot)
        self.h_plot = self.add_plot(0, 1, "Histogram")
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
        a = detail.activations[node]
        a = a.reshape(len(a), -1)
        function = info.functions.get(node, "")
        signed = not (function in NON_NEGATIVE or (np.nanmin(a) >= 0 if a.size else False))
        if signed != self._signed:
            self._signed = signed
            self.bar.setColorMap(colors.diverging() if signed else colors.sequential())
        top = _symmetric(a)
        levels = (-top, top) if signed else (0.0, top)
        self.a_image.setImage(_f32(a), levels=levels, autoLevels=False)
        self.bar.setLevels(levels)
        if self._ticked != a.shape:
            self._ticked = a.shape
            self.a_plot.setLabel("left", f"sample ({a.shape[0]})")
            self.a_plot.setLabel("bottom", f"unit ({a.shape[1]})")
            _index_ticks(self.a_plot.getAxis("bottom"), a.shape[1])
            self.a_plot.setRange(xRange=(0, a.shape[1]), yRange=(0, a.shape[0]), padding=0)
        finite = _finite(a)
        if finite.size:
            self.h_curve.setData(*_histogram(finite))
        text = f"mean {finite.mean():.3g} · std {finite.std():.3g}" if finite.size else ""
        if function in RELU_LIKE:
            dead = int((a <= 0).all(axis=0).sum())
            share = dead / a.shape[1] if a.shape[1] else 0.0
            text += f" · dead ReLU units: {dead} of {a.shape[1]} ({share:.0%})"
        self.summary.setText(text)


# ---- Gradients -------------------------------------------------------------------------------------------
class DecadeAxis(pg.AxisItem):
    """A log axis with ticks at whole decades only: labels at 2…9 between them overlap."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        return [(spacing, values) for spacing, values in stdTicks if spacing >= 1]


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
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        # A norm of exactly 0 (a dead layer) has no place on a log axis: it is drawn on this line.
        self.zero_line = pg.InfiniteLine(angle=0, movable=False, label="0 (no gradient)",
                                         labelOpts={"position": 0.04, "anchors": [(0, 1), (0, 1)]})
        self.zero_line.setVisible(False)
        self.plot.addItem(self.zero_line)
        self.legend = pg.LegendItem(labelTextSize="8pt", verSpacing=-6, frame=False)
        self.legend.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)  # entries stay together at the top
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
            for node, colour in zip(nodes, colors.series(len(nodes))):
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
        for node, ys in zip(nodes, norms.T):
            keep = np.isfinite(ys)
            self.curves[node].setData(*_strided(xs[keep], ys[keep]))
        # Whole decades from end to end: there are always decade ticks to read.
        self.plot.setYRange(bottom, max(top, bottom + 1), padding=0.03)


# ---- Output and Neurons: the model over the input plane -----------------------------------------------
class OutputView(View):
    title = "Output"
    heavy = True

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.mode_label = QLabel()
        self.header.addWidget(self.mode_label, 1)
        self.discrete_box = QCheckBox("Discretize")
        self.discrete_box.setToolTip("Show the predicted class instead of the probability")
        self.discrete_box.toggled.connect(lambda *_: setattr(self, "dirty", True))
        self.header.addWidget(self.discrete_box)
        self.plot = self.add_plot(0, 0)
        self.mode = None
        self.bar = None
        self._ranged = None

    def clear(self) -> None:
        self.mode = None
        self._ranged = None

    def apply_theme(self) -> None:
        super().apply_theme()
        self.mode = None  # built again in the theme's colours

    def _build(self, mode: str) -> None:
        info = self.session.info
        self.plot.clear()
        if self.bar is not None:
            self.plot.layout.removeItem(self.bar)  # setImageItem(insert_in=plot) put it in the plot's own layout
            self.bar.scene().removeItem(self.bar)
            self.bar = None
        for name in ("bottom", "left"):
            self.plot.getAxis(name).setTicks(None)
        self.plot.setTitle(None)
        self.plot.invertY(False)
        self.plot.setAspectLocked(mode == "plane")
        self.discrete_box.setVisible(mode == "plane" and info.task == "classification")
        if mode == "plane":
            self.image = pg.ImageItem(axisOrder="row-major")
            self.plot.addItem(self.image)
            if info.task == "regression":
                self.bar = pg.ColorBarItem(values=(0, 1), colorMap=colors.diverging(), interactive=False, width=12,
                                           colorMapMenu=False, pen=colors.foreground())
                self.bar.setImageItem(self.image, insert_in=self.plot)
            self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("#ffffff", width=0.8))
            self.val_points = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(0, 0, 0, 0), symbol="o")
            self.plot.addItem(self.train_points)
            self.plot.addItem(self.val_points)
            self._set_points()
            names = info.feature_names
            self.plot.setLabel("bottom", names[0] if names else "x1")
            self.plot.setLabel("left", names[1] if len(names) > 1 else "x2")
        elif mode == "curve":
            self.train_points = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(colors.POSITIVE + "90"), pen=None)
            self.val_points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(0, 0, 0, 0), pen=pg.mkPen(colors.NEGATIVE))
            self.curve = pg.PlotDataItem(pen=pg.mkPen(style.theme().text, width=2.5))
            for item in (self.train_points, self.val_points, self.curve):
                self.plot.addItem(item)
            self.train_points.setData(info.x_train[:, 0], info.y_train.reshape(len(info.y_train), -1)[:, 0])
            self.val_points.setData(info.x_val[:, 0], info.y_val.reshape(len(info.y_val), -1)[:, 0])
            self.plot.setLabel("bottom", info.feature_names[0] if info.feature_names else "x")
            self.plot.setLabel("left", "target")
        elif mode == "confusion":
            k = max(info.n_classes, 2)
            self.image = pg.ImageItem(axisOrder="row-major")
            self.image.setColorMap(colors.density())
            self.plot.addItem(self.image)
            self.plot.invertY(True)
            self.plot.setAspectLocked(True)
            self.texts = []
            for i in range(k):
                row = []
                for j in range(k):
                    t = pg.TextItem("", anchor=(0.5, 0.5), color=style.theme().text)
                    t.setPos(j + 0.5, i + 0.5)
                    self.plot.addItem(t)
                    row.append(t)
                self.texts.append(row)
            ticks = [(i + 0.5, (info.class_names[i] if i < len(info.class_names) else str(i))[:10]) for i in range(k)]
            self.plot.getAxis("bottom").setTicks([ticks])
            self.plot.getAxis("left").setTicks([ticks])
            self.plot.setLabel("bottom", "predicted")
            self.plot.setLabel("left", "actual")
            self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
        else:  # predicted vs actual
            self.train_points = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(colors.POSITIVE + "80"), pen=None)
            self.val_points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(colors.NEGATIVE + "c0"), pen=None)
            self.diagonal = pg.PlotDataItem(pen=pg.mkPen(colors.foreground(), width=1, style=Qt.DashLine))
            for item in (self.diagonal, self.train_points, self.val_points):
                self.plot.addItem(item)
            self.plot.setLabel("bottom", "actual")
            self.plot.setLabel("left", "predicted")
        self.mode = mode

    def _set_points(self) -> None:
        info = self.session.info
        if info.task == "classification":
            self.train_points.setData(info.x_train[:, 0], info.x_train[:, 1],
                                      brush=[pg.mkBrush(colors.class_colour(int(c))) for c in info.y_train])
            self.val_points.setData(info.x_val[:, 0], info.x_val[:, 1],
                                    pen=[pg.mkPen(colors.class_colour(int(c)), width=1.6) for c in info.y_val])
        else:
            y = info.y_train.reshape(len(info.y_train), -1)[:, 0]
            lo, hi = float(y.min()), float(y.max())
            cmap = colors.diverging()
            t = (y - lo) / (hi - lo) if hi > lo else np.full_like(y, 0.5)
            self.train_points.setData(info.x_train[:, 0], info.x_train[:, 1],
                                      brush=[pg.mkBrush(c) for c in cmap.mapToQColor(t)])
            self.val_points.setData(info.x_val[:, 0], info.x_val[:, 1], pen=pg.mkPen(colors.foreground(), width=1.2))

    def _mode(self) -> str | None:
        info = self.session.info
        if info is None:
            return None
        out_width = info.shapes[info.output_id][0]
        if info.n_features == 2 and (info.task == "classification" or out_width == 1):
            return "plane"
        if info.n_features == 1 and info.task == "regression" and out_width == 1:
            return "curve"
        if info.task == "classification":
            return "confusion"
        return "scatter"

    def refresh(self) -> None:
        s = self.session
        mode = self._mode()
        if mode is None:
            self.show_message(s.reason or "No model yet.")
            return
        if s.detail is None or s.detail.parameters is None:
            self.show_message("The output appears after the first step.")
            return
        if mode != self.mode or getattr(self, "_built_task", None) != s.info.task:  # a plane of classes has no colour bar
            self._build(mode)
            self._built_task = s.info.task
        self.show_plots()
        info = s.info
        titles = {
            "plane": "Prediction over the input plane — filled dots: training, rings: validation",
            "curve": "The fitted curve over the data",
            "confusion": f"Confusion matrix on the {'validation' if len(info.x_val) else 'training'} samples",
            "scatter": "Predicted vs. actual (dashed: perfect)",
        }
        self.mode_label.setText(titles[mode])
        getattr(self, f"_draw_{mode}")()

    def _draw_plane(self) -> None:
        info = self.session.info
        grid = self.hub.plane()
        if grid is None:
            return
        values, rect = grid
        out = values[info.output_id]
        g = GRID
        if info.task == "classification":
            if out.shape[1] == 1:
                p1 = out[:, 0]
                if self.discrete_box.isChecked():
                    p1 = (p1 > 0.5).astype(np.float32)
                probs = np.stack([1 - p1, p1], axis=1)
            else:
                probs = out
                if self.discrete_box.isChecked():
                    probs = np.eye(out.shape[1], dtype=np.float32)[out.argmax(axis=1)]
            rgb = self._blend(probs).reshape(g, g, 3)
            self.image.setImage(np.ascontiguousarray(rgb, dtype=np.float32), levels=(0, 255), autoLevels=False)
        else:
            y = info.y_train.reshape(len(info.y_train), -1)[:, 0]
            lo, hi = float(y.min()), float(y.max())
            self.image.setImage(_f32(out[:, 0].reshape(g, g)), levels=(lo, hi if hi > lo else lo + 1), autoLevels=False)
            self.bar.setLevels((lo, hi if hi > lo else lo + 1))
        self.image.setRect(rect)
        if self._ranged is not info:
            self._ranged = info
            self.plot.setRange(rect, padding=0)

    def _blend(self, probs: np.ndarray) -> np.ndarray:
        """Each point's colour: the class colours weighted by probability, paled toward the background
        where the model is unsure (TensorFlow Playground's picture)."""
        k = probs.shape[1]
        palette = colors.class_rgb()[:k] if k > 2 else colors.class_rgb()[:2]
        rgb = probs @ palette
        confidence = np.clip((probs.max(axis=1) - 1.0 / k) / (1 - 1.0 / k), 0, 1)[:, None]
        bg = np.array(pg.mkColor(colors.centre()).getRgb()[:3], dtype=np.float32)
        strength = 0.25 + 0.55 * confidence
        return bg + (rgb - bg) * strength

    def _predict(self, x: np.ndarray) -> np.ndarray:
        return self.hub.predict(x)

    def _draw_curve(self) -> None:
        info = self.session.info
        x = np.concatenate([info.x_train[:, 0], info.x_val[:, 0]])
        lo, hi = float(x.min()), float(x.max())
        pad = (hi - lo) * 0.05 or 1.0
        grid = np.linspace(lo - pad, hi + pad, 200, dtype=np.float32)[:, None]
        y = self._predict(grid)
        if y is not None:
            self.curve.setData(grid[:, 0], y[:, 0])

    def _draw_confusion(self) -> None:
        info = self.session.info
        x, y = (info.x_val, info.y_val) if len(info.x_val) else (info.x_train, info.y_train)
        out = self._predict(x)
        if out is None:
            return
        k = max(info.n_classes, 2)
        predicted = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(int)
        matrix = np.zeros((k, k), dtype=np.float32)
        np.add.at(matrix, (y.astype(int), predicted.astype(int)), 1)
        row_share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        self.image.setImage(np.ascontiguousarray(row_share), levels=(0, 1), autoLevels=False)
        self.image.setRect(QRectF(0, 0, k, k))
        # Light text on a dark cell, dark text on a pale one: the map runs pale to dark in the light
        # theme and dark to pale in the dark theme.
        cells = self.image.getColorMap().map(row_share.ravel(), mode="float")[:, :3] @ [0.299, 0.587, 0.114]
        dark_cell = cells.reshape(k, k) < 0.5
        for i in range(k):
            for j in range(k):
                n = int(matrix[i, j])
                t = self.texts[i][j]
                t.setText(str(n) if n else "")
                t.setColor(style.DARK.text if dark_cell[i, j] else style.LIGHT.text)
        accuracy = float(np.trace(matrix) / max(matrix.sum(), 1))
        self.plot.setTitle(f"accuracy {accuracy:.1%}", size="9pt")

    def _draw_scatter(self) -> None:
        info = self.session.info
        pred_train = self._predict(info.x_train)
        if pred_train is None:
            return
        y_train = info.y_train.reshape(len(info.y_train), -1)
        self.train_points.setData(y_train.ravel(), pred_train.ravel())
        if len(info.x_val):
            y_val = info.y_val.reshape(len(info.y_val), -1)
            self.val_points.setData(y_val.ravel(), self._predict(info.x_val).ravel())
        lo, hi = float(y_train.min()), float(y_train.max())
        self.diagonal.setData([lo, hi], [lo, hi])


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
        m = _symmetric(z)
        self.image.setImage(_f32(z), levels=(-m, m), autoLevels=False)
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


# ---- the hub ----------------------------------------------------------------------------------------------
class ViewHub(QObject):
    """Owns the views' timer, the canvas selection they follow, and the model run over the plane."""

    VIEWS = (LossView, WeightsView, ActivationsView, GradientsView, OutputView, NeuronsView)

    def __init__(self, session: TrainingSession, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.selected: list[str] = []
        self._plane_cache = (None, None)
        self._predict_cache: dict = {}
        self._failed: set[str] = set()  # views whose refresh raised: logged once each
        self.views = {cls.title: cls(self) for cls in self.VIEWS}
        self.timer = QTimer(self, interval=FRAME_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self._heavy_clock = 0
        session.progressed.connect(self.mark_dirty)
        session.state_changed.connect(self.mark_dirty)
        session.cleared.connect(self.clear)

    def mark_dirty(self) -> None:
        for view in self.views.values():
            view.dirty = True

    def clear(self) -> None:
        self._plane_cache = (None, None)
        for view in self.views.values():
            view.clear()
            view.dirty = True

    def set_selection(self, node_ids: list[str]) -> None:
        self.selected = list(node_ids)
        for title in ("Weights", "Activations", "Neurons"):
            view = self.views[title]
            if view.chooser.follow(self.selected):
                view.dirty = True

    def tick(self) -> None:
        heavy_due = self._heavy_clock <= 0
        self._heavy_clock = self._heavy_clock - 1 if not heavy_due else HEAVY_MS // FRAME_MS - 1
        for view in self.views.values():
            if not view.dirty or not view.isVisible():
                continue
            if view.heavy and not heavy_due and self.session.running:
                continue
            view.dirty = False
            try:
                view.refresh()
            except Exception:  # one broken view must not freeze the others
                if view.title not in self._failed:
                    self._failed.add(view.title)
                    log.exception("The %s view failed to refresh", view.title)

    # ---- the model on the GUI side (a copy: the trainer's own arrays are never touched) ----------------
    def _loaded_model(self):
        s = self.session
        if s.view_model is None or s.detail is None or s.detail.parameters is None:
            return None
        if self._predict_cache.get("version") != (s.detail_version, id(s.view_model)):
            s.view_model.load_parameters(s.detail.parameters, strict=False)
            self._predict_cache = {"version": (s.detail_version, id(s.view_model))}
        return s.view_model

    def predict(self, x: np.ndarray) -> np.ndarray | None:
        model = self._loaded_model()
        return None if model is None else model.predict(x)

    def plane(self) -> tuple[dict[str, np.ndarray], QRectF] | None:
        """Every node's output over a GRID × GRID sampling of the two-feature input plane."""
        s = self.session
        key = (s.detail_version, id(s.view_model))
        if self._plane_cache[0] == key:
            return self._plane_cache[1]
        model = self._loaded_model()
        info = s.info
        if model is None or info is None or info.n_features != 2:
            return None
        x = np.concatenate([info.x_train, info.x_val]) if len(info.x_val) else info.x_train
        lo, hi = x.min(axis=0), x.max(axis=0)
        pad = (hi - lo) * 0.08 + 1e-6
        lo, hi = lo - pad, hi + pad
        xs = np.linspace(lo[0], hi[0], GRID)
        ys = np.linspace(lo[1], hi[1], GRID)
        gx, gy = np.meshgrid(xs, ys)
        points = np.ascontiguousarray(np.stack([gx.ravel(), gy.ravel()], axis=1), dtype=model.dtype)
        model.forward(points)
        values = {k: np.asarray(v).reshape(len(points), -1).copy() for k, v in model.values.items()}
        rect = QRectF(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]))
        self._plane_cache = (key, (values, rect))
        return values, rect

"""What every live view shares: the View widget (a header, plots or a message), the node chooser,
and small helpers for images, histograms and long curves."""
from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine.frames import PLANE_GRID

from ... import style
from .. import colors
from .colour_bar import ColourBar

if TYPE_CHECKING:
    from ..session import TrainingSession
    from .hub import ViewHub

FRAME_MS = 33  # ~30 Hz
GRID = PLANE_GRID  # points per side of the input plane
LINE = 160  # points across a one-feature input range
MAX_POINTS = 3000  # per curve on screen
PREDICTED_ROWS = 1000  # rows a view runs through the network on the GUI thread (evenly spaced): MNIST's 12,000
                       # validation rows through 784-256-256-10 took 70 ms of every refresh of the confusion matrix
LEGEND_ROWS = 8  # entries per column of the Gradients legend
pg.setConfigOptions(antialias=True)
log = logging.getLogger(__name__)


def f32(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float32)


def finite(a: np.ndarray) -> np.ndarray:
    return a[np.isfinite(a)]


def symmetric(a: np.ndarray) -> float:
    a = finite(np.asarray(a))
    m = float(np.abs(a).max()) if a.size else 1.0
    return m if m > 0 else 1.0


def target_columns(y) -> np.ndarray:
    """Targets as (samples, targets), also when there are no samples (a validation split of 0)."""
    y = np.asarray(y)
    return y[:, None] if y.ndim == 1 else y.reshape(len(y), math.prod(y.shape[1:]))


def index_ticks(axis: pg.AxisItem, n: int, names: list[str] | None = None) -> None:
    """Pixel i spans [i, i + 1]: label its centre with i (or its name) when there are few."""
    if n <= 16:
        axis.setTicks([[(i + 0.5, names[i] if names and i < len(names) else str(i)) for i in range(n)]])
    else:
        step = max(1, math.ceil(n / 8))
        axis.setTicks([[(i + 0.5, str(i)) for i in range(0, n, step)]])


def histogram(values: np.ndarray, bins: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Edges and counts. In float64, and (nearly) equal values get a range relative to their magnitude:
    float32 edges a hair apart would coincide (saturated tanh is 1.0 for every sample)."""
    values = values.astype(np.float64)
    lo, hi = float(values.min()), float(values.max())
    span = max(hi - lo, 1e-3 * max(abs(lo), abs(hi), 1.0))
    centre = (lo + hi) / 2
    counts, edges = np.histogram(values, bins=bins, range=(centre - span / 2, centre + span / 2))
    return edges, counts.astype(float)


def histogram_columns(samples: list[np.ndarray], bins: int) -> tuple[np.ndarray, float]:
    """Each sample's histogram as one column of a (bins, len(samples)) image, each column scaled to its
    fullest bin, over one symmetric range [-m, m] that holds every finite value; and m. The samples are
    sorted (as frames carry them), so a column is one binary search of the edges, not a pass over values."""
    ends = np.concatenate([v[[0, -1]] for v in samples if len(v)] or [np.zeros(0)])
    m = symmetric(ends)
    edges = np.linspace(-m, m, bins + 1)
    edges[0], edges[-1] = -np.inf, np.inf  # [-m, m] holds them all; NaN sorts past +inf and is left out
    image = np.empty((bins, len(samples)), dtype=np.float32)
    for j, values in enumerate(samples):
        image[:, j] = np.diff(np.searchsorted(values, edges.astype(values.dtype)))
    image /= np.maximum(image.max(axis=0), 1.0)
    return image, m


def mosaic(maps: np.ndarray, columns: int | None = None) -> np.ndarray:
    """(K, H, W) maps tiled into one image, row after row, one NaN pixel (drawn transparent) between them."""
    k, h, w = maps.shape
    columns = columns or max(1, math.ceil(math.sqrt(k * h / w)))
    rows = math.ceil(k / columns)
    out = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan, dtype=np.float32)
    for i in range(k):  # one slice assignment per map: K is a layer's channels, not pixels
        r, c = divmod(i, columns)
        out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = maps[i]
    return out


def colour_bar(label: str, cmap: pg.ColorMap | None = None) -> ColourBar:
    """A vertical colour bar with numbers and a label; the diverging map unless told otherwise."""
    return ColourBar(label, cmap or colors.diverging())


def point_outline() -> QPen:
    """Data points on a coloured map: a light ring shows them on its darkest and most saturated colours,
    their fill on its pale middle."""
    return pg.mkPen(255, 255, 255, 230, width=1.3)


def legend(columns: int = 1) -> pg.LegendItem:
    """A legend for a layout cell: its entries stay together at the top instead of spreading over the height."""
    item = pg.LegendItem(labelTextSize="8pt", verSpacing=-6, labelTextColor=colors.foreground(), frame=False,
                         colCount=columns)
    item.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
    # Laid out with the plots, not pinned over one: it scales with them (an exported figure is drawn larger).
    item.setFlag(item.GraphicsItemFlag.ItemIgnoresTransformations, False)
    return item


def class_legend(class_names: list[str], n_classes: int) -> pg.LegendItem:
    """Which colour is which class, as the points are drawn."""
    legend_ = legend()
    for k in range(max(n_classes, 2)):
        sample = pg.ScatterPlotItem(symbol="o", size=9, brush=pg.mkBrush(colors.class_colour(k)), pen=point_outline())
        legend_.addItem(sample, class_names[k] if k < len(class_names) else f"class {k}")
    return legend_


def strided(*arrays: np.ndarray, limit: int = MAX_POINTS) -> tuple[np.ndarray, ...]:
    """Every k-th row of each of ``arrays`` (of one length), at most ``limit`` rows: all of them when fewer."""
    if len(arrays[0]) <= limit:
        return arrays
    step = math.ceil(len(arrays[0]) / limit)
    return tuple(a[::step] for a in arrays)


class TimedGraphics(pg.GraphicsLayoutWidget):
    """A view's plots, telling ``on_paint`` what each paint cost: the hub spends the GUI's time by it."""

    def __init__(self, on_paint) -> None:
        super().__init__()
        self._on_paint = on_paint

    def paintEvent(self, event) -> None:
        start = time.perf_counter()
        super().paintEvent(event)
        self._on_paint(time.perf_counter() - start)


class View(QWidget):
    """A plot area with a one-line header and a message shown instead of empty plots."""

    title = ""

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
        # What the paints after its last refresh cost, together: the hub counts it before refreshing. A
        # refresh is often painted more than once (pyqtgraph lays axes out in the first paint and paints
        # again): the last paint alone (7-10 ms after one of 31) let six views' paints into one 141 ms pass.
        self.paint_seconds = 0.0
        self._painting = 0.0  # the paints since the last refresh
        self.graphics = TimedGraphics(self._painted)
        self.graphics.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.graphics.setContextMenuPolicy(Qt.CustomContextMenu)  # the plots' own menus are off: ours exports
        self.graphics.customContextMenuRequested.connect(self._context_menu)
        self.stack.addWidget(self.graphics)
        self.stack.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        self._theme = style.theme()
        View.apply_theme(self)  # a subclass's own parts do not exist yet

    def _painted(self, seconds: float) -> None:
        self._painting += seconds
        self.hub.painted(seconds)

    def refreshing(self) -> None:
        """The hub is about to refresh this view: the paints of its last refresh are all in."""
        if self._painting:  # (a refresh that changed nothing caused no paint: the estimate stands)
            self.paint_seconds, self._painting = self._painting, 0.0

    def add_plot(self, row: int, col: int, title: str = "", **kwargs) -> pg.PlotItem:
        plot = self.graphics.addPlot(row=row, col=col, enableMenu=False, **kwargs)  # menus unbuilt: a third of the cost
        if title:
            plot.setTitle(title, size="9pt")
        colors.style_plot(plot)
        return plot

    def span_the_run(self, plot: pg.PlotItem) -> None:
        """While a run trains toward a known epoch, ``plot``'s epoch axis spans the run, from where it began
        to where it ends: the curves grow into an axis laid out once (following each new point would lay
        the axis out and repaint it at every refresh). Otherwise the axis follows the data."""
        s = self.session
        span = None
        if s.running == "run" and s.target_epoch and s.run is not None:
            span = (s.run.first_epoch - 1, max(s.target_epoch, s.run.first_epoch))
        if span == getattr(plot, "run_span", None):
            return
        plot.run_span = span
        if span is None:
            plot.enableAutoRange(x=True)
        else:
            plot.setXRange(*span, padding=0.02)

    def add_node_chooser(self) -> NodeChooser:
        """"Node [chooser]" in the header; choosing one redraws the view."""
        self.header.addWidget(QLabel("Node"))
        chooser = NodeChooser(None)
        chooser.currentIndexChanged.connect(lambda *_: setattr(self, "dirty", True))
        self.header.addWidget(chooser)
        return chooser

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

    def _context_menu(self, pos) -> None:
        menu = QMenu(self)
        for suffix in ("png", "svg"):
            menu.addAction(f"Export as {suffix.upper()}…", lambda s=suffix: self.export_dialog(s))
        menu.exec(self.graphics.mapToGlobal(pos))

    def export_dialog(self, suffix: str) -> None:
        """Ask where, then write the plots as a figure (the header's controls are not part of it)."""
        from ...figures import export_view

        name = f"{self.title.lower()}.{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, f"Export the {self.title} View", name,
                                              f"{suffix.upper()} files (*.{suffix})")
        if not path:
            return
        if not path.lower().endswith(f".{suffix}"):
            path += f".{suffix}"
        try:
            export_view(self, path)
        except (OSError, ValueError) as e:
            QMessageBox.critical(self, "Cannot Export", str(e))

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def show_plots(self) -> None:
        self.stack.setCurrentWidget(self.graphics)

    def clear(self) -> None:
        """A new trainer: forget what is shown."""

    def refresh(self) -> None:
        raise NotImplementedError


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

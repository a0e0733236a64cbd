"""The Landscape view (issue 11): the loss over a slice through parameter space, with the run's path.

A network of one or two parameters is drawn over those parameters themselves (lesson 01's
parabola, lesson 04's valley); a larger one over two directions through the current parameters,
the principal directions of its path or filter-normalized random ones (selectable) — the engine's
``loss_landscape`` decides and computes, in ``landscape_worker`` off the GUI thread and out of its
process, cancellable, with progress. The picture is computed when the view is on screen and training
is not running: it updates when training pauses (not continuously), and follows the timeline.

The path is the current run's timeline (its frames' parameters) up to the epoch the timeline shows,
and the centre the parameters shown there (``current_parameters``): the start, the steps, the point.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QStackedWidget, QVBoxLayout, QWidget,
)

from engine.explain import number
from engine.landscape import DEFAULT_SAMPLES, fixed_subsample

from . import style
from .landscape_worker import LandscapeJob, LandscapeResult, LandscapeWorker
from .training import colors
from .training.views.colour_bar import ColourBar
from .view_menu import add_view_action
from .on_screen import on_screen

METHODS = (("auto", "Auto"), ("pca", "PCA of the path"), ("random", "Random directions"))
MAX_PATH = 400  # snapshots of the path sent to the worker's process, at most
DEBOUNCE_MS = 200
PATH_COLOUR, START_COLOUR, NOW_COLOUR = "#ffffff", "#ffffff", "#e8772e"  # stand out on viridis and on the page


class LandscapeView(QWidget):
    """The dock's widget: directions, Recompute and Cancel, progress, and the plot."""

    computed = Signal()  # a new picture, a message, or a cancellation: the computation ended
    _request = Signal(object, int)

    def __init__(self, document, session) -> None:
        super().__init__()
        self.document, self.session = document, session
        self.path: list[dict[str, np.ndarray]] = []  # the path of the last computation
        self.result: LandscapeResult | None = None
        self.job: LandscapeJob | None = None
        self.generation = 0
        self.computing = False
        self._again = False  # computing when asked again: start anew when this one ends
        self._drawn_key = None  # what the picture shows: (detail version, model, method)
        self._extent = None  # the picture's axes' ranges when the plot was last fitted to them
        self._theme = style.theme()
        self._build()
        self.thread = QThread(self)
        self.thread.setObjectName("NeuroCanvas landscape")
        self.worker = LandscapeWorker()
        self.worker.moveToThread(self.thread)
        self._request.connect(self.worker.compute, Qt.QueuedConnection)
        self.worker.progress.connect(self._progress, Qt.QueuedConnection)
        self.worker.finished.connect(self._finished, Qt.QueuedConnection)
        self.worker.preview.connect(self._preview, Qt.QueuedConnection)
        # The thread runs only while a computation does: an idle view can be destroyed at any time.
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self._compute_if_due)

        session.progressed.connect(self._progressed)
        session.state_changed.connect(self._schedule)
        session.cleared.connect(self._cleared)
        document.compiled.connect(self._schedule)

    # ---- widgets -----------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        header = QHBoxLayout()
        header.setSpacing(6)
        label = QLabel("&Directions")
        self.method = QComboBox()
        for key, text in METHODS:
            self.method.addItem(text, key)
        self.method.setToolTip("For a network of more than two parameters: the two directions of the slice — "
                               "the principal directions of the run's path (the path lies in the picture), "
                               "or filter-normalized random directions (Li et al., 2018)")
        label.setBuddy(self.method)
        self.method.currentIndexChanged.connect(lambda *_: self.recompute())
        self.recompute_button = QPushButton("&Recompute")
        self.recompute_button.setToolTip("Compute the landscape around the current parameters again")
        self.recompute_button.clicked.connect(self.recompute)
        self.key = QLabel()  # what the marks mean, in their colours (a legend in the plot would hide the picture)
        # While computing, the progress and Cancel take the key's place: the same size, so nothing is laid
        # out again (a relayout repaints the plot, which competes with the worker for the interpreter).
        self.progress = QProgressBar(maximumWidth=160, textVisible=False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        busy = QWidget()
        busy_layout = QHBoxLayout(busy)
        busy_layout.setContentsMargins(0, 0, 0, 0)
        busy_layout.addWidget(self.progress)
        busy_layout.addWidget(self.cancel_button)
        self.corner = QStackedWidget()
        self.corner.addWidget(self.key)
        self.corner.addWidget(busy)
        for widget in (label, self.method, self.recompute_button, self.corner):
            header.addWidget(widget)
        header.addStretch(1)
        layout.addLayout(header)

        self.stack = QStackedWidget()
        self.message = QLabel(alignment=Qt.AlignCenter, wordWrap=True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.stack.addWidget(self.graphics)
        self.stack.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        # Wrapped (a long line must not widen the dock) and two lines high whatever it says: a status
        # that changed height would lay the dock out again and repaint the plot (measured: stalls of
        # 60–100 ms when a computation starts).
        self.status = QLabel(wordWrap=True, alignment=Qt.AlignLeft | Qt.AlignTop)
        self.status.setMinimumWidth(120)
        self.status.setFixedHeight(2 * self.status.fontMetrics().lineSpacing() + 2)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.status)

        plot = self.plot = self.graphics.addPlot(0, 0, enableMenu=False)
        plot.getAxis("left").enableAutoSIPrefix(False)
        plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self.bar = ColourBar("loss (log scale)", colors.sequential(), levels=(0, 1))
        self.bar.setImageItem(self.image, insert_in=plot)
        self.contours = pg.PlotDataItem(connect="finite")
        self.curve = pg.PlotDataItem()
        self.path_item = pg.PlotDataItem(symbol="o", symbolSize=4)
        self.start_item = pg.ScatterPlotItem(size=12, symbol="o")
        self.now_item = pg.ScatterPlotItem(size=16, symbol="star")
        for item in (self.contours, self.curve, self.path_item, self.start_item, self.now_item):
            plot.addItem(item)
        self._set_computing(False)
        self.apply_theme()

    def apply_theme(self) -> None:
        t = style.theme()
        self.graphics.setBackground(colors.background())
        colors.style_plot(self.plot)
        self.bar.apply_theme()
        self.message.setStyleSheet(f"color: {colors.foreground()};")
        self.status.setStyleSheet(f"color: {t.muted_text.name()};")
        self.curve.setPen(pg.mkPen(t.text, width=2))
        self._style_path()
        self.path_item.setSymbolPen(pg.mkPen("#1f2430", width=0.6))
        self.start_item.setBrush(pg.mkBrush(START_COLOUR))
        self.start_item.setPen(pg.mkPen("#1f2430", width=2))
        self.now_item.setBrush(pg.mkBrush(NOW_COLOUR))
        self.now_item.setPen(pg.mkPen("#ffffff", width=1.2))
        self.contours.setPen(pg.mkPen(255, 255, 255, 90, width=1))

    def _style_path(self) -> None:
        """White over the landscape's colours, the theme's accent over the page of a curve."""
        t = style.theme()
        path = PATH_COLOUR if self._two_d() else t.selection.name()
        self.key.setText(f"<span style='color:{path if not self._two_d() else t.text.name()}'>•─•</span> path "
                         f"<span style='color:{t.text.name()}'>○</span> start "
                         f"<span style='color:{NOW_COLOUR}'>★</span> now")
        self.path_item.setPen(pg.mkPen(path, width=1.6))
        self.path_item.setSymbolBrush(pg.mkBrush(path))

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange and self._theme is not style.theme():
            self._theme = style.theme()
            self.apply_theme()

    def _two_d(self) -> bool:
        return self.result is not None and len(self.result.landscape.axes) == 2

    # ---- the path ------------------------------------------------------------------------------------
    def _cleared(self) -> None:
        """Another run (another project, a reset): draw anew."""
        self._drawn_key = None
        self._schedule()

    def _progressed(self) -> None:
        if not self.session.running:
            self._schedule()

    def _path(self) -> list[dict[str, np.ndarray]]:
        """The current run's path up to the moment shown: the parameters of its timeline's frames (to
        the timeline's epoch when it shows an earlier one), then the parameters shown if they are not
        the last frame's (after a Math step, say); at most MAX_PATH, evenly thinned, first and last kept."""
        s = self.session
        frames = s.run.timeline.frames if s.run is not None else []
        if s.shown is not None:
            frames = [f for f in frames if f.position <= s.shown]
        path: list[dict[str, np.ndarray]] = []
        for parameters in [f.parameters for f in frames] + [s.current_parameters()]:
            if parameters and (not path or not _same(path[-1], parameters)):
                path.append(parameters)
        if len(path) > MAX_PATH:
            path = [path[i] for i in np.unique(np.linspace(0, len(path) - 1, MAX_PATH).round().astype(int))]
        return path

    # ---- computing -------------------------------------------------------------------------------------
    def shown(self) -> bool:
        return on_screen(self)

    def _schedule(self) -> None:
        self._debounce.start()

    def visibility_changed(self, visible: bool) -> None:
        if visible:
            self._debounce.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.visibility_changed(True)

    def _key(self) -> tuple:
        return self.session.detail_version, self.document.model, self.method.currentData()

    def _compute_if_due(self) -> None:
        if not self.shown():
            return
        if self.session.running:
            if self.result is not None:
                self._say(self._summary() + " — updates when training pauses")
            return
        if self._key() != self._drawn_key:
            self.recompute()

    def recompute(self) -> None:
        """Compute the landscape around the current parameters (cancelling one under way)."""
        if self.computing:
            self._again = True
            self.worker.cancel()
            return
        s, d = self.session, self.document
        trainer = s.trainer
        if trainer is None or d.model is None or s.running:
            if trainer is None or d.model is None:
                self._show_message(s.reason or "Nothing to draw yet: build a network on the canvas.")
            return
        model = d.model.clone()
        model.load_parameters(s.current_parameters() or trainer.model.copy_parameters(), strict=False)
        x, targets = fixed_subsample(trainer.x_train, trainer.t_train, DEFAULT_SAMPLES)
        shapes = {k: v.shape for k, v in model.parameters.items()}
        self.path = self._path()
        trajectory = [p for p in self.path if all(k in p and p[k].shape == shape for k, shape in shapes.items())]
        small = sum(p.size for p in model.parameters.values()) <= 2
        self.method.setEnabled(not small)
        self.job = LandscapeJob(model, np.array(x), {k: np.array(v) for k, v in targets.items()}, trajectory,
                                "auto" if small else self.method.currentData(), seed=trainer.settings["seed"])
        self.generation += 1
        self._drawn_key = self._key()
        self.worker.cancelled.clear()
        self.worker.idle.clear()
        self._set_computing(True)
        self._say(f"Computing the loss around the current parameters on {len(x):,} training rows…")
        if not self.thread.isRunning():
            self.thread.start()
        self._request.emit(self.job, self.generation)

    def cancel(self) -> None:
        self._again = False
        self.worker.cancel()

    def _set_computing(self, on: bool) -> None:
        self.computing = on
        self.corner.setCurrentIndex(1 if on else 0)
        self.progress.setValue(0)

    def _progress(self, done: int, rows: int, generation: int) -> None:
        if generation == self.generation:
            self.progress.setMaximum(rows)
            self.progress.setValue(done)

    def _preview(self, result: LandscapeResult, generation: int) -> None:
        if generation == self.generation and not self._again:
            self.result = result
            self._draw(result)
            self._say(self._summary() + " — a finer grid follows")

    def _finished(self, result, generation: int) -> None:
        self._end_thread()
        self._set_computing(False)
        if self._again:
            self._again = False
            self.recompute()
            return
        if result is None:
            self._drawn_key = None
            self._say("Cancelled. Recompute draws the landscape again.")
        elif isinstance(result, str):
            self._show_message(result)
        else:
            self.result = result
            self._draw(result)
        self.computed.emit()

    def _end_thread(self) -> None:
        if self.worker.idle.is_set() and self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()

    def shutdown(self) -> None:
        """Cancel and join the worker, and end its process: the window is closing."""
        self._again = False
        self.worker.cancel()
        self.worker.idle.wait(30)
        self.thread.quit()
        self.thread.wait()
        self.worker.process.close()

    # ---- drawing ---------------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        """The status line; the whole of it on hover, should two lines not hold it."""
        self.status.setText(text)
        self.status.setToolTip(text)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        self._say("")

    def _draw(self, result: LandscapeResult) -> None:
        land = result.landscape
        two_d = len(land.axes) == 2
        self.stack.setCurrentWidget(self.graphics)
        for item in (self.image, self.bar, self.contours):
            item.setVisible(two_d)
        self.curve.setVisible(not two_d)
        if two_d:
            self._draw_surface(result)
            path_y = land.trajectory[:, 1]
            now = [land.center]
        else:
            self.curve.setData(land.axes[0].values, land.loss)
            path_y = result.path_loss
            now = [(land.center[0], land.center_loss)]
        # A new label or range lays the axes out again (a visible part of the picture's cost): only on change.
        for side, label in (("bottom", land.axes[0].label), ("left", land.axes[1].label if two_d else "loss")):
            if self.plot.getAxis(side).labelText != label:
                self.plot.setLabel(side, label)
        trajectory = land.trajectory
        if len(trajectory):
            self.path_item.setData(trajectory[:, 0], path_y)
            self.start_item.setData([trajectory[0, 0]], [path_y[0]])
        else:
            self.path_item.setData([], [])
            self.start_item.setData([], [])
        self.now_item.setData([p[0] for p in now], [p[1] for p in now])
        self._style_path()
        extent = (land.axes[0].values[[0, -1]].tolist(), float(np.nanmax(land.loss)) if not two_d else
                  land.axes[1].values[[0, -1]].tolist())
        if extent != self._extent:
            self._extent = extent
            self.plot.autoRange(padding=0.02)
        self._say(self._summary())

    def _draw_surface(self, result: LandscapeResult) -> None:
        land = result.landscape
        xs, ys = land.axes[0].values, land.axes[1].values
        lo, hi = result.levels
        self.image.setImage(result.shade, levels=(lo, hi))
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        # Pixel (i, j) spans one cell around grid point (xs[i], ys[j]).
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, xs[-1] - xs[0] + dx, ys[-1] - ys[0] + dy))
        self.bar.setLevels((lo, hi))
        self.bar.axis.setTicks([_loss_ticks(lo, hi)])
        self.contours.setData(*result.contours)

    def _summary(self) -> str:
        result = self.result
        land = result.landscape
        grid = f"{result.resolution} points" if len(land.axes) == 1 else f"{result.resolution}×{result.resolution} grid"
        how = {"parameters": "the parameters themselves", "random": "filter-normalized random directions",
               "pca": "the path's principal directions"}[land.method]
        if land.explained:
            how += f" ({land.explained[0]:.0%} + {land.explained[1]:.0%} of its length)"
        return (f"now L = {number(land.center_loss)} · {grid} on {land.samples:,} training rows, "
                f"{result.seconds:.1f} s · axes: {how} · path of {len(land.trajectory)} snapshots")


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> bool:
    return a.keys() == b.keys() and all(a[k].shape == b[k].shape and np.array_equal(a[k], b[k]) for k in a)


def _loss_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """The colour bar's ticks in loss values (1, 2, 5 × 10ⁿ) at their places on the log scale."""
    candidates = [(m, m * 10.0**e) for e in range(math.floor(lo) - 1, math.ceil(hi) + 1) for m in (1, 2, 5)]
    ticks = [(math.log10(v), number(v, 2)) for m, v in candidates
             if lo <= math.log10(v) <= hi and (m == 1 or hi - lo < 2.5)]  # wide ranges: the powers of ten only
    if len(ticks) > 8:
        ticks = ticks[::2]
    if len(ticks) < 2:
        ticks = [(lo, number(10**lo, 3)), (hi, number(10**hi, 3))]
    return ticks


def install_landscape(window) -> LandscapeView:
    """Add the Landscape dock to ``window`` (a MainWindow), tabbed with the Output view, with a View menu entry."""
    view = LandscapeView(window.document, window.training.session)
    dock = window.add_dock("landscape", "Landscape", view, Qt.BottomDockWidgetArea, tab_with="output")
    add_view_action(window, dock, "Loss &Landscape", "Ctrl+Shift+L", view.method,
                    "The loss around the current parameters, with the run's path")
    return view

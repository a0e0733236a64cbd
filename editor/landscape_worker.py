"""The Landscape view's computation, off the GUI thread and out of its process: a worker object in
a QThread, reached by a queued signal, hands each request to ``engine.landscape_process`` (a child
process: thousands of small forward passes in this process would hold the interpreter lock the
window's paints wait for) and answers by signals — progress, a preview, the result.

A 2-D landscape comes in two passes: a coarse grid first, shown at once, whose time says how fine
a grid fits the budget; then that grid. The picture's shade and contour lines are prepared here,
so the GUI thread only hands arrays to its items.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal, Slot

from engine.errors import NeuroCanvasError
from engine.landscape import Landscape, LandscapeCancelled
from engine.landscape_process import LandscapeProcess, LandscapeRequest
from engine.model import Model

BUDGET_S = 2.5  # a 2-D grid gets as many points as fit in about this time
FINEST, COARSEST = 41, 11  # points per axis of a 2-D grid
CURVE_POINTS = 201  # a 1-D landscape is a curve: cheap, so fine
CONTOURS = 9


@dataclass
class LandscapeJob:
    model: Model  # a clone, holding the current parameters
    x: np.ndarray
    targets: dict[str, np.ndarray]
    trajectory: list[dict[str, np.ndarray]]  # oldest first; the last is usually the current point
    method: str  # auto, pca, random
    seed: int = 0
    resolution: int | None = None  # None: fit the budget

    @property
    def curve(self) -> bool:
        """One parameter in all: the landscape is a curve."""
        return sum(p.size for p in self.model.parameters.values()) == 1


@dataclass
class LandscapeResult:
    landscape: Landscape
    path_loss: np.ndarray | None  # the loss at each snapshot (a curve: the path's points lie on it)
    seconds: float  # the loss's computation, in the child process
    resolution: int
    shade: np.ndarray | None = None  # 2-D: log₁₀ of the loss, float32, what the image shows
    levels: tuple[float, float] = (0.0, 1.0)  # the shade's range
    contours: tuple[np.ndarray, np.ndarray] = field(default_factory=lambda: (np.empty(0), np.empty(0)))


def shade(loss: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """log₁₀ of the loss (a valley and its walls differ by orders of magnitude), non-finite values
    as the largest finite one; and its range."""
    loss = np.asarray(loss, dtype=np.float64)
    finite = loss[np.isfinite(loss)]
    ceiling = float(finite.max()) if finite.size else 1.0
    floor = max(float(finite.min()) if finite.size else 1e-12, 1e-12)
    shown = np.log10(np.clip(np.where(np.isfinite(loss), loss, ceiling), floor, None))
    lo, hi = float(shown.min()), float(shown.max())
    return np.ascontiguousarray(shown, dtype=np.float32), (lo, hi if hi > lo else lo + 1e-6)


def contour_lines(shown: np.ndarray, levels: tuple[float, float], xs: np.ndarray, ys: np.ndarray,
                  count: int = CONTOURS) -> tuple[np.ndarray, np.ndarray]:
    """``count`` contours evenly spaced in the shade, as one polyline in the axes' coordinates with
    NaN between the pieces (one item to draw; tracing them is done here, not in the paint)."""
    dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
    dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
    px, py = [], []
    for level in np.linspace(*levels, count + 2)[1:-1]:
        for piece in pg.isocurve(shown, level, connected=True):
            rows, cols = np.array(piece, dtype=np.float64).T  # (row, column) in the grid's indices
            px += [xs[0] + cols * dx, [np.nan]]
            py += [ys[0] + rows * dy, [np.nan]]
    return (np.concatenate(px), np.concatenate(py)) if px else (np.empty(0), np.empty(0))


class LandscapeWorker(QObject):
    """Lives in the landscape thread; ``compute`` is reached only through a queued signal."""

    progress = Signal(int, int, int)  # rows done, rows in all, generation
    preview = Signal(object, int)  # the coarse LandscapeResult, generation
    finished = Signal(object, int)  # LandscapeResult, or a str saying why not, or None if cancelled; generation

    def __init__(self) -> None:
        super().__init__()
        self.process = LandscapeProcess()
        self.cancelled = threading.Event()
        self.idle = threading.Event()
        self.idle.set()

    def cancel(self) -> None:
        """From any thread: the computation under way stops after its current row."""
        self.cancelled.set()
        self.process.cancel()

    @Slot(object, int)
    def compute(self, job: LandscapeJob, generation: int) -> None:
        try:
            result = self._compute(job, generation)
        except LandscapeCancelled:
            result = None
        except (NeuroCanvasError, ValueError) as e:
            result = f"Cannot compute the landscape: {e}"
        except Exception as e:  # a bug must reach the view, not leave it computing for ever
            result = f"The landscape failed: {type(e).__name__}: {e}"
        self.idle.set()
        self.finished.emit(result, generation)

    def _compute(self, job: LandscapeJob, generation: int) -> LandscapeResult:
        if job.resolution or job.curve:
            return self._pass(job, job.resolution or CURVE_POINTS, generation)[0]
        coarse, computing = self._pass(job, COARSEST, generation)
        point = computing / COARSEST**2  # the child's own time: not its start, not sending the request
        side = min(FINEST, int(math.sqrt(max(BUDGET_S - computing, 0.0) / max(point, 1e-6))))
        side = side if side % 2 else side - 1
        if side <= COARSEST:
            return coarse
        self.preview.emit(coarse, generation)
        if self.cancelled.is_set():
            raise LandscapeCancelled()
        return self._pass(job, side, generation)[0]

    def _pass(self, job: LandscapeJob, resolution: int, generation: int) -> tuple[LandscapeResult, float]:
        """(the result, the seconds the child computed)."""
        request = LandscapeRequest(job.model, job.x, job.targets, job.trajectory, job.method, resolution,
                                   job.seed, path_loss=job.curve)
        land, path_loss, computing = self.process.compute(
            request, lambda done, rows: self.progress.emit(done, rows, generation))
        result = LandscapeResult(land, path_loss, computing, resolution)
        if len(land.axes) == 2:
            result.shade, result.levels = shade(land.loss)
            result.contours = contour_lines(result.shade, result.levels, land.axes[0].values, land.axes[1].values)
        return result, computing

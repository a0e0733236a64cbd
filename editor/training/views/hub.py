"""The hub: the views' timer, the canvas selection they follow, and the model run over the plane.

Each turn refreshes the views due, one after another, until SLICE_S is spent — counting each refresh and
the paints it will cause, estimated by those its last refresh caused (paints come after the turn, all at
once: six views redrawn together at the end of a run stalled the window 160–250 ms). The rest wait for the
next turn, in rotation. The next turn also waits until the last one's cost — its refreshes and the paints
they caused — is at most a share of the time since it began: GUI_SHARE while training runs (the training
process shares the machine's cores with the GUI), IDLE_SHARE otherwise (a turn that built a plot, 25-45 ms,
is followed by a pass of the event loop for its paints and the user's input: builds chained one after
another stalled the window 0.1-0.13 s when a big project's data arrived).
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QRectF, QTimer

from ...on_screen import on_screen
from ..session import TrainingSession
from .activations import ActivationsView
from .base import FRAME_MS, LINE, log
from .gradients import GradientsView
from .loss import LossView
from .neurons import NeuronsView
from .output import OutputView
from .weights import WeightsView


GUI_SHARE = 0.15
IDLE_SHARE = 0.5
SLICE_S = 0.02


class ViewHub(QObject):
    """Owns the views' timer, the canvas selection they follow, and the model run over the plane."""

    VIEWS = (LossView, WeightsView, ActivationsView, GradientsView, OutputView, NeuronsView)

    def __init__(self, session: TrainingSession, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.selected: list[str] = []
        self.selected_unit: tuple[str, int] | None = None  # (node id, unit): a neuron picture clicked
        self._plane_cache = (None, None)
        self._other_cache: tuple = (None, None, None)
        self._other_model, self._other_model_for = None, None
        self._line_cache = (None, None)
        self._predict_cache: dict = {}
        self._failed: set[str] = set()  # views whose refresh raised: logged once each
        self.views = {cls.title: cls(self) for cls in self.VIEWS}
        self.timer = QTimer(self, interval=FRAME_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self._turn_start = 0.0  # when the last turn began
        self._spent = 0.0  # seconds of GUI time the views took since then: refreshes and paints
        self._next = 0  # the view the next turn starts with
        session.progressed.connect(self.mark_dirty)
        session.state_changed.connect(self.mark_dirty)
        session.cleared.connect(self.clear)
        session.runs_changed.connect(self.mark_dirty)

    def mark_dirty(self) -> None:
        for view in self.views.values():
            view.dirty = True

    def clear(self) -> None:
        self._plane_cache = self._line_cache = (None, None)
        for view in self.views.values():
            view.clear()
            view.dirty = True

    def set_selection(self, node_ids: list[str]) -> None:
        self.selected = list(node_ids)
        for title in ("Weights", "Activations", "Neurons"):
            view = self.views[title]
            if view.chooser.follow(self.selected):
                view.dirty = True

    def select_unit(self, node_id: str, unit: int) -> None:
        """One unit of a node, chosen on the canvas: the views that show units mark it."""
        self.selected_unit = (node_id, unit)
        self.set_selection([node_id])
        self.mark_dirty()

    def painted(self, seconds: float) -> None:
        """A view's plots were painted (the cost of a refresh that shows only later)."""
        self._spent += seconds

    def tick(self) -> None:
        running = self.session.running
        start = time.perf_counter()
        if start - self._turn_start < self._spent / (GUI_SHARE if running else IDLE_SHARE):
            return
        self._turn_start, self._spent = start, 0.0
        painting = 0.0  # the paints this turn's refreshes will cause, as their views' last ones cost
        views = list(self.views.values())
        for i in range(len(views)):
            view = views[(self._next + i) % len(views)]
            if not view.dirty or not on_screen(view):
                continue  # a dock tabbed behind another is "visible" out of sight: it draws when shown
            view.dirty = False
            view.refreshing()
            try:
                view.refresh()
            except Exception:  # one broken view must not freeze the others
                if view.title not in self._failed:
                    self._failed.add(view.title)
                    log.exception("The %s view failed to refresh", view.title)
            painting += view.paint_seconds
            if time.perf_counter() - start + painting > SLICE_S:
                self._next = (self._next + i + 1) % len(views)
                break
        self._spent += time.perf_counter() - start

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
        """Every computed node's output over a GRID × GRID sampling of the two-feature input plane: from
        the frame when the training process computed it there, else (an older frame, an idle model)
        computed here once per frame."""
        s = self.session
        key = (s.detail_version, id(s.view_model))
        if self._plane_cache[0] == key:
            return self._plane_cache[1]
        info, grid, detail = s.info, s.plane_grid, s.detail
        if info is None or grid is None or detail is None or detail.parameters is None:
            return None
        rect = QRectF(grid.low[0], grid.low[1], grid.high[0] - grid.low[0], grid.high[1] - grid.low[1])
        if detail.planes and all(n in detail.planes for n in info.nodes):
            values = dict(detail.planes)
        else:
            model = self._loaded_model()
            if model is None:
                return None
            model.forward(grid.points(model.dtype))
            values = {k: np.asarray(v).reshape(grid.size * grid.size, -1).copy() for k, v in model.values.items()}
        self._plane_cache = (key, (values, rect))
        return values, rect

    def plane_of(self, parameters: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
        """Every node's output over the plane for other parameters (another run's), on a model of its own."""
        s = self.session
        if s.view_model is None or s.plane_grid is None:
            return None
        key = id(parameters)
        if self._other_cache[0] != key:
            if self._other_model is None or self._other_model_for is not s.view_model:
                self._other_model, self._other_model_for = s.view_model.clone(), s.view_model
            model = self._other_model
            model.load_parameters(parameters, strict=False)
            model.forward(s.plane_grid.points(model.dtype))
            values = {k: np.asarray(v).reshape(s.plane_grid.size ** 2, -1).copy() for k, v in model.values.items()}
            self._other_cache = (key, values, parameters)  # holding the parameters keeps their id unique
        return self._other_cache[1]

    def line(self) -> tuple[dict[str, np.ndarray], tuple[float, float]] | None:
        """Every node's output over LINE points across the one-feature input range, and that range."""
        s = self.session
        key = (s.detail_version, id(s.view_model))
        if self._line_cache[0] == key:
            return self._line_cache[1]
        model = self._loaded_model()
        info = s.info
        if model is None or info is None or info.n_features != 1:
            return None
        x = np.concatenate([info.x_train, info.x_val]) if len(info.x_val) else info.x_train
        lo, hi = float(x.min()), float(x.max())
        pad = (hi - lo) * 0.05 or 1.0
        points = np.linspace(lo - pad, hi + pad, LINE, dtype=model.dtype)[:, None]
        model.forward(points)
        values = {k: np.asarray(v).reshape(len(points), -1).copy() for k, v in model.values.items()}
        self._line_cache = (key, (values, (lo - pad, hi + pad)))
        return self._line_cache[1]

"""Training off the GUI thread and out of its process.

``TrainingWorker`` lives in a QThread and is only ever reached through a queued signal:
it hands the trainer to the engine's ``TrainingProcess`` (a child process, so the training
loop never competes with the GUI for the interpreter lock) and relays its ``Progress``
reports — at most ``REPORT_HZ`` a second — by signal; when the run ends the trained
trainer comes back. ``TrainingSession`` is the GUI side: it builds the trainer from the
document's project, starts runs, keeps the metric history and the latest detail (weights,
activations, gradient norms) for the views, and rebuilds the trainer when the graph or a
setting that needs it changes — keeping every parameter whose shape still fits.

While a run goes on, the session's own trainer is the state the run started from; stop
requests and setting changes go to the running copy through the process's commands.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, QTimer, Signal, Slot

from engine.errors import NeuroCanvasError
from engine.model import Model
from engine.runner import Progress, RunResult, TrainingProcess
from engine.trainer import Snapshot, Trainer

from .commands import TrainedStateCommand

# Settings the running trainer reads afresh at every batch or epoch: written straight into it.
LIVE_SETTINGS = ("l1", "l2", "patience", "min_delta", "epochs")
# Settings that change the split, the batches or the dtype: they need a new trainer.
REBUILD_SETTINGS = ("batch_size", "validation_split", "shuffle", "seed", "dtype")
HISTORY_SAMPLES = 2048  # weight values kept per parameter and detail snapshot (for histograms)
HISTORY_POINTS = 400  # detail snapshots kept over time (halved when full)


class TrainingWorker(QObject):
    """Runs in the training thread; reached only through queued signals."""

    progress = Signal(object)  # Progress
    finished = Signal(object, int)  # RunResult, generation

    def __init__(self) -> None:
        super().__init__()
        self.process = TrainingProcess()
        self.idle = threading.Event()
        self.idle.set()

    @Slot(object, str, int)
    def perform(self, trainer: Trainer, mode: str, generation: int) -> None:
        result = self.process.perform(trainer, mode, self.progress.emit)
        self.idle.set()
        self.finished.emit(result, generation)


class Growing:
    """A float array that grows by doubling; ``view`` is the filled part (no copy)."""

    def __init__(self) -> None:
        self.data = np.empty(1024)
        self.size = 0

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=float)
        need = self.size + len(values)
        if need > len(self.data):
            grown = np.empty(max(need, 2 * len(self.data)))
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : need] = values
        self.size = need

    @property
    def view(self) -> np.ndarray:
        return self.data[: self.size]

    def clear(self) -> None:
        self.size = 0


@dataclass
class ModelInfo:
    """What the views need to know about the trained model, fixed when the trainer is built."""

    order: list[str]  # every compiled node, in topological order
    nodes: list[str]  # the nodes that compute something (not inputs, not losses), in order
    functions: dict[str, str]  # node id -> the activation function it applies last
    weights: dict[str, str]  # node id -> the array the views and wires show as its weights ("h.weight")
    shapes: dict[str, tuple]
    output_id: str
    task: str
    n_features: int
    n_classes: int
    feature_names: list[str]
    class_names: list[str]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    probe: np.ndarray
    loss_function: str

    @classmethod
    def of(cls, trainer: Trainer) -> ModelInfo:
        model, ds = trainer.model, trainer.dataset
        order = list(model.kinds)
        functions = {n: f for n in order if (f := model.kinds[n].activation(model.params[n]))}
        weights = {n: names[0] for n in order if (names := model.weight_names(n))}
        return cls(
            order=order, nodes=[n for n, _, _ in model.plan], functions=functions, weights=weights,
            shapes=dict(model.shapes), output_id=model.output_id, task=ds.task,
            n_features=ds.n_features, n_classes=ds.n_classes,
            feature_names=list(ds.feature_names), class_names=list(ds.class_names),
            x_train=trainer.x_train, y_train=np.asarray(trainer.y_train), x_val=trainer.x_val,
            y_val=np.asarray(trainer.y_val), probe=trainer.probe,
            loss_function=model.layers[model.output_loss].function,
        )


class TrainingSession(QObject):
    """The GUI side of training for one Document."""

    state_changed = Signal()  # running or not, can train or not, counters
    cleared = Signal()  # a new trainer whose past differs: views drop what they show
    progressed = Signal()  # new losses, metrics or detail
    diverged = Signal(str)
    warned = Signal(str)  # advice from the trainer, e.g. a loss that rises: the learning rate is too high
    notice = Signal(str)  # e.g. what was kept and initialized after a graph change
    settings_changed = Signal()  # project.training changed (edit, undo, open)

    _request = Signal(object, str, int)

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.trainer: Trainer | None = None
        self.view_model: Model | None = None
        self.info: ModelInfo | None = None
        self.reason = ""  # why training cannot start, when it cannot
        self.running: str | None = None  # the mode of the run in progress
        self.generation = 0
        self._project = None
        self._rebuild_pending = False
        self._resume_after: str | None = None
        self._shut_down = False
        self.samples_per_second = 0.0
        self.last_divergence = ""
        self.last_warning = ""  # the trainer's latest advice, until the optimizer settings change
        self._clear_data()

        self.thread = QThread(self)
        self.thread.setObjectName("NeuroCanvas training")
        self.worker = TrainingWorker()
        self.worker.moveToThread(self.thread)
        self._request.connect(self.worker.perform, Qt.QueuedConnection)
        self.worker.progress.connect(self._on_progress, Qt.QueuedConnection)
        self.worker.finished.connect(self._on_finished, Qt.QueuedConnection)
        # The thread runs only while a run does: an idle session can be destroyed at any time.

        document.project_replaced.connect(self._project_replaced)
        document.compiled.connect(self.request_rebuild)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._project_replaced()

    # ---- data for the views -------------------------------------------------------------------
    def _clear_data(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.batch_x = Growing()
        self.batch_loss = Growing()
        self.detail: Snapshot | None = None
        self.detail_version = 0
        self.grad_records: list[tuple[float, dict[str, float]]] = []  # (epochs, node id -> gradient norm)
        self.weight_x: list[float] = []
        self.weight_samples: dict[str, list[np.ndarray]] = {}  # "<node>.weight" -> samples over time
        self.epoch = self.batch = 0
        self.batches_per_epoch = 0
        self.total_batches = 0

    @property
    def position(self) -> float:
        """Where training is, in epochs (fractional)."""
        return self.epoch + (self.batch / self.batches_per_epoch if self.batches_per_epoch else 0.0)

    def _record_gradients(self, x: float, norms: dict[str, float]) -> None:
        """One point of the Gradients view: each node's gradient norm over all its parameters."""
        per_node: dict[str, float] = {}
        for name, norm in norms.items():
            node = name.rsplit(".", 1)[0]
            per_node[node] = per_node.get(node, 0.0) + norm * norm
        self.grad_records.append((x, {k: math.sqrt(v) for k, v in per_node.items()}))
        if len(self.grad_records) > 4 * HISTORY_POINTS:
            self.grad_records = self.grad_records[::2]

    def _take_detail(self, detail: Snapshot, x: float) -> None:
        self.detail = detail
        self.detail_version += 1
        if detail.parameters and self.info is not None:
            shown = set(self.info.weights.values())
            for name, values in detail.parameters.items():
                if name not in shown:
                    continue
                flat = values.ravel()
                if flat.size > HISTORY_SAMPLES:
                    flat = flat[np.linspace(0, flat.size - 1, HISTORY_SAMPLES).astype(int)]
                series = self.weight_samples.setdefault(name, [None] * len(self.weight_x))
                series.append(np.asarray(flat, dtype=np.float32))
            for name, series in self.weight_samples.items():
                if len(series) < len(self.weight_x) + 1:
                    series.append(None)
            self.weight_x.append(x)
            if len(self.weight_x) > HISTORY_POINTS:
                self.weight_x = self.weight_x[::2]
                self.weight_samples = {k: v[::2] for k, v in self.weight_samples.items()}

    # ---- state ----------------------------------------------------------------------------------
    @property
    def can_train(self) -> bool:
        return self.trainer is not None and not self._shut_down

    @property
    def trained(self) -> bool:
        stepped = self.trainer is not None and bool(self.trainer.optimizer.state)  # e.g. by the Math view's Step
        return bool(self.epoch or self.batch or self.total_batches or self.history.get("loss") or stepped)

    # ---- the trained state, read and set by hand (the Math view, the Landscape) -------------------------
    def current_parameters(self) -> dict[str, np.ndarray] | None:
        """The parameters the views show: the latest snapshot's (copies, safe while a run goes on)."""
        return self.detail.parameters if self.detail is not None else None

    def optimizer_state(self) -> dict | None:
        """The idle trainer's optimizer state (``Optimizer.state_dict()``: copies); None during a run,
        whose optimizer lives in the training process, or without a trainer."""
        if self.trainer is None or self.running:
            return None
        return self.trainer.optimizer.state_dict()

    def take_step(self, parameters: dict[str, np.ndarray], optimizer_state: dict, text: str) -> bool:
        """New parameters and optimizer state from one update taken by hand, as ONE undoable command
        (undo puts back the parameters and the optimizer state before it). Only while idle."""
        if self.trainer is None or self.running:
            return False
        before = (self.trainer.model.copy_parameters(), self.trainer.optimizer.state_dict())
        self.document.undo_stack.push(TrainedStateCommand(text, before, (parameters, optimizer_state), self.restore_state))
        return True

    def restore_state(self, parameters: dict[str, np.ndarray], optimizer_state: dict) -> None:
        """Set the trainer's parameters and optimizer state (an undo or redo): a run stops first, and
        what no longer fits the graph (edited since) keeps its values."""
        self._resume_after = None
        self._stop_and_wait()
        self.document.flush()  # a graph edit waiting for validation rebuilds the trainer first
        t = self.trainer
        if t is None:
            self.document.project.parameters = {k: v.copy() for k, v in parameters.items()}
            return
        t.model.load_parameters(parameters, strict=False)
        fits = {name for name, p in t.model.parameters.items()
                if all(np.shape(b) == p.shape for b in optimizer_state.get("buffers", {}).get(name, {}).values())}
        t.optimizer.load_state_dict({
            "step": {k: v for k, v in optimizer_state.get("step", {}).items() if k in fits},
            "buffers": {k: {b: np.asarray(v, dtype=t.dtype) for b, v in bs.items()}
                        for k, bs in optimizer_state.get("buffers", {}).items() if k in fits},
        })
        self._commit()
        self._detail_from_idle_trainer()
        self.state_changed.emit()

    @property
    def settings(self) -> dict:
        return self.document.project.training

    # ---- building the trainer ---------------------------------------------------------------------
    def _project_replaced(self) -> None:
        """Another project: stop (and join) any run of the old one; start from the new one's state."""
        self._resume_after = None
        self._rebuild_pending = False
        self._stop_and_wait()
        self.generation += 1
        self._project = self.document.project
        self.trainer = None
        self._clear_data()
        self.last_divergence = self.last_warning = ""
        self.history = {k: list(v) for k, v in self._project.history.items()}
        self._rebuild(announce=False)
        self.cleared.emit()
        self.settings_changed.emit()
        self.state_changed.emit()

    def request_rebuild(self) -> None:
        """Build a new trainer from the current graph and settings, keeping what fits.
        During a run: stop after the current batch, rebuild, and carry on."""
        if self.running:
            self._rebuild_pending = True
            if self._resume_after is None:
                self._resume_after = self.running if self.running == "run" else None
            self.worker_stop()
            return
        self._rebuild()

    def _commit(self) -> None:
        """The idle trainer's state into the project (the settings stay the project's)."""
        if self.trainer is not None and self._project is not None:
            self._project.absorb(self.trainer)

    def _rebuild(self, announce: bool = True) -> None:
        """A trainer for the document's compiled model (a clone: the document's stays untouched),
        starting from the project's state and keeping every parameter whose shape still fits."""
        self._rebuild_pending = False
        self._commit()
        project, document = self.document.project, self.document
        old = self.trainer
        self.trainer, self.view_model, self.info = None, None, None
        if document.model is None:
            self.reason = self._why_not()
            self.state_changed.emit()
            return
        try:
            trainer = Trainer(project.graph, document.dataset, project.training, project.parameters, project.history,
                              project.epoch, strict=False, model=document.model.clone())
        except (NeuroCanvasError, OSError, ValueError) as e:
            self.reason = f"Cannot train: {e}"
            self.state_changed.emit()
            return
        self.reason = ""
        self.trainer, self.view_model = trainer, document.model.clone()
        self.info = ModelInfo.of(trainer)
        self.epoch, self.batches_per_epoch = trainer.epoch, trainer.batches_per_epoch
        self.batch = trainer.batch
        had = old is not None or bool(project.parameters)
        if announce and had and trainer.initialized and trainer.kept:
            self.notice.emit(
                f"The graph changed: kept {self._names(trainer.kept)}; initialized {self._names(trainer.initialized)}."
            )
        elif announce and had and trainer.initialized:
            self.notice.emit(f"The graph changed: no parameters fit any more; initialized {self._names(trainer.initialized)}.")
        elif announce and old is not None:
            self.notice.emit("")
        self._detail_from_idle_trainer()
        self.state_changed.emit()

    def _why_not(self) -> str:
        document = self.document
        errors = document.analysis.errors
        if errors:
            first = errors[0]
            where = f"{first.node}: " if first.node else ""
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return f"Fix the graph first — {where}{first.message}{more}"
        return f"Cannot train: {document.dataset_error or document.compile_error}"

    @staticmethod
    def _names(names: list[str]) -> str:
        return ", ".join(names) if len(names) <= 6 else ", ".join(names[:6]) + f" and {len(names) - 6} more"

    def _detail_from_idle_trainer(self) -> None:
        """Weights and activations of the idle trainer (it is not running: the GUI may read it)."""
        t = self.trainer
        if t is None or self.running:
            return
        model = t.model
        parameters = model.copy_parameters()
        model.forward(t.probe)
        activations = {k: v.copy() for k, v in model.values.items()}
        snapshot = Snapshot(t.epoch, t.batch, t.batches_per_epoch, math.nan, parameters=parameters, activations=activations)
        self._take_detail(snapshot, self.position)
        self.progressed.emit()

    # ---- settings -------------------------------------------------------------------------------
    def apply_training(self, training: dict) -> None:
        """The project's new training settings (already validated): into the trainer, live where it can."""
        old = self.document.project.training
        self.document.project.training = training
        changed = {k for k in set(old) | set(training) if old.get(k) != training.get(k)}
        t = self.trainer
        if t is not None:
            live = {key: training[key] for key in changed & set(LIVE_SETTINGS)}
            if "optimizer" in changed:
                t.set_optimizer(training["optimizer"])
                self.last_warning = ""
            t.settings.update(live)
            if self.running:  # the running copy, from its next batch
                if "optimizer" in changed:
                    self.worker.process.set_optimizer(training["optimizer"])
                self.worker.process.update_settings(live)
        if changed & {"dtype", "seed"}:
            self.document.recompile()  # new initial parameters; the document's `compiled` rebuilds the trainer
        elif t is not None and changed & set(REBUILD_SETTINGS):
            self.request_rebuild()
        self.settings_changed.emit()
        self.state_changed.emit()

    # ---- commands from the panel --------------------------------------------------------------------
    def train(self) -> None:
        self._start("run")

    def step_batch(self) -> None:
        self._start("batch")

    def step_epoch(self) -> None:
        self._start("epoch")

    def toggle(self) -> None:
        if self.running:
            self.pause()
        else:
            self.train()

    def pause(self) -> None:
        self._resume_after = None  # a pending rebuild still happens when the run ends
        self.worker_stop()

    def dismiss_advice(self) -> None:
        """The person closed the divergence or warning banner."""
        self.last_divergence = self.last_warning = ""
        self.state_changed.emit()

    def worker_stop(self) -> None:
        if self.running:
            self.worker.process.stop()  # honoured between batches

    def _start(self, mode: str) -> None:
        if not self.running:
            self.document.flush()  # an edit still waiting for validation is part of what trains
        if self.running or not self.can_train:
            return
        self.last_divergence = ""
        self.running = mode
        self.worker.idle.clear()
        self.document.undo_stack.resetClean()  # the parameters will differ from the file
        self.state_changed.emit()
        if not self.thread.isRunning():
            self.thread.start()
        self._request.emit(self.trainer, mode, self.generation)

    def reset_parameters(self) -> None:
        """Fresh seeded parameters and an empty history (the panel asks first)."""
        self._stop_and_wait()
        self.document.flush()
        self._resume_after = None
        project = self.document.project
        project.reset_state()
        self.trainer = None
        self._clear_data()
        self.last_divergence = self.last_warning = ""
        self._rebuild(announce=False)
        self.document.undo_stack.resetClean()
        self.cleared.emit()
        self.notice.emit("")
        self.state_changed.emit()

    # ---- reports from the worker --------------------------------------------------------------------
    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        if self.trainer is None or self._shut_down:
            return
        self.epoch, self.batch, self.batches_per_epoch = p.epoch, p.batch, p.batches_per_epoch
        if p.batch_loss:
            self.batch_x.extend(p.batch_x)
            self.batch_loss.extend(p.batch_loss)
            self.total_batches += len(p.batch_loss)
        for key, tail in p.history.items():
            self.history.setdefault(key, []).extend(tail)
        for x, norms in p.gradient_norms:
            self._record_gradients(x, norms)
        if p.detail is not None:
            self._take_detail(p.detail, p.batch_x[-1] if p.batch_x else self.position)
        if p.samples_per_second:
            self.samples_per_second = p.samples_per_second
        self.progressed.emit()
        for warning in p.warnings:
            self.last_warning = warning
            self.warned.emit(warning)

    @Slot(object, int)
    def _on_finished(self, result: RunResult, generation: int) -> None:
        if generation != self.generation or self._shut_down:
            return
        self._end_thread()
        self.running = None
        if result.trainer is not None:
            self.trainer = result.trainer
        if self.trainer is not None:
            self.epoch, self.batch = self.trainer.epoch, self.trainer.batch
            self.history = {k: list(v) for k, v in self.trainer.history.items()}
        self._commit()
        if result.reason == "diverged":
            self.last_divergence = result.message
            self._resume_after = None
            self.diverged.emit(result.message)
        elif result.reason == "error":
            self._resume_after = None
            self.notice.emit(f"Training stopped: {result.message}")
        elif result.reason == "early_stopped":
            self.notice.emit("Early stopping: " + "; ".join(result.notes))
        if self._rebuild_pending:
            self._rebuild()
        else:
            self._detail_from_idle_trainer()
        self.state_changed.emit()
        resume, self._resume_after = self._resume_after, None
        if resume and self.can_train:
            self._start(resume)

    # ---- stopping for good ------------------------------------------------------------------------------
    def _end_thread(self) -> None:
        """The worker is idle: let its thread finish (it starts again with the next run)."""
        if self.worker.idle.is_set() and self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()

    def _stop_and_wait(self, timeout_s: float = 10.0) -> bool:
        """Stop a run and wait until the worker is idle; deliver its last reports now."""
        if not self.running:
            return True
        self.worker_stop()
        done = self.worker.idle.wait(timeout_s)
        QCoreApplication.sendPostedEvents(self, QEvent.MetaCall)
        return done

    def commit(self) -> None:
        """Make the project hold the trained state now (before a save): a run pauses, commits and goes on."""
        if self.running:
            mode = self.running if self.running == "run" else None
            self._resume_after = None
            self._stop_and_wait()
            if mode and self.can_train:
                QTimer.singleShot(0, lambda: self._start(mode))
        else:
            self._commit()

    def shutdown(self) -> None:
        """Stop the run and join the thread: the window is closing."""
        if self._shut_down:
            return
        self._stop_and_wait()
        self._shut_down = True
        self.running = None
        self.worker.process.close()
        self.thread.quit()
        self.thread.wait()

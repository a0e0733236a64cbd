"""Training off the GUI thread and out of its process, and the runs it makes.

``TrainingWorker`` lives in a QThread and is only ever reached through a queued signal:
it hands the trainer to the engine's ``TrainingProcess`` (a child process, so the training
loop never competes with the GUI for the interpreter lock) and relays its ``Progress``
reports by signal; when the run ends the trained trainer comes back. ``TrainingSession`` is
the GUI side: it builds the trainer from the document's compiled model, starts runs, and keeps
the project's runs (``engine.runs``): each experiment's history, events and timeline of frames.
A change that makes the curve no longer one experiment — other data, a graph edit that initializes
parameters, Reset, Rewind — starts a new run; undoing the edit that started one goes back to
the run before it, parameters and all.

The views draw ``detail``: the frame at the timeline's position when one is shown, else the
latest. While a run goes on, the session's own trainer is the state the run started from;
stop requests and setting changes go to the running copy through the process's commands.
"""
from __future__ import annotations

import copy
import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, QTimer, Signal, Slot

from engine.errors import NeuroCanvasError
from engine.frames import PlaneGrid, ViewRequest, take_frame
from engine.model import Model
from engine.runner import Progress, RunResult, TrainingProcess, epochs_left
from engine.runs import Run, Runs, Setup, classify
from engine.trainer import Trainer
from engine.training_state import Snapshot

from .commands import TrainedStateCommand
from .live import LiveData

# Settings the running trainer reads afresh at every batch or epoch: written straight into it.
LIVE_SETTINGS = ("l1", "l2", "patience", "min_delta", "epochs", "pace")
# Settings that change the split, the batches or the dtype: they need a new trainer.
REBUILD_SETTINGS = ("batch_size", "validation_split", "shuffle", "seed", "dtype")
REPORT_MS = 100


class TrainingWorker(QObject):
    """Runs in the training thread; reached only through queued signals."""

    progress = Signal(object)  # Progress
    finished = Signal(object, int)  # RunResult, generation

    def __init__(self) -> None:
        super().__init__()
        self.process = TrainingProcess()
        self.idle = threading.Event()
        self.idle.set()

    @Slot(object, str, int, object)
    def perform(self, trainer: Trainer, mode: str, generation: int, more_epochs) -> None:
        result = self.process.perform(trainer, mode, self.progress.emit, more_epochs)
        self.idle.set()
        self.finished.emit(result, generation)


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
    cleared = Signal()  # another run is current: views drop what they show
    progressed = Signal()  # new losses, metrics or detail (or another frame shown)
    diverged = Signal(str)
    warned = Signal(str)  # advice from the trainer, e.g. a loss that rises: the learning rate is too high
    notice = Signal(str)  # e.g. what was kept and initialized after a graph change
    settings_changed = Signal()  # project.training changed (edit, undo, open)
    runs_changed = Signal()  # a run began, ended, was renamed, shown or hidden; an event was added
    timeline_changed = Signal()  # new frames, or another position shown
    asks_for_epochs = Signal(str)  # Train at the total: how many more epochs? (the message says why)

    _request = Signal(object, str, int, object)

    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.trainer: Trainer | None = None
        self.view_model: Model | None = None
        self.info: ModelInfo | None = None
        self.runs = Runs()
        self.reason = ""  # why training cannot start, when it cannot
        self.running: str | None = None  # the mode of the run in progress
        self.generation = 0
        self._project = None
        self._rebuild_pending = False
        self._opening = False  # the opened project's data is still loading: its first trainer opens its runs
        self._resume_after: str | None = None
        self._shut_down = False
        self.samples_per_second = 0.0
        self.last_divergence = ""
        self.last_warning = ""  # the trainer's latest advice, until the optimizer settings change
        self.target_epoch: int | None = None  # where the run under way ends
        self.plane_grid: PlaneGrid | None = None  # where the views draw the input plane (two features)
        self._clear_data()

        # The training process reports ~25 times a second; the panels, views and canvas that follow it
        # are told at most 1000 / REPORT_MS times (a coalesced ``progressed``), idle time for the GUI.
        self._report_timer = QTimer(self, singleShot=True, interval=REPORT_MS)
        self._report_timer.timeout.connect(self._report)
        self._frames_pending = False

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
        document.loading_changed.connect(self._loading_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._project_replaced()

    # ---- what the views draw -------------------------------------------------------------------------
    def _clear_data(self) -> None:
        """A run begins (or another becomes current): nothing of the last one's is drawn."""
        self.live = LiveData()
        self._latest: Snapshot | None = None
        self.shown: float | None = None  # the timeline's position, None: the latest
        self.detail_version = 0
        self.epoch = self.batch = 0
        self.batches_per_epoch = 0

    @property
    def run(self) -> Run | None:
        """The current run: the one training continues."""
        return self.runs.current

    @property
    def history(self) -> dict[str, list[float]]:
        return self.run.history if self.run is not None else {}

    @property
    def detail(self) -> Snapshot | None:
        """What the views draw: the frame at the timeline's position, or the latest."""
        if self.shown is not None and self.run is not None:
            frame = self.run.timeline.at(self.shown)
            if frame is not None:
                return frame
        return self._latest

    # The current run's per-batch data, as the views read it.
    batch_x = property(lambda self: self.live.batch_x)
    batch_loss = property(lambda self: self.live.batch_loss)
    grad_records = property(lambda self: self.live.grad_records)
    weight_x = property(lambda self: self.live.weight_x)
    weight_samples = property(lambda self: self.live.weight_samples)
    total_batches = property(lambda self: self.live.total_batches)

    @property
    def position(self) -> float:
        """Where training is, in epochs (fractional)."""
        return self.epoch + (self.batch / self.batches_per_epoch if self.batches_per_epoch else 0.0)

    def _take_detail(self, detail: Snapshot) -> None:
        self._latest = detail
        if self.shown is None:
            self.detail_version += 1

    # ---- the timeline ----------------------------------------------------------------------------------
    @property
    def frame_positions(self) -> list[float]:
        """Where the current run has frames, in epochs."""
        return self.run.timeline.positions if self.run is not None else []

    def show_position(self, position: float | None) -> None:
        """Draw the run at ``position`` (its frame at or before it), or again the latest (None)."""
        if position is not None and self.frame_positions and position >= self.frame_positions[-1] and not self.running:
            position = None  # the last frame is the present
        if position == self.shown:
            return
        self.shown = position
        self.detail_version += 1
        self.timeline_changed.emit()
        self.progressed.emit()
        self.state_changed.emit()

    def rewind(self) -> None:
        """Training continues from the shown frame, as a new run branched from the current one."""
        if self.running or self.shown is None or self.run is None or self.trainer is None:
            return
        self._commit()
        try:
            trainer, _ = self.runs.rewind(self.run.id, self.shown, self.document.graph, self.document.dataset)
        except NeuroCanvasError as e:
            self.notice.emit(f"Cannot rewind: {e}")
            return
        if trainer.settings != self.document.project.training:  # the settings it had then
            self.document.project.training = copy.deepcopy(trainer.settings)
            self.settings_changed.emit()
        self._install(trainer)
        self._new_current_run()
        self.notice.emit(f"Rewound to epoch {self.run.branch_epoch:g}: {self.run.name}.")

    # ---- the runs panel ------------------------------------------------------------------------------
    def restore_run(self, run_id: int) -> None:
        """Make an earlier run current again: exactly as it was left when the graph, data and settings
        are its own; otherwise its parameters that fit, as a new run."""
        if self.running or self.trainer is None or run_id == self.runs.current_id:
            return
        self._commit()
        run = self.runs.get(run_id)
        document = self.document
        if not classify(run.now, self._setup(self.trainer)).differences and run.timeline.last is not None \
                and run.timeline.last.state is not None:
            self._install(self.runs.reopen(run_id, document.graph, document.dataset))
        elif run.parameters is None:
            self.notice.emit(f"{run.label} kept no parameters to restore.")
            return
        else:
            trainer = self.trainer
            kept, initialized = trainer.model.load_parameters(run.parameters, strict=False)
            self.runs.branch(trainer, self._setup(trainer), run)
            if initialized:
                self.notice.emit(f"From {run.label}: kept {self._names(kept)}; initialized {self._names(initialized)}.")
        self._new_current_run()

    def runs_edited(self) -> None:
        """The Runs panel renamed, deleted, showed or hid a run."""
        self.runs_changed.emit()

    def _setup(self, trainer: Trainer) -> Setup:
        return Setup.of(trainer, self.document.project.dataset, self.document.graph)

    def _track(self, trainer: Trainer, how: str) -> tuple[Trainer, bool]:
        """The run the new trainer belongs to: the same one (an event), a new one, or — when the
        change is an undo or redo — the earlier run made for exactly this graph, reopened as it was
        left. Returns the trainer to use (a reopened run brings its own) and whether the views start over."""
        before = self.run
        setup = self._setup(trainer)
        if how == "open":
            self.runs.open(trainer, setup)
        elif how == "reset":
            self.runs.reset(trainer, setup)
        else:
            match = self._same_setup(setup) if self.document.take_history_move() else None
            if match is not None:
                trainer = self.runs.reopen(match.id, self.document.graph, self.document.dataset)
                if before is not None and before is not match and not before.trained:
                    self.runs.delete(before.id)  # an edit undone before it was trained: nothing to keep
            else:
                self.runs.update(trainer, setup)
        over = self.run is not before or not self.run.trained or how != "update"
        if over:  # nothing of the last run's is drawn, and its advice is not this one's
            self._clear_data()
            self.last_divergence = self.last_warning = ""
            self.cleared.emit()
        self.runs_changed.emit()
        return trainer, over

    def _same_setup(self, setup: Setup) -> Run | None:
        """The latest earlier run made for exactly this graph, data and settings, that can be reopened."""
        for run in reversed(list(self.runs)):
            if run is self.run or run.timeline.last is None or run.timeline.last.state is None:
                continue
            if not classify(run.now, setup).differences:
                return run
        return None

    def _new_current_run(self) -> None:
        """After a rewind or a restore: the views start over from the new current run."""
        self._clear_data()
        self.last_divergence = self.last_warning = ""
        self._take_run_frames()
        self.cleared.emit()
        self.runs_changed.emit()
        self.timeline_changed.emit()
        self.progressed.emit()
        self.state_changed.emit()

    def _take_run_frames(self) -> None:
        """The current run's frames into what the views draw (after it became current)."""
        run = self.run
        if run is None or self.trainer is None:
            return
        for frame in run.timeline:
            self.live.add_frame(frame)
        self.epoch, self.batch = self.trainer.epoch, self.trainer.batch
        self.batches_per_epoch = self.trainer.batches_per_epoch
        if run.timeline.last is not None:
            self._take_detail(run.timeline.last)

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
        """The parameters the views show: the shown frame's or the latest (copies, safe while a run goes on)."""
        return self.detail.parameters if self.detail is not None else None

    def optimizer_state(self) -> dict | None:
        """The optimizer's state (``Optimizer.state_dict()``) with those parameters: the shown frame's,
        else the idle trainer's; None during a run between frames (its optimizer lives in the
        training process), or without a trainer."""
        detail = self.detail
        if detail is not None and detail.state is not None and (self.shown is not None or self.running):
            return detail.state.optimizer_state
        if self.trainer is None or self.running:
            return None
        return self.trainer.optimizer.state_dict()

    @property
    def can_step_by_hand(self) -> bool:
        """An update by hand (``take_step``) applies to the present: idle, the timeline at the latest."""
        return self.trainer is not None and not self.running and self.shown is None

    def take_step(self, parameters: dict[str, np.ndarray], optimizer_state: dict, text: str) -> bool:
        """New parameters and optimizer state from one update taken by hand, as ONE undoable command
        (undo puts back the parameters and the optimizer state before it). Only ``can_step_by_hand``."""
        if not self.can_step_by_hand:
            return False
        before = (self.trainer.model.copy_parameters(), self.trainer.optimizer.state_dict())
        self.document.undo_stack.push(TrainedStateCommand(text, before, (parameters, optimizer_state), self.restore_state))
        return True

    def import_parameters(self, parameters: dict[str, np.ndarray], text: str) -> bool:
        """Parameters trained elsewhere (checked against the graph) as ONE undoable command: a run stops
        first and the views go to the present. The optimizer starts afresh over them (step 0 and no
        buffers: an archive holds no optimizer state), which also marks the network trained."""
        self._resume_after = None
        self._stop_and_wait()
        self.show_position(None)
        self.document.flush()
        if self.trainer is None:
            return False
        before = (self.trainer.model.copy_parameters(), self.trainer.optimizer.state_dict())
        fresh = {"step": {name: 0 for name in self.trainer.model.parameters}, "buffers": {}}
        after = ({name: array.copy() for name, array in parameters.items()}, fresh)
        self.document.undo_stack.push(TrainedStateCommand(text, before, after, self.restore_state))
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
        self._take_detail(take_frame(t))  # the views draw the new present (not a frame of the run's timeline)
        self.progressed.emit()
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
        self.runs = self._project.runs  # saved with the project
        self.trainer = None
        self._clear_data()
        self.last_divergence = self.last_warning = ""
        self._rebuild(announce=False, how="open")
        self._opening = self.trainer is None and self.document.loading is not None
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
        """The idle trainer's state into the project and its run (the settings stay the project's)."""
        if self.trainer is not None and self._project is not None:
            self._project.absorb(self.trainer)
            if self.run is not None and self.trainer.position > self.run.start_position:
                self.run.follow(self.trainer)

    def _rebuild(self, announce: bool = True, how: str = "update") -> None:
        """A trainer for the document's compiled model (a clone: the document's stays untouched),
        starting from the project's state and keeping every parameter whose shape still fits.
        ``how``: "open" (a project was opened), "reset" (fresh parameters), "update" (anything else)."""
        self._rebuild_pending = False
        self._commit()
        project, document = self.document.project, self.document
        old = self.trainer
        self.trainer, self.view_model, self.info = None, None, None
        if document.model is None:
            self.reason = self._why_not()
            self.state_changed.emit()
            return
        if self._opening:  # the data of the project just opened has arrived
            how, self._opening = "open", False
        try:
            trainer = Trainer(project.graph, document.dataset, project.training, project.parameters, project.history,
                              project.epoch, strict=False, model=document.model.clone())
        except (NeuroCanvasError, OSError, ValueError) as e:
            self.reason = f"Cannot train: {e}"
            self.state_changed.emit()
            return
        if old is not None and how == "update" and not trainer.initialized and old.model.arrays.keys() == trainer.model.arrays.keys():
            trainer.optimizer.load_state_dict(old.optimizer.state_dict())  # a batch size changed: momentum goes on
        self.reason = ""
        initialized, kept = trainer.initialized, trainer.kept
        trainer, over = self._track(trainer, how)
        self._install(trainer)
        if over:
            self._take_run_frames()
        else:  # the run goes on with this graph: the views draw the new model's present
            self._take_detail(take_frame(trainer))
        had = old is not None or bool(project.parameters)
        if announce and had and initialized and kept:
            self.notice.emit(f"The graph changed: kept {self._names(kept)}; initialized {self._names(initialized)}.")
        elif announce and had and initialized:
            self.notice.emit(f"The graph changed: no parameters fit any more; initialized {self._names(initialized)}.")
        elif announce and old is not None:
            self.notice.emit("")
        self.progressed.emit()
        self.timeline_changed.emit()
        self.state_changed.emit()

    def _install(self, trainer: Trainer) -> None:
        """``trainer`` becomes the session's, with a model for the views (a clone) and what they need to know."""
        self.trainer = trainer
        self.view_model = self.document.model.clone() if self.document.model is not None else trainer.model.clone()
        self.info = ModelInfo.of(trainer)
        self.epoch, self.batch = trainer.epoch, trainer.batch
        self.batches_per_epoch = trainer.batches_per_epoch
        self.worker.process.set_views(self._view_request())
        self._project.absorb(trainer)

    def _view_request(self) -> ViewRequest | None:
        """The heavy per-frame work the views need done in the training process: every node's output
        over the input plane, for a network with two input features."""
        info = self.info
        self.plane_grid = None
        if info is None or info.n_features != 2:
            return None
        x = np.concatenate([info.x_train, info.x_val]) if len(info.x_val) else info.x_train
        self.plane_grid = PlaneGrid.around(x)
        return ViewRequest(self.plane_grid, tuple(info.nodes))

    def _why_not(self) -> str:
        document = self.document
        errors = document.analysis.errors
        if errors:
            first = errors[0]
            where = f"{first.node}: " if first.node else ""
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            return f"Fix the graph first — {where}{first.message}{more}"
        job = document.loading
        if document.dataset is None and job is not None and job.purpose == "project":
            return f"{job.status()} Training can start when the data is in."
        return f"Cannot train: {document.dataset_error or document.compile_error}"

    def _loading_changed(self) -> None:
        """The project's data is on its way: the reason training waits says how far it is."""
        if self.trainer is None and self.document.model is None:
            self.reason = self._why_not()
            self.state_changed.emit()

    @staticmethod
    def _names(names: list[str]) -> str:
        return ", ".join(names) if len(names) <= 6 else ", ".join(names[:6]) + f" and {len(names) - 6} more"

    # ---- settings -------------------------------------------------------------------------------
    def apply_training(self, training: dict) -> None:
        """The project's new training settings (already validated): into the trainer, live where it can.
        A change while idle is an event of the run (or starts a new one, like another seed)."""
        old = self.document.project.training
        self.document.project.training = training
        changed = {k for k in set(old) | set(training) if old.get(k) != training.get(k)}
        t = self.trainer
        if t is not None:
            live = {key: training.get(key) for key in changed & set(LIVE_SETTINGS)}
            if "optimizer" in changed:
                t.set_optimizer(training["optimizer"])
                self.last_warning = ""
            for key, value in live.items():
                if value is None:
                    t.settings.pop(key, None)  # a pace removed: as fast as possible
                else:
                    t.settings[key] = value
            if self.running:  # the running copy, from its next batch (it reports the events)
                if "optimizer" in changed:
                    self.worker.process.set_optimizer(training["optimizer"])
                if "pace" in live:
                    self.worker.process.set_pace(live.pop("pace"))
                self.worker.process.update_settings(live)
        if changed & {"dtype", "seed"}:
            self.document.recompile()  # new initial parameters; the document's `compiled` rebuilds the trainer
        elif t is not None and changed & set(REBUILD_SETTINGS):
            self.request_rebuild()
        elif t is not None and not self.running and self.run is not None:
            self.runs.update(t, self._setup(t))  # an event of the run: "lr 0.03 → 0.3"
            self.runs_changed.emit()
        self.settings_changed.emit()
        self.state_changed.emit()

    # ---- commands from the panel --------------------------------------------------------------------
    def train(self) -> None:
        self._start("run")

    def step_batch(self) -> None:
        self._start("batch")

    def step_epoch(self) -> None:
        self._start("epoch")

    def train_more(self, epochs: int) -> None:
        """Continue a run that reached its total for ``epochs`` more."""
        self._start("run", epochs)

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

    def _start(self, mode: str, more_epochs: int | None = None) -> None:
        if not self.running:
            self.document.flush()  # an edit still waiting for validation is part of what trains
        if self.running or not self.can_train:
            return
        if mode == "run" and more_epochs is None and not epochs_left(self.trainer):
            self.asks_for_epochs.emit(f"{self.run.label if self.run else 'This run'} has trained its "
                                      f"{self.trainer.settings['epochs']} epochs.")
            return
        self.last_divergence = ""
        self.shown = None  # training shows the present
        self.detail_version += 1
        self.running = mode
        self.target_epoch = (self.trainer.epoch + (more_epochs or epochs_left(self.trainer)) if mode == "run"
                             else self.trainer.epoch + 1 if mode == "epoch" else None)
        self.worker.idle.clear()
        self.document.undo_stack.resetClean()  # the parameters will differ from the file
        self.timeline_changed.emit()
        self.state_changed.emit()
        if not self.thread.isRunning():
            self.thread.start()
        self._request.emit(self.trainer, mode, self.generation, more_epochs)

    def reset_parameters(self) -> None:
        """Fresh seeded parameters as a new run (the panel asks first)."""
        self._stop_and_wait()
        self.document.flush()
        self._resume_after = None
        self._commit()
        self._project.reset_state()
        self.trainer = None
        self.last_divergence = self.last_warning = ""
        self._rebuild(announce=False, how="reset")
        self.document.undo_stack.resetClean()
        self.notice.emit("")
        self.state_changed.emit()

    # ---- reports from the worker --------------------------------------------------------------------
    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        if self.trainer is None or self._shut_down or self.run is None:
            return
        self.epoch, self.batch, self.batches_per_epoch = p.epoch, p.batch, p.batches_per_epoch
        self.target_epoch = p.target_epoch if p.target_epoch is not None else self.target_epoch
        self.run.take(p)
        self.live.add_batches(p.batch_x, p.batch_loss)
        for x, norms in p.gradient_norms:
            self.live.add_gradients(x, norms)
        for frame in p.frames:
            self.live.add_frame(frame)
        if p.detail is not None:
            self._take_detail(p.detail)
        if p.samples_per_second:
            self.samples_per_second = p.samples_per_second
        self._frames_pending |= bool(p.frames)
        if not self._report_timer.isActive():
            self._report_timer.start()
        if p.events:
            self.runs_changed.emit()
        for warning in p.warnings:
            self.last_warning = warning
            self.warned.emit(warning)

    def _report(self) -> None:
        """What the reports since the last brought, told to the window at most REPORT_MS apart."""
        if self._shut_down:
            return
        self.progressed.emit()
        if self._frames_pending:
            self._frames_pending = False
            self.timeline_changed.emit()

    @Slot(object, int)
    def _on_finished(self, result: RunResult, generation: int) -> None:
        if generation != self.generation or self._shut_down:
            return
        self._report_timer.stop()  # all is told below
        self._frames_pending = False
        self._end_thread()
        self.running = None
        self.target_epoch = None
        if result.trainer is not None:
            self.trainer = result.trainer
        if self.trainer is not None:
            self.epoch, self.batch = self.trainer.epoch, self.trainer.batch
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
        elif self.run is not None and self.run.timeline.last is not None:
            self._take_detail(self.run.timeline.last)
        self.runs_changed.emit()
        self.timeline_changed.emit()
        self.progressed.emit()
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

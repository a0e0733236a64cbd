"""The GUI side of training for one document: the trainer built from the document's compiled model,
the commands that start, step and pause runs, the training settings, and the trained state set by hand.

It keeps the project's runs (``engine.runs``, see ``SessionRuns``): each experiment's history, events
and timeline of frames. A change that makes the curve no longer one experiment — other data, a graph
edit that initializes parameters, Reset, Rewind — starts a new run; undoing the edit that started one
goes back to the run before it, parameters and all. Runs train off the GUI thread and out of its
process (``SessionWorker``).

The views draw ``detail``: the frame at the timeline's position when one is shown, else the latest.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal

from engine.errors import NeuroCanvasError
from engine.frames import PlaneGrid, ViewRequest, take_frame
from engine.model import Model
from engine.runs import Runs
from engine.trainer import Trainer

from .commands import TrainedStateCommand
from .model_info import ModelInfo
from .session_runs import SessionRuns
from .session_worker import SessionWorker

# Settings the running trainer reads afresh at every batch or epoch: written straight into it.
LIVE_SETTINGS = ("l1", "l2", "patience", "min_delta", "epochs", "pace")
# Settings that change the split, the batches or the dtype: they need a new trainer.
REBUILD_SETTINGS = ("batch_size", "validation_split", "shuffle", "seed", "dtype")


class TrainingSession(SessionRuns, SessionWorker):
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

        document.project_replaced.connect(self._project_replaced)
        document.compiled.connect(self.request_rebuild)
        document.loading_changed.connect(self._loading_changed)
        self._project_replaced()

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

    def import_parameters(self, parameters: dict[str, np.ndarray], text: str, source: str = "") -> bool:
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

        def restore(parameters, optimizer_state) -> None:  # redo: imported from ``source``; undo: as before
            self.restore_state(parameters, optimizer_state)
            self.imported_from = source if parameters is after[0] else ""
        self.document.undo_stack.push(TrainedStateCommand(text, before, after, restore))
        return True

    def restore_state(self, parameters: dict[str, np.ndarray], optimizer_state: dict) -> None:
        """Set the trainer's parameters and optimizer state (an undo or redo): a run stops first, and
        what no longer fits the graph (edited since) keeps its values."""
        self.imported_from = ""
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
        if self._opening:  # the data of the project just opened has arrived: nothing changed to announce
            how, self._opening, announce = "open", False, False
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

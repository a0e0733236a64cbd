"""The training session's runs: which run is current, what of it the views draw, the position on its
timeline that is shown, rewinding to it, and making an earlier run current again.

``SessionRuns`` is a part of ``TrainingSession`` (a mixin): it uses the session's document, trainer,
runs, signals and ``_install``/``_commit``, and is not used on its own.
"""
from __future__ import annotations

import copy

from engine.errors import NeuroCanvasError
from engine.runs import Run, Setup, classify
from engine.trainer import Trainer
from engine.training_state import Snapshot

from .live import LiveData


class SessionRuns:
    """The runs and the timeline of a ``TrainingSession``."""

    # ---- what the views draw -------------------------------------------------------------------------
    def _clear_data(self) -> None:
        """A run begins (or another becomes current): nothing of the last one's is drawn."""
        self.live = LiveData()
        self._latest: Snapshot | None = None
        self.shown: float | None = None  # the timeline's position, None: the latest
        self.detail_version = 0
        self.imported_from = ""  # the archive the present parameters were imported from, until trained on
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

"""Training off the GUI thread and out of its process.

``TrainingWorker`` lives in a QThread and is only ever reached through a queued signal: it hands the
trainer to the engine's ``TrainingProcess`` (a child process, so the training loop never competes
with the GUI for the interpreter lock) and relays its ``Progress`` reports by signal; when the run
ends the trained trainer comes back. ``SessionWorker`` is the session's side of it: starting a run,
taking its reports, ending it, and stopping for good. While a run goes on, the session's own trainer
is the state the run started from; stop requests and setting changes go to the running copy through
the process's commands.

``SessionWorker`` is the base of ``TrainingSession`` and is not used on its own: it uses the session's
document, trainer, runs, signals and ``_commit``/``_rebuild``.
"""
from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, QTimer, Signal, Slot

from engine.runner import Progress, RunResult, TrainingProcess, epochs_left
from engine.trainer import Trainer

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


class SessionWorker(QObject):
    """The training thread and its worker, from the session's side."""

    _request = Signal(object, str, int, object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
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
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # ---- a run ------------------------------------------------------------------------------------------
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
        self.last_divergence = self.imported_from = ""
        self.shown = None  # training shows the present
        self.detail_version += 1
        self.running = mode
        # What exists now (the window, the project, the runs) outlives the run: left out of Python's full
        # collections until it ends. A full collection of the window's ~110,000 objects, once or twice a
        # run, stalled the window 80-200 ms (in whichever thread allocated, the worker's too).
        gc.freeze()
        self.target_epoch = (self.trainer.epoch + (more_epochs or epochs_left(self.trainer)) if mode == "run"
                             else self.trainer.epoch + 1 if mode == "epoch" else None)
        self.worker.idle.clear()
        self.document.undo_stack.resetClean()  # the parameters will differ from the file
        self.timeline_changed.emit()
        self.state_changed.emit()
        if not self.thread.isRunning():
            self.thread.start()
        self._request.emit(self.trainer, mode, self.generation, more_epochs)

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
        gc.unfreeze()  # collected as usual again, while the window is idle
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
        gc.unfreeze()
        self.worker.process.close()
        self.thread.quit()
        self.thread.wait()

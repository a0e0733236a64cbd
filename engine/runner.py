"""Run a trainer and report its progress at a bounded rate, at a pace, here or in a child process.

The editor trains in a child process (``TrainingProcess``): a training loop of small NumPy
calls holds Python's interpreter lock nearly all the time, so in a thread of the editor's own
process every paint would queue for the lock — the window stutters and training slows down.
In a child process both run at full speed; the child sends ``Progress`` reports at most
``REPORT_HZ`` times a second (after every batch when the pace is batch by batch) and the trained
``Trainer`` back when the run ends.

A run's frames (``engine.frames``) are taken here, in the training process: one at the end of
every epoch (every batch, batch by batch) and one where the run stops. What crosses the pipe is
bounded: frames at most PIPE_BYTES_PER_SECOND × max(seconds since the run began, 1) plus the run's
last frame (beyond it every k-th is sent, k doubling), batch losses and metric tails as numbers,
and a detail snapshot at most ``DETAIL_HZ`` times a second.

``training.pace`` is honoured here and nowhere else: after each batch the run waits for the
batch's share of the pace, answering commands (stop, new settings, a new pace) every ``POLL_S``.
With ``NEUROCANVAS_PACE=off`` in the environment every run goes as fast as possible (the editor's
tests and benchmarks train the paced examples).
"""
from __future__ import annotations

import copy
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .child_process import ChildPipes, PickledChild, child_main
from .frames import ViewRequest, frame_bytes, take_frame
from .pace import Pace, parse_pace
from .runs import RunEvent, settings_event
from .trainer import Trainer
from .training_state import Divergence, Outcome, Snapshot

REPORT_HZ = 30  # progress reports per second, at most (batch by batch: one per batch)
DETAIL_HZ = 20  # weights, activations and gradient norms per second, at most, between frames
POLL_S = 0.005  # how often a run looks for commands (stop, new settings) between batches and while it waits
TRAINER_DATA = ("dataset", "x_train", "y_train", "t_train", "x_val", "y_val", "t_val")  # sent once, not per run
PIPE_BYTES_PER_SECOND = 16 * 2**20  # frames sent, on average over the run (the first second's worth at once)


@dataclass
class Progress:
    """New batch losses, new epoch metrics, new frames and the latest detail since the last report."""

    epoch: int
    batch: int
    batches_per_epoch: int
    batch_x: list[float]  # position of each new batch loss, in epochs
    batch_loss: list[float]
    history: dict[str, list[float]]  # the new tail of each history list
    detail: Snapshot | None  # the latest snapshot with parameters (a frame, or a throttled detail)
    samples_per_second: float
    warnings: list[str]  # the trainer's new warnings
    gradient_norms: list[tuple[float, dict[str, float]]]  # (position in epochs, parameter -> norm), at least one an epoch
    frames: list[Snapshot] = field(default_factory=list)  # the run's new frames, oldest first (engine.frames)
    events: list[RunEvent] = field(default_factory=list)  # changes applied by commands, where they took effect
    target_epoch: int | None = None  # the epoch this perform trains to (None: one batch)
    pace: dict | None = None  # the pace in force (training.pace's form; None: as fast as possible)


@dataclass
class RunResult:
    mode: str  # run, batch, epoch
    reason: str  # completed, stopped, early_stopped, diverged, error, at_total (nothing trained: see epochs_left)
    message: str = ""
    notes: list[str] = field(default_factory=list)
    trainer: Trainer | None = None  # the trainer as the run left it (a new object after a child's run)


def epochs_left(trainer: Trainer) -> int:
    """Epochs until the settings' total; 0: a run has reached it, and training on needs more_epochs."""
    return max(trainer.settings["epochs"] - trainer.epoch, 0)


def apply_command(trainer: Trainer, command: tuple) -> RunEvent | None:
    """A command for a running trainer: ("stop",), ("optimizer", spec), ("settings", {key: value})
    or ("pace", pace or None). Returns the event it makes of the run (None for a stop)."""
    kind = command[0]
    if kind == "stop":
        trainer.stop_requested = True
        return None
    before = copy.deepcopy(trainer.settings)
    if kind == "optimizer":
        trainer.set_optimizer(command[1])
    elif kind == "settings":
        trainer.settings.update(command[1])
    elif kind == "pace":
        pace = parse_pace(command[1])
        if pace is None:
            trainer.settings.pop("pace", None)
        else:
            trainer.settings["pace"] = pace.to_setting()
    return settings_event(before, trainer.settings, trainer.position)


class Reporter:
    """Performs one run of ``trainer``, hands ``Progress`` to ``send`` at a bounded rate and keeps its pace.

    ``commands`` is called between batches and while waiting, at most every ``POLL_S``: it returns
    the commands that arrived (``apply_command``'s, and ("views", ViewRequest)).
    """

    def __init__(self, trainer: Trainer, send: Callable[[Progress], None],
                 commands: Callable[[], list[tuple]] | None = None, views: ViewRequest | None = None) -> None:
        self.trainer, self.send = trainer, send
        self.commands = commands or (lambda: [])
        self.views = views
        self._pace_honoured = os.environ.get("NEUROCANVAS_PACE", "").lower() != "off"
        self._sent = {k: len(v) for k, v in trainer.history.items()}
        self._warnings_sent = len(trainer.warnings)
        self._xs: list[float] = []
        self._losses: list[float] = []
        self._detail: Snapshot | None = None
        self._norms: list[tuple[float, dict[str, float]]] = []
        self._frames: list[Snapshot] = []
        self._events: list[RunEvent] = []
        self._frames_seen = 0  # frames due so far: every stride-th is taken
        self._stride = 1
        self._frame_bytes = 0  # frames sent, in bytes
        self._frame_size = 0  # the last frame's
        self._last_frame_at: float | None = None
        self._target: int | None = None
        self._samples = 0
        self._batches_done = 0  # batches trained
        self._start = self._last_report = self._last_detail = self._last_poll = time.perf_counter()
        self._slot_start = self._start  # when the current batch's share of the pace began

    def perform(self, mode: str, more_epochs: int | None = None) -> RunResult:
        """``mode`` "run" trains to the settings' total epochs — or ``more_epochs`` more; at the total
        without ``more_epochs`` it trains nothing and says so ("at_total"). "epoch" trains to the end
        of the epoch, "batch" one batch."""
        trainer = self.trainer
        trainer.detail_requested = True
        try:
            if mode == "batch":
                self._target = None
                result = self._one_batch()
            elif mode == "run" and more_epochs is None and not epochs_left(trainer):
                result = RunResult(mode, "at_total", f"trained {trainer.epoch} of {trainer.settings['epochs']} epochs "
                                                     "already: continue for more epochs, or raise the total")
            else:
                epochs = 1 if mode == "epoch" else more_epochs if more_epochs is not None else epochs_left(trainer)
                self._target = trainer.epoch + epochs
                outcome = trainer.run(epochs=epochs, on_batch=self._on_batch)
                result = self._result(mode, outcome)
            if self._batches_done and self._last_frame_at != trainer.position:
                self._take_frame(None)  # where the run stopped: always the timeline's last frame
        except Exception as e:  # a bug or an engine refusal must reach the user, not vanish
            result = RunResult(mode, "error", f"{type(e).__name__}: {e}")
        self._report(time.perf_counter())
        result.trainer = trainer
        return result

    def _one_batch(self) -> RunResult:
        snapshot = self.trainer.step_batch()
        if isinstance(snapshot, Divergence):
            return RunResult("batch", "diverged", snapshot.message)
        self._on_batch(snapshot, paced=False)
        return RunResult("batch", "completed")

    @staticmethod
    def _result(mode: str, outcome: Outcome) -> RunResult:
        message = outcome.divergence.message if outcome.divergence else ""
        return RunResult(mode, outcome.reason, message, list(outcome.notes))

    def _pace(self) -> Pace | None:
        return parse_pace(self.trainer.settings.get("pace")) if self._pace_honoured else None

    def _on_batch(self, snapshot: Snapshot, paced: bool = True) -> None:
        trainer = self.trainer
        x = snapshot.position
        self._xs.append(x)
        self._batches_done += 1
        self._losses.append(snapshot.loss)
        self._samples += snapshot.samples
        if snapshot.parameters is not None:
            self._detail = snapshot
        if snapshot.gradient_norms is not None:
            self._norms.append((x, snapshot.gradient_norms))
        pace = self._pace()
        batch_by_batch = pace is not None and pace.batch_by_batch
        if snapshot.batch == 0 or batch_by_batch:
            self._take_frame(snapshot)
        now = time.perf_counter()
        if now - self._last_detail >= 1.0 / DETAIL_HZ:
            self._last_detail = now
            trainer.detail_requested = True
        # Gradient norms also on each epoch's last batch (every batch, batch by batch): the frames and
        # the gradient curves then have them however fast the epochs go.
        if batch_by_batch or trainer.batch == trainer.batches_this_epoch - 1:
            trainer.norms_requested = True
        if now - self._last_poll >= POLL_S:
            self._last_poll = now
            self._poll()
        if batch_by_batch or now - self._last_report >= 1.0 / REPORT_HZ:
            self._report(now)
        if paced:
            self._keep_pace()

    def _take_frame(self, snapshot: Snapshot | None) -> None:
        """A frame now — every stride-th one, and always a run's last (``snapshot`` None). The
        stride doubles whenever the next frame would take the frames sent past
        PIPE_BYTES_PER_SECOND × max(seconds since the perform began, 1)."""
        seen, self._frames_seen = self._frames_seen, self._frames_seen + 1
        if snapshot is not None:
            allowed = PIPE_BYTES_PER_SECOND * max(time.perf_counter() - self._start, 1.0)
            while self._frame_bytes + self._frame_size > allowed and self._stride <= seen:
                self._stride *= 2
            if seen % self._stride or self._frame_bytes + self._frame_size > allowed:
                return
        frame = take_frame(self.trainer, snapshot, self.views)
        self._frames.append(frame)
        self._detail = frame
        self._last_frame_at = frame.position
        self._frame_size = frame_bytes(frame)
        self._frame_bytes += self._frame_size

    def _keep_pace(self) -> None:
        """Wait until this batch's share of the pace has passed, answering commands meanwhile.
        A pace changed while waiting counts from the start of the batch; a batch slower than its
        share does not make the next ones hurry."""
        trainer = self.trainer
        while True:
            pace = self._pace()
            now = time.perf_counter()
            if pace is None or trainer.stop_requested:
                self._slot_start = now
                return
            share = pace.batch_seconds(trainer.batches_this_epoch)
            due = self._slot_start + share
            if now >= due:
                self._slot_start = due if now - due < share else now
                return
            if due - now > 1.0 / REPORT_HZ and (self._xs or self._frames or self._events):
                self._report(now)  # what happened reaches the window before a long wait, not after it
            time.sleep(min(POLL_S, due - now))
            self._poll()

    def _poll(self) -> None:
        for command in self.commands():
            if command[0] == "views":
                self.views = command[1]
                continue
            event = apply_command(self.trainer, command)
            if event is not None:
                self._events.append(event)

    def _report(self, now: float) -> None:
        self._last_report = now
        t = self.trainer
        tails = {}
        for key, values in t.history.items():
            sent = self._sent.get(key, 0)
            if len(values) > sent:
                tails[key] = values[sent:]
                self._sent[key] = len(values)
        elapsed = now - self._start
        warnings, self._warnings_sent = t.warnings[self._warnings_sent:], len(t.warnings)
        self.send(Progress(
            t.epoch, t.batch, t.batches_this_epoch, self._xs, self._losses, tails, self._detail,
            self._samples / elapsed if elapsed > 0 else 0.0, warnings, self._norms,
            self._frames, self._events, self._target, t.settings.get("pace"),
        ))
        self._xs, self._losses, self._detail, self._norms, self._frames, self._events = [], [], None, [], [], []


# ---- the child process ------------------------------------------------------------------------
def serve(pipes: ChildPipes) -> None:
    """The child's loop: perform each run it is sent, reporting through ``pipes``; a run looks for
    a stop request between batches (``pipes.arrived``) without blocking."""
    while True:
        message = pipes.inbox.get()
        if message[0] == "quit":
            return
        if message[0] != "perform":
            continue  # a command that arrived after its run had ended
        _, trainer, mode, more_epochs, views = message
        reporter = Reporter(trainer, lambda p: pipes.send(("progress", p)), pipes.arrived, views)
        pipes.send(("done", reporter.perform(mode, more_epochs)))


class TrainingProcess(PickledChild):
    """A child Python process that performs runs of pickled trainers; started on first use.

    ``perform`` blocks until the run ends (call it from a worker thread: waiting on the
    pipe does not hold the interpreter lock); ``stop``, ``set_optimizer`` and
    ``update_settings`` may be called from any thread while it runs.
    """

    MODULE = "engine.runner"

    def __init__(self) -> None:
        super().__init__()
        # A stop asked for before the child started or got its run (Pause right after Train) still stops it.
        self._stop_asked = threading.Event()
        self.views: ViewRequest | None = None  # what each frame computes for the open views (set_views)

    def perform(self, trainer: Trainer, mode: str, on_progress: Callable[[Progress], None],
                more_epochs: int | None = None) -> RunResult:
        """One run (``Reporter.perform``'s modes) of a copy of ``trainer``; the result carries the copy."""
        self._ensure_started()
        self._share({name: getattr(trainer, name) for name in TRAINER_DATA})
        self._send(("perform", trainer, mode, more_epochs, self.views))
        if self._stop_asked.is_set():
            self._send(("stop",))
        while True:
            try:
                kind, payload = self._receive()
            except (EOFError, OSError, pickle.UnpicklingError):
                self._process = None
                self._stop_asked.clear()
                return RunResult(mode, "error", "the training process ended unexpectedly", trainer=trainer)
            if kind == "progress":
                on_progress(payload)
            else:
                self._stop_asked.clear()
                return payload

    def stop(self) -> None:
        """Stop the run under way, or the one about to begin (call only while a run is asked for)."""
        self._stop_asked.set()
        self._send(("stop",))

    def set_optimizer(self, spec: dict) -> None:
        self._send(("optimizer", spec))

    def update_settings(self, settings: dict) -> None:
        self._send(("settings", settings))

    def set_pace(self, pace: dict | None) -> None:
        """A new pace (training.pace's form, None: as fast as possible) for the running copy, from
        its next batch or at once while it waits. Validated here: ParamError names the key."""
        self._send(("pace", parse_pace(pace)))

    def set_views(self, views: ViewRequest | None) -> None:
        """What the frames compute for the open views, from now on (kept for the next runs too)."""
        self.views = views
        self._send(("views", views))


if __name__ == "__main__":
    from engine.runner import (
        serve as _serve,  # the module's own classes, not __main__'s copies
    )

    child_main(_serve)

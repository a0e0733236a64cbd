"""Run a trainer and report its progress at a bounded rate, here or in a child process.

The editor trains in a child process (``TrainingProcess``): a training loop of small NumPy
calls holds Python's interpreter lock nearly all the time, so in a thread of the editor's own
process every paint would queue for the lock — the window stutters and training slows down.
In a child process both run at full speed; the child sends ``Progress`` reports at most
``REPORT_HZ`` times a second and the trained ``Trainer`` back when the run ends.
"""
from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from . import ROOT
from .trainer import Divergence, Outcome, Snapshot, Trainer

REPORT_HZ = 30  # progress reports per second, at most
DETAIL_HZ = 20  # weights, activations and gradient norms per second, at most
POLL_S = 0.005  # how often a run looks for commands (stop, new settings) between batches


@dataclass
class Progress:
    """New batch losses, new epoch metrics and the latest detail since the last report."""

    epoch: int
    batch: int
    batches_per_epoch: int
    batch_x: list[float]  # position of each new batch loss, in epochs
    batch_loss: list[float]
    history: dict[str, list[float]]  # the new tail of each history list
    detail: Snapshot | None
    samples_per_second: float
    warnings: list[str]  # the trainer's new warnings
    gradient_norms: list[tuple[float, dict[str, float]]]  # (position in epochs, parameter -> norm), at least one an epoch


@dataclass
class RunResult:
    mode: str  # run, batch, epoch
    reason: str  # completed, stopped, early_stopped, diverged, error
    message: str = ""
    notes: list[str] = field(default_factory=list)
    trainer: Trainer | None = None  # the trainer as the run left it (a new object after a child's run)


class Reporter:
    """Performs one run of ``trainer`` and hands ``Progress`` to ``send`` at a bounded rate.

    ``poll`` is called between batches, at most every ``POLL_S``: it may stop the run or
    change settings (it runs in the training loop's own thread).
    """

    def __init__(self, trainer: Trainer, send: Callable[[Progress], None], poll: Callable[[Trainer], None]) -> None:
        self.trainer, self.send, self.poll = trainer, send, poll
        self._sent = {k: len(v) for k, v in trainer.history.items()}
        self._warnings_sent = len(trainer.warnings)
        self._xs: list[float] = []
        self._losses: list[float] = []
        self._detail: Snapshot | None = None
        self._norms: list[tuple[float, dict[str, float]]] = []
        self._samples = 0
        self._start = self._last_report = self._last_detail = self._last_poll = time.perf_counter()

    def perform(self, mode: str) -> RunResult:
        trainer = self.trainer
        trainer.detail_requested = True
        try:
            if mode == "batch":
                result = self._one_batch()
            else:
                # At the project's total already, a run trains as many epochs again.
                more = 1 if mode == "epoch" else (None if trainer.epoch < trainer.settings["epochs"] else trainer.settings["epochs"])
                outcome = trainer.run(epochs=more, on_batch=self._on_batch)
                result = self._result(mode, outcome)
        except Exception as e:  # a bug or an engine refusal must reach the user, not vanish
            result = RunResult(mode, "error", f"{type(e).__name__}: {e}")
        self._report(time.perf_counter())
        result.trainer = trainer
        return result

    def _one_batch(self) -> RunResult:
        snapshot = self.trainer.step_batch()
        if isinstance(snapshot, Divergence):
            return RunResult("batch", "diverged", snapshot.message)
        self._on_batch(snapshot)
        return RunResult("batch", "completed")

    @staticmethod
    def _result(mode: str, outcome: Outcome) -> RunResult:
        message = outcome.divergence.message if outcome.divergence else ""
        return RunResult(mode, outcome.reason, message, list(outcome.notes))

    def _on_batch(self, snapshot: Snapshot) -> None:
        x = snapshot.epoch + snapshot.batch / snapshot.batches_per_epoch
        self._xs.append(x)
        self._losses.append(snapshot.loss)
        self._samples += snapshot.samples
        if snapshot.parameters is not None:
            self._detail = snapshot
        if snapshot.gradient_norms is not None:
            self._norms.append((x, snapshot.gradient_norms))
        now = time.perf_counter()
        if now - self._last_detail >= 1.0 / DETAIL_HZ:
            self._last_detail = now
            self.trainer.detail_requested = True
        # Gradient norms also on each epoch's last batch: the gradient curves then have a point per
        # epoch however fast the epochs go, without copying parameters and activations each time.
        if snapshot.batch == snapshot.batches_per_epoch - 1:
            self.trainer.norms_requested = True
        if now - self._last_poll >= POLL_S:
            self._last_poll = now
            self.poll(self.trainer)
        if now - self._last_report >= 1.0 / REPORT_HZ:
            self._report(now)

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
            t.epoch, t.batch, t.batches_per_epoch, self._xs, self._losses, tails, self._detail,
            self._samples / elapsed if elapsed > 0 else 0.0, warnings, self._norms,
        ))
        self._xs, self._losses, self._detail, self._norms = [], [], None, []


# ---- the child process ------------------------------------------------------------------------
def apply_command(trainer: Trainer, command: tuple) -> None:
    """A command for a running trainer: ("stop",), ("optimizer", spec) or ("settings", {key: value})."""
    kind = command[0]
    if kind == "stop":
        trainer.stop_requested = True
    elif kind == "optimizer":
        trainer.set_optimizer(command[1])
    elif kind == "settings":
        trainer.settings.update(command[1])


def serve(commands: BinaryIO, reports: BinaryIO) -> None:
    """The child's loop: perform each run it is sent, reporting on ``reports``.

    A thread reads ``commands`` into a queue, so that a run can look for a stop request
    between batches without blocking (portable: no select() on pipes).
    """
    inbox: queue.Queue = queue.Queue()

    def read_commands() -> None:
        while True:
            try:
                inbox.put(pickle.load(commands))
            except (EOFError, OSError, pickle.UnpicklingError):
                inbox.put(("quit",))
                return

    threading.Thread(target=read_commands, daemon=True).start()

    def send(message: tuple) -> None:
        pickle.dump(message, reports, protocol=pickle.HIGHEST_PROTOCOL)
        reports.flush()

    def poll(trainer: Trainer) -> None:
        while not inbox.empty():
            apply_command(trainer, inbox.get_nowait())

    while True:
        message = inbox.get()
        if message[0] == "quit":
            return
        if message[0] != "perform":
            continue  # a command that arrived after its run had ended
        _, trainer, mode = message
        result = Reporter(trainer, lambda p: send(("progress", p)), poll).perform(mode)
        send(("done", result))


class TrainingProcess:
    """A child Python process that performs runs of pickled trainers; started on first use.

    It is a plain ``python -m engine.runner`` talking pickle over its stdin and stdout, so
    it never re-imports the program that started it (as multiprocessing's spawn would).
    ``perform`` blocks until the run ends (call it from a worker thread: waiting on the
    pipe does not hold the interpreter lock); ``stop``, ``set_optimizer`` and
    ``update_settings`` may be called from any thread while it runs.
    """

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()  # commands come from two threads

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "engine.runner"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )

    def _send(self, message: tuple) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                return
            try:
                pickle.dump(message, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                self._process.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the child has gone: perform() reports it

    def perform(self, trainer: Trainer, mode: str, on_progress: Callable[[Progress], None]) -> RunResult:
        self._ensure_started()
        self._send(("perform", trainer, mode))
        while True:
            try:
                kind, payload = pickle.load(self._process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                self._process = None
                return RunResult(mode, "error", "the training process ended unexpectedly", trainer=trainer)
            if kind == "progress":
                on_progress(payload)
            else:
                return payload

    def stop(self) -> None:
        self._send(("stop",))

    def set_optimizer(self, spec: dict) -> None:
        self._send(("optimizer", spec))

    def update_settings(self, settings: dict) -> None:
        self._send(("settings", settings))

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            process.stdin.close()  # the child's reader sees the end and quits
            process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
        process.stdout.close()


if __name__ == "__main__":
    # The child: reports go to the real stdout; anything else printed goes to stderr.
    from engine.runner import serve as _serve  # the module's own classes, not __main__'s copies

    _reports = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _serve(sys.stdin.buffer, _reports)

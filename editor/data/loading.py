"""Loading data off the GUI thread: one load at a time, with its progress and a way to cancel it.

``DataLoader.start(job, ...)`` has a child process read ``job.spec`` with the engine's
``load_dataset`` (``engine.loading_process``: a parse in a thread of the editor would hold the
interpreter lock in parts, and the window with it). A worker thread waits for the child, writes
``job.fraction`` as the child reports it and emits ``progressed`` at most every
``PROGRESS_INTERVAL_S``; the GUI thread reads the job. ``cancel()`` tells the child to stop at its next
chunk of rows, and the GUI forgets the job at once. Before handing a dataset over, the worker also
computes what would otherwise stall the GUI when it arrives: the trainer's split (the child has
already computed the fingerprint).

``loads_in_background(spec, base_dir)`` is the rule for what goes to the child: anything that
reads a file of ``QUICK_LOAD_BYTES`` or more (a bundled table or a CSV file). Generated and inline
data, and small files, load at once: a process hop would only make them flicker.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from engine.data_split import split_dataset
from engine.datasets import Cancelled, DatasetError, builtin_path, spec_name
from engine.datasets.progress import part
from engine.loading_process import LoadingProcess

from . import specs

QUICK_LOAD_BYTES = 64 * 1024  # iris, wine and diabetes load in a few ms; the 8x8 digits take ~0.4 s
PROGRESS_INTERVAL_S = 0.05


def data_file(spec: object, base_dir: Path) -> Path | None:
    """The file a dataset spec reads (a CSV file or a bundled table), or None."""
    if not isinstance(spec, dict):
        return None
    if spec.get("source") == "builtin" and isinstance(spec.get("name"), str):
        return builtin_path(spec["name"])
    return specs.csv_path(spec, base_dir)


def loads_in_background(spec: object, base_dir: Path) -> bool:
    path = data_file(spec, base_dir)
    try:
        return path is not None and os.stat(path).st_size >= QUICK_LOAD_BYTES
    except (OSError, ValueError):
        return False  # the engine says why it cannot read it, at once


@dataclass(eq=False)
class LoadJob:
    """One load: the spec, what it is for, and how far it is (written by the worker)."""

    spec: dict
    purpose: str  # "project": the project's own data; "switch": a new spec, used when it arrives
    text: str = ""  # a switch's undo text
    fraction: float = 0.0
    cancelled: threading.Event = field(default_factory=threading.Event)

    @property
    def name(self) -> str:
        return spec_name(self.spec)

    def status(self) -> str:
        """"Loading digits.csv… 43%" (what the window, the docks and the training panel show)."""
        return f"Loading {self.name}… {int(self.fraction * 100)}%"


class _Sink(QObject):
    progressed = Signal(object)  # the job
    done = Signal(object, object, object)  # the job, the dataset (or None), the DatasetError (or None)


class _Job(QRunnable):
    def __init__(self, job: LoadJob, base_dir: Path, dtype: str, split: tuple[float, int], sink: _Sink,
                 process: LoadingProcess) -> None:
        super().__init__()
        self.job, self.base_dir, self.dtype, self.split, self.sink = job, base_dir, dtype, split, sink
        self.process = process
        self._reported = 0.0

    def _progress(self, fraction: float) -> None:
        if self.job.cancelled.is_set():
            raise Cancelled
        self.job.fraction = fraction
        now = time.monotonic()
        if now - self._reported >= PROGRESS_INTERVAL_S:
            self._reported = now
            self.sink.progressed.emit(self.job)

    def run(self) -> None:
        dataset = error = None
        try:
            self._progress(0.0)  # cancelled before its turn came: the child need not start
            dataset = self.process.load(self.job.spec, self.base_dir, self.dtype, part(self._progress, 0.0, 0.9))
            self._progress(0.95)
            split_dataset(dataset, *self.split, self.dtype)
            self._progress(1.0)
        except Cancelled:
            dataset = None
        except DatasetError as e:
            dataset, error = None, e
        except Exception as e:  # noqa: BLE001 - the GUI shows it; never a crash of the worker
            if dataset is None:
                error = DatasetError(f"{self.job.name}: cannot be read ({type(e).__name__}: {e})")
            # else: the split failed (a value that is not finite): the trainer names the row
        try:
            self.sink.done.emit(self.job, dataset, error)
        except RuntimeError:  # the window went without closing (an exception at exit): nobody is listening
            pass


class DataLoader(QObject):
    """Loads one dataset at a time off the GUI thread (see the module's docstring)."""

    progressed = Signal()  # the job went on (read ``job.fraction``)
    finished = Signal(object, object, object)  # the job, the dataset (None: failed), the error (None: loaded)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.job: LoadJob | None = None
        self._sink = _Sink(self)
        self._sink.progressed.connect(self._progressed)
        self._sink.done.connect(self._done)
        self.process = LoadingProcess()  # started on the first load
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one child, one load at a time: a new one waits for a cancelled one's chunk

    def start(self, job: LoadJob, base_dir: Path, dtype: str, split: tuple[float, int]) -> LoadJob:
        """Read ``job.spec`` in the worker (a load under way is cancelled first)."""
        self.cancel()
        self.job = job
        self.pool.start(_Job(job, Path(base_dir), dtype, split, self._sink, self.process))
        self.progressed.emit()
        return job

    def cancel(self) -> LoadJob | None:
        """Stop the load under way (if any) and forget it; returns it."""
        job, self.job = self.job, None
        if job is not None:
            job.cancelled.set()
            self.process.cancel()
        return job

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the worker threads are idle (closing, tests); the results still come by signal."""
        return self.pool.waitForDone(timeout_ms)

    def close(self) -> None:
        """Stop any load and the child (closing the window)."""
        self.cancel()
        self.wait()
        self.process.close()

    def _progressed(self, job: LoadJob) -> None:
        if job is self.job:
            self.progressed.emit()

    def _done(self, job: LoadJob, dataset, error) -> None:
        if job is not self.job:
            return  # cancelled, or replaced by a newer load
        self.job = None
        self.finished.emit(job, dataset, error)

"""Loading a dataset in a child process, so that parsing a big file never holds the editor's
interpreter lock.

pandas' parser holds the lock in parts: beside a 164 MB CSV parsed in a thread of the editor, every
paint and every slot ran 3–6 times slower, and the window stalled for 0.3–0.4 s at a time. In a
child, the editor's side only waits on a pipe (outside the lock) and reads the finished arrays.

The child computes the dataset's fingerprint too (hashing 188 MB), so it arrives with the data.
"""
from __future__ import annotations

import importlib
import os
import pickle
import threading
import time
from pathlib import Path

import numpy as np

from .child_process import ChildPipes, PickledChild, child_main
from .datasets import Cancelled, Dataset, DatasetError, Progress, load_dataset, spec_name

PROGRESS_INTERVAL_S = 0.05  # the child reports how far it is at most this often
LOADING_NICENESS = 5  # below the editor's priority


class LoadingProcess(PickledChild):
    """The child that loads datasets. ``load`` blocks until the dataset has arrived (call it from a
    worker thread); ``cancel`` may be called from any thread meanwhile. One load at a time."""

    MODULE = "engine.loading_process"

    def load(self, spec: dict, base_dir: Path, dtype, progress: Progress) -> Dataset:
        """``load_dataset(spec, base_dir, dtype)`` in the child, fingerprinted. ``progress(fraction)``
        hears how far it is and may raise ``Cancelled``: the child then stops at its next chunk of
        rows, and ``load`` raises ``Cancelled`` once it has (so the next load starts on a quiet pipe).
        A DatasetError says why the data cannot be read, as ``load_dataset`` would."""
        self._ensure_started()
        self._send(("load", spec, str(base_dir), np.dtype(dtype).str))
        cancelled = False
        while True:
            try:
                kind, payload = self._receive()
            except (EOFError, OSError, pickle.UnpicklingError):
                self._process = None
                if cancelled:
                    raise Cancelled from None
                raise DatasetError(f"{spec_name(spec)}: the loading process ended unexpectedly") from None
            if kind == "progress" and not cancelled:
                try:
                    progress(payload)
                except Cancelled:
                    cancelled = True
                    self.cancel()
            elif kind == "loaded":
                if cancelled:
                    raise Cancelled
                return payload
            elif kind == "cancelled":
                raise Cancelled
            elif kind == "failed":
                raise DatasetError(*payload)

    def cancel(self) -> None:
        """Stop the load under way at its next chunk of rows (a cancel between loads is passed over)."""
        self._send(("cancel",))


def serve(pipes: ChildPipes) -> None:
    """The child's loop: load each spec it is sent, reporting progress; a cancel between loads
    belongs to one that has ended and is passed over."""
    # The fast CSV reader parses on every core: the window's thread must still win a core at once.
    if hasattr(os, "nice"):  # (not on Windows)
        os.nice(LOADING_NICENESS)
    # pandas takes ~0.7 s to import: in the background, so that a bundled table (no pandas) need not
    # wait for it, and the first CSV waits less.
    threading.Thread(target=importlib.import_module, args=("pandas",), daemon=True).start()
    while True:
        message = pipes.inbox.get()
        if message[0] == "quit":
            return
        if message[0] == "load":
            pipes.send(_answer(pipes, *message[1:]))


def _answer(pipes: ChildPipes, spec: dict, base_dir: str, dtype: str) -> tuple:
    reported = [0.0]

    def progress(fraction: float) -> None:
        if pipes.interrupted():
            raise Cancelled
        now = time.monotonic()
        if now - reported[0] >= PROGRESS_INTERVAL_S:
            reported[0] = now
            pipes.send(("progress", fraction))

    try:
        dataset = load_dataset(spec, Path(base_dir), np.dtype(dtype), progress)
        dataset.fingerprint()
        return "loaded", dataset
    except Cancelled:
        return "cancelled", None
    except DatasetError as e:
        return "failed", e.messages
    except MemoryError:
        return "failed", [f"{spec_name(spec)}: there is not enough memory to load it"]
    except Exception as e:  # a bug must reach the editor, not leave it waiting
        return "failed", [f"{spec_name(spec)}: cannot be read ({type(e).__name__}: {e})"]


if __name__ == "__main__":
    from engine.loading_process import serve as _serve  # the module's own classes, not __main__'s copies

    child_main(_serve)

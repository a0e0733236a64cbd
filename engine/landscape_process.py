"""Loss landscapes in a child process, so that an editor's window stays quick while one computes.

A landscape is thousands of small forward passes. In a thread of the editor's own process they
hold Python's interpreter lock most of the time, and every paint of the window queues for it
(measured on the digits lesson, on a busy 2-core machine: stalls of 100–290 ms); in a child
process both run at full speed. As ``engine.runner``'s training process: a plain
``python -m engine.landscape_process`` talking pickle over its stdin and stdout, started on
first use, which never imports the program that started it.
"""
from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .child_process import ChildPipes, PickledChild, child_main
from .errors import NeuroCanvasError
from .landscape import Landscape, LandscapeCancelled, loss_landscape
from .model import Model


class LandscapeError(NeuroCanvasError):
    """The landscape cannot be computed (the engine's reason), or the child process ended."""


@dataclass
class LandscapeRequest:
    """What to compute: ``loss_landscape``'s arguments, and whether to add the loss at each
    snapshot of the path (for a curve, where the path's points lie on it)."""

    model: Model  # holding the current parameters
    x: np.ndarray
    targets: dict[str, np.ndarray]
    trajectory: list[dict[str, np.ndarray]]
    method: str
    resolution: int
    seed: int = 0
    path_loss: bool = False


def compute(request: LandscapeRequest, cancelled: Callable[[], bool] | None = None) -> tuple[Landscape, np.ndarray | None]:
    """The landscape, and the loss at each snapshot of the path if asked (else None)."""
    r = request
    land = loss_landscape(r.model, r.x, r.targets, r.trajectory, r.method, r.resolution, seed=r.seed,
                          cancelled=cancelled)
    if not r.path_loss:
        return land, None
    saved = r.model.copy_parameters()
    losses = []
    try:
        for snapshot in r.trajectory:
            r.model.load_parameters(snapshot, strict=False)
            r.model.forward(r.x)
            losses.append(r.model.loss(r.targets))
    finally:
        r.model.load_parameters(saved)
    return land, np.array(losses)


class LandscapeProcess(PickledChild):
    """The child that computes landscapes. ``compute`` blocks until the landscape is done (call it
    from a worker thread: waiting on the pipe does not hold the interpreter lock); ``cancel`` may
    be called from any thread meanwhile."""

    MODULE = "engine.landscape_process"

    def compute(self, request: LandscapeRequest,
                on_progress: Callable[[int, int], None]) -> tuple[Landscape, np.ndarray | None, float]:
        """``compute(request)`` in the child, and the seconds it took there (without starting the
        child or sending the request); ``on_progress(rows done, rows)`` as it goes. Raises
        LandscapeCancelled after ``cancel``, LandscapeError with the reason it cannot."""
        self._ensure_started()
        self._send(("compute", request))
        while True:
            try:
                kind, *payload = self._receive()
            except (EOFError, OSError, pickle.UnpicklingError):
                self._process = None
                raise LandscapeError("the landscape process ended unexpectedly") from None
            if kind == "progress":
                on_progress(*payload)
            elif kind == "done":
                return tuple(payload)
            elif kind == "cancelled":
                raise LandscapeCancelled()
            else:
                raise LandscapeError(payload[0])

    def cancel(self) -> None:
        self._send(("cancel",))

def serve(pipes: ChildPipes) -> None:
    """The child's loop: compute each request, reporting progress (a row of the grid at a time).
    A cancel that arrives before a request belongs to an earlier one and is passed over."""
    inbox = pipes.inbox

    def send(*message) -> None:
        pipes.send(message)

    while True:
        message = inbox.get()
        if message[0] == "quit":
            return
        if message[0] != "compute":
            continue
        request: LandscapeRequest = message[1]
        rows = request.resolution if sum(p.size for p in request.model.parameters.values()) > 1 else 1
        done = [0]
        stop = [False]

        def cancelled() -> bool:  # the engine asks before each row of the grid
            send("progress", done[0], rows)
            done[0] += 1
            stop[0] = stop[0] or pipes.interrupted()
            return stop[0]

        try:
            start = time.perf_counter()
            land, path_loss = compute(request, cancelled)
            send("done", land, path_loss, time.perf_counter() - start)
        except LandscapeCancelled:
            send("cancelled")
        except (NeuroCanvasError, ValueError, FloatingPointError, MemoryError) as e:
            send("error", str(e))
        except Exception as e:  # a bug must reach the editor, not leave it waiting
            send("error", f"{type(e).__name__}: {e}")


if __name__ == "__main__":
    from engine.landscape_process import (
        serve as _serve,  # the module's own classes, not __main__'s copies
    )

    child_main(_serve)

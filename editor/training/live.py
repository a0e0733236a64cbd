"""What the views draw of the current run besides its frames: every batch's loss, the gradient norms
over time and the weights' distribution over time. Cleared when a new run begins."""
from __future__ import annotations

import math

import numpy as np

from engine.training_state import Snapshot

HISTORY_POINTS = 400  # weight distributions kept over time (halved when full)


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


class LiveData:
    """The current run's per-batch losses, gradient norms and weight distributions over time."""

    def __init__(self) -> None:
        self.batch_x = Growing()  # each batch's position, in epochs
        self.batch_loss = Growing()
        self.total_batches = 0
        self.grad_records: list[tuple[float, dict[str, float]]] = []  # (epochs, node id -> gradient norm)
        self.weight_x: list[float] = []
        self.weight_samples: dict[str, list[np.ndarray | None]] = {}  # weight name -> sorted samples over time

    def add_batches(self, xs: list[float], losses: list[float]) -> None:
        self.batch_x.extend(xs)
        self.batch_loss.extend(losses)
        self.total_batches += len(losses)

    def add_gradients(self, x: float, norms: dict[str, float]) -> None:
        """One point of the Gradients view: each node's gradient norm over all its parameters."""
        per_node: dict[str, float] = {}
        for name, norm in norms.items():
            node = name.rsplit(".", 1)[0]
            per_node[node] = per_node.get(node, 0.0) + norm * norm
        self.grad_records.append((x, {k: math.sqrt(v) for k, v in per_node.items()}))
        if len(self.grad_records) > 4 * HISTORY_POINTS:
            self.grad_records = self.grad_records[::2]

    def add_frame(self, frame: Snapshot) -> None:
        """The weights' distribution at a frame (the training process sorted and sampled them)."""
        if not frame.weights:
            return
        for name, values in frame.weights.items():
            self.weight_samples.setdefault(name, [None] * len(self.weight_x)).append(values)
        for series in self.weight_samples.values():
            if len(series) < len(self.weight_x) + 1:
                series.append(None)
        self.weight_x.append(frame.position)
        if len(self.weight_x) > HISTORY_POINTS:
            self.weight_x = self.weight_x[::2]
            self.weight_samples = {k: v[::2] for k, v in self.weight_samples.items()}

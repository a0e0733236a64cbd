"""Frames of a run and the timeline that keeps them within a memory budget.

A frame is a ``Snapshot`` taken between batches with everything the views draw for that moment
— parameters, each node's output on the probe batch, gradient norms, each weight matrix's values
sorted (for "weights over time"), the output over the 2-D input plane when a view asked for it —
and the trainer's complete state, so that a rewind to the frame trains on exactly as the run did.
The training process takes frames (``engine.runner``), so the window only draws them.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from .trainer import Trainer
from .training_state import Snapshot, TrainerState

WEIGHT_SAMPLES = 256  # values per weight matrix in a frame: all of them, or this many quantiles
PLANE_GRID = 72  # points per side of the input plane
CURRENT_RUN_BYTES = 160 * 2**20  # the current run's timeline
OLDER_RUN_BYTES = 8 * 2**20  # each of the latest OLDER_RUNS_KEPT earlier runs' timelines
OLDER_RUNS_KEPT = 5  # earlier runs beyond these keep only their first and last frame
ARRAY_OVERHEAD = 112  # bytes a small NumPy array costs beyond its data
FRAME_OVERHEAD = 2048  # bytes of a frame's dicts and objects


@dataclass(frozen=True)
class PlaneGrid:
    """A grid × grid sampling of a rectangle of the two-feature input plane."""

    low: tuple[float, float]
    high: tuple[float, float]
    size: int = PLANE_GRID

    @classmethod
    def around(cls, x: np.ndarray, size: int = PLANE_GRID) -> PlaneGrid:
        """The rectangle around the rows of ``x`` (two columns), 8 % wider on each side."""
        lo, hi = x.min(axis=0), x.max(axis=0)
        pad = (hi - lo) * 0.08 + 1e-6
        return cls((float(lo[0] - pad[0]), float(lo[1] - pad[1])), (float(hi[0] + pad[0]), float(hi[1] + pad[1])), size)

    def points(self, dtype=np.float32) -> np.ndarray:
        """(size², 2) points, row by row from the low y: point i is at column i % size, row i // size."""
        xs = np.linspace(self.low[0], self.high[0], self.size)
        ys = np.linspace(self.low[1], self.high[1], self.size)
        gx, gy = np.meshgrid(xs, ys)
        return np.ascontiguousarray(np.stack([gx.ravel(), gy.ravel()], axis=1), dtype=dtype)


@dataclass(frozen=True)
class ViewRequest:
    """Heavy per-frame work the open views want done in the training process.

    ``plane_nodes``: the nodes whose output over ``plane`` each frame carries (only what is drawn:
    the output node for the Output view, the chosen node for the Neurons view).
    """

    plane: PlaneGrid | None = None
    plane_nodes: tuple[str, ...] = ()


def weight_samples(model, parameters: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each array the views show as weights (``Parameter.weights``) as sorted float32 values: all of
    them, or WEIGHT_SAMPLES evenly spaced quantiles of a larger one. A histogram of these is the
    weights' histogram at that moment."""
    samples = {}
    for name, values in parameters.items():
        if not model.roles[name].weights:
            continue
        flat = np.sort(values.ravel().astype(np.float32))
        if flat.size > WEIGHT_SAMPLES:
            flat = flat[np.linspace(0, flat.size - 1, WEIGHT_SAMPLES).round().astype(np.intp)]
        samples[name] = flat
    return samples


def plane_values(trainer: Trainer, grid: PlaneGrid, nodes: tuple[str, ...] | list[str]) -> dict[str, np.ndarray]:
    """The outputs of ``nodes`` (those that exist) over ``grid``, as float32 (grid², width) arrays,
    from the trainer's model as it is (evaluation mode: no dropout, no random draws)."""
    model = trainer.model
    if len(model.input_ids) != 1 or model.shapes[model.input_ids[0]] != (2,):
        return {}
    model.forward(grid.points(model.dtype))
    return {n: np.asarray(model.values[n], dtype=np.float32).reshape(grid.size * grid.size, -1).copy()
            for n in nodes if n in model.values}


def take_frame(trainer: Trainer, snapshot: Snapshot | None = None, views: ViewRequest | None = None) -> Snapshot:
    """The trainer's present moment as a frame. ``snapshot``: the batch just trained (its loss and
    gradient norms, and its parameters and activations when it carries them)."""
    state = trainer.capture()
    model = trainer.model
    if snapshot is not None and snapshot.activations is not None:
        activations = snapshot.activations
    else:
        model.forward(trainer.probe)
        activations = {k: v.copy() for k, v in model.values.items()}
    frame = Snapshot(
        trainer.epoch, trainer.batch, trainer.batches_this_epoch,
        snapshot.loss if snapshot is not None else math.nan, snapshot.samples if snapshot is not None else 0,
        parameters=state.parameters, activations=activations,
        gradient_norms=snapshot.gradient_norms if snapshot is not None else None,
        state=state, weights=weight_samples(model, state.parameters),
    )
    if views is not None and views.plane is not None and views.plane_nodes:
        frame.planes = plane_values(trainer, views.plane, views.plane_nodes)
    return frame


def _arrays_bytes(arrays) -> int:
    return sum(a.nbytes + ARRAY_OVERHEAD for a in arrays)


def state_bytes(state: TrainerState | None) -> int:
    if state is None:
        return 0
    total = _arrays_bytes(state.parameters.values())
    total += sum(_arrays_bytes(buffers.values()) for buffers in state.optimizer_state["buffers"].values())
    if state.early_stopping is not None and state.early_stopping[1] is not None:
        total += _arrays_bytes(state.early_stopping[1].values())
    if state.in_epoch_state is not None:
        total += _arrays_bytes(state.in_epoch_state["epoch_start_parameters"].values())
    return total


def frame_bytes(frame: Snapshot) -> int:
    """What a frame costs in memory, roughly (its arrays and a fixed overhead). The state's
    parameters are the frame's own parameters (one object), counted once."""
    total = FRAME_OVERHEAD + state_bytes(frame.state)
    for arrays in (frame.activations, frame.weights, frame.planes):
        if arrays:
            total += _arrays_bytes(arrays.values())
    if frame.parameters is not None and (frame.state is None or frame.parameters is not frame.state.parameters):
        total += _arrays_bytes(frame.parameters.values())
    return total


class Timeline:
    """A run's frames in the order they were taken, within ``budget`` bytes.

    Every frame is kept until the budget is reached; beyond it every k-th is kept (k doubles),
    evenly by the order they came in, and the first and the last are always kept.
    """

    def __init__(self, budget: int = CURRENT_RUN_BYTES) -> None:
        self.budget = budget
        self.stride = 1
        self._frames: list[Snapshot] = []
        self._ordinals: list[int] = []  # each kept frame's place among all frames added
        self._sizes: list[int] = []
        self._added = 0
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._frames)

    def __iter__(self):
        return iter(self._frames)

    @property
    def frames(self) -> list[Snapshot]:
        return list(self._frames)

    @property
    def positions(self) -> list[float]:
        return [f.position for f in self._frames]

    @property
    def first(self) -> Snapshot | None:
        return self._frames[0] if self._frames else None

    @property
    def last(self) -> Snapshot | None:
        return self._frames[-1] if self._frames else None

    def add(self, frame: Snapshot) -> None:
        """The newest frame (its position at or after the last one's)."""
        ordinal = self._added
        self._added += 1
        # The last frame stays only while it is the last, unless the stride keeps it.
        if len(self._frames) > 1 and self._ordinals[-1] % self.stride:
            self._drop(len(self._frames) - 1)
        size = frame_bytes(frame)
        self._frames.append(frame)
        self._ordinals.append(ordinal)
        self._sizes.append(size)
        self.bytes += size
        self._thin()

    def limit(self, budget: int) -> None:
        """A new budget (an earlier run gets less room); thins the frames to it now."""
        self.budget = budget
        self._thin()

    def _thin(self) -> None:
        while self.bytes > self.budget and len(self._frames) > 2:
            self.stride *= 2
            last = len(self._frames) - 1
            keep = [i for i, n in enumerate(self._ordinals) if n % self.stride == 0 or i in (0, last)]
            if len(keep) == len(self._frames):
                if self.stride > self._added:  # nothing more to drop by thinning: only first and last remain
                    keep = [0, last]
                else:
                    continue
            self._frames = [self._frames[i] for i in keep]
            self._ordinals = [self._ordinals[i] for i in keep]
            self._sizes = [self._sizes[i] for i in keep]
            self.bytes = sum(self._sizes)

    def _drop(self, index: int) -> None:
        self.bytes -= self._sizes.pop(index)
        self._frames.pop(index)
        self._ordinals.pop(index)

    def at(self, position: float) -> Snapshot | None:
        """The frame at ``position`` (in epochs), or the last one before it (the first, if none is)."""
        if not self._frames:
            return None
        i = bisect.bisect_right(self.positions, position + 1e-9) - 1
        return self._frames[max(i, 0)]

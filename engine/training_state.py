"""The values the trainer hands out: a ``Snapshot`` after each batch, a ``TrainerState`` to rewind
to, the ``Outcome`` of a run and the ``Divergence`` that ended one."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Divergence:
    epoch: int
    batch: int
    node: str
    message: str


@dataclass
class Snapshot:
    """What the trainer tells its watchers after a batch. Arrays are copies, safe to keep."""

    epoch: int  # completed epochs
    batch: int  # batches done in the current epoch
    batches_per_epoch: int
    loss: float  # this batch's loss
    samples: int = 0  # this batch's size
    parameters: dict[str, np.ndarray] | None = None
    activations: dict[str, np.ndarray] | None = None  # each node's output on the probe batch
    gradient_norms: dict[str, float] | None = None
    # A frame of a run's timeline (engine.frames.take_frame) also carries:
    state: TrainerState | None = None  # everything a rewind to here needs
    weights: dict[str, np.ndarray] | None = None  # each array shown as weights -> its values sorted (≤ WEIGHT_SAMPLES quantiles)
    planes: dict[str, np.ndarray] | None = None  # node id -> its output over the plane grid asked for, (n*n, width)

    @property
    def position(self) -> float:
        """Where this is, in epochs: completed epochs plus the share of the current one."""
        return self.epoch + (self.batch / self.batches_per_epoch if self.batches_per_epoch else 0.0)


@dataclass
class TrainerState:
    """Everything that makes training go on from a moment exactly as it went on then (``Trainer.capture``).

    The data and the graph are not in it: it is restored into a trainer built from the same graph,
    dataset and ``settings`` (``Trainer.restore``). Arrays are copies, safe to keep.
    """

    epoch: int
    batch: int
    in_epoch: bool
    settings: dict  # the training settings in force, the optimizer's included
    parameters: dict[str, np.ndarray]
    optimizer: dict  # the optimizer in use (settings["optimizer"] may be a pending change)
    optimizer_state: dict  # Optimizer.state_dict()
    pending_optimizer: dict | None
    generators: dict[str, dict]  # node id -> its random generator's state (dropout masks)
    history_lengths: dict[str, int]  # the history as it was: the first n values of each list
    run_start: int  # the history index where the trainer's current run began
    untrained_loss: float | None
    explodes_above: float
    early_stopping: tuple | None  # (best value, best parameters, best epoch, epochs waited)
    in_epoch_state: dict | None = None  # mid-epoch only: batch size, batches, running metrics, epoch-start parameters


@dataclass
class Outcome:
    reason: str  # completed, stopped, early_stopped, diverged
    epochs: int
    divergence: Divergence | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # raised during this run, e.g. a rising loss


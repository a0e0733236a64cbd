"""How fast a run goes when someone watches it: the ``training.pace`` setting.

A pace is so many epochs a second, or so many batches a second (batch by batch: every batch is
reported). No pace (the key absent) is as fast as possible. Only the training process paces
(``engine.runner``: it waits between batches and keeps answering commands while it waits); the
headless command line ignores the pace.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ParamError

UNITS = {"epochs_per_second": "epoch", "batches_per_second": "batch"}
LIMITS = {"epoch": (0.01, 1000.0), "batch": (0.01, 60.0)}  # batch by batch reports every batch: at most 60 a second
# What a speed control offers; any rate within LIMITS is valid in a file.
CHOICES: tuple[tuple[str, float], ...] = (
    ("epoch", 1), ("epoch", 2), ("epoch", 5), ("epoch", 10), ("epoch", 30),
    ("batch", 1), ("batch", 5), ("batch", 20),
)


@dataclass(frozen=True)
class Pace:
    unit: str  # "epoch" or "batch"
    per_second: float

    def batch_seconds(self, batches_per_epoch: int) -> float:
        """The time each batch is given: an epoch pace spreads its epoch's batches evenly."""
        if self.unit == "batch":
            return 1.0 / self.per_second
        return 1.0 / (self.per_second * max(batches_per_epoch, 1))

    @property
    def batch_by_batch(self) -> bool:
        return self.unit == "batch"

    def to_setting(self) -> dict:
        key = "epochs_per_second" if self.unit == "epoch" else "batches_per_second"
        return {key: int(self.per_second) if self.per_second.is_integer() else self.per_second}

    def __str__(self) -> str:
        return f"{self.per_second:g} {self.unit}{'' if self.per_second == 1 else 'es' if self.unit == 'batch' else 's'}/s"


def parse_pace(value: object, where: str = "training.pace") -> Pace | None:
    """The file's pace object (``{"epochs_per_second": 5}`` or ``{"batches_per_second": 10}``),
    or None (as fast as possible) for None; ParamError names the key."""
    if value is None:
        return None
    if isinstance(value, Pace):
        return value
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in UNITS:
        raise ParamError(f'{where}: must be {{"epochs_per_second": N}} or {{"batches_per_second": N}}, got {value!r}')
    (key, rate), = value.items()
    unit = UNITS[key]
    low, high = LIMITS[unit]
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate) or not low <= rate <= high:
        raise ParamError(f"{where}.{key}: must be a number from {low:g} to {high:g}, got {rate!r}")
    return Pace(unit, float(rate))


def pace_text(value: object) -> str:
    """A pace setting as a person reads it: "5 epochs/s", "1 batch/s", "as fast as possible"."""
    pace = parse_pace(value)
    return "as fast as possible" if pace is None else str(pace)

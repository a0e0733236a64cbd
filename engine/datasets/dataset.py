"""The ``Dataset`` every loader returns, and feature standardization."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np

DEFAULT_DTYPE = np.float32  # the trainer's default; features are held in the dtype they train in
_SHOWN_CLASSES = 10
_ROWS_PER_BLOCK = 4096  # standardization works block by block: no float64 copy of a large x


@dataclass
class Dataset:
    name: str
    task: str
    x: np.ndarray  # (samples, features), C-contiguous, in the training dtype
    y: np.ndarray  # class indices (int64) or (samples, targets) values
    feature_names: list[str]
    class_names: list[str]
    target_names: list[str]
    description: str = ""
    mean: np.ndarray | None = None  # float64, set by standardization
    std: np.ndarray | None = None
    # What is computed from x and y once and then shared (the fingerprint, the trainer's latest split):
    # x and y are not changed once loaded. ``dataclasses.replace`` gives a copy an empty one.
    derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_samples(self) -> int:
        return self.x.shape[0]

    @property
    def n_features(self) -> int:
        return self.x.shape[1]

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.task == "classification" else 0

    @property
    def n_targets(self) -> int:
        return 1 if self.task == "classification" else self.y.shape[1]

    def fingerprint(self) -> str:
        """A short hash of the values (x, then y): the same spec over a changed file is other data.
        Hashing 60,000 × 784 values takes a while, so it is done once per dataset."""
        if "fingerprint" not in self.derived:
            digest = hashlib.sha1()
            for values in (self.x, self.y):  # hashed in place (a copy of x would hold the GIL for 0.2 s)
                digest.update(memoryview(np.ascontiguousarray(values)).cast("B"))
            self.derived["fingerprint"] = digest.hexdigest()[:16]
        return self.derived["fingerprint"]

    def summary(self) -> str:
        head = (f"{self.name}: {plural(self.n_samples, 'sample')}, "
                f"{plural(self.n_features, 'feature')}")
        if self.task == "regression":
            return f"{head}, regression on {', '.join(self.target_names)}"
        counts = np.bincount(self.y, minlength=self.n_classes)
        shown = [f"{name} {count}" for name, count in zip(self.class_names, counts)]
        if len(shown) > _SHOWN_CLASSES:
            shown = shown[:_SHOWN_CLASSES] + [f"and {len(shown) - _SHOWN_CLASSES} more"]
        return f"{head}, {plural(self.n_classes, 'class', 'classes')} ({', '.join(shown)})"


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural_form or word + 's'}"


def feature_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's mean and standard deviation in float64; a constant column gets its value
    and exactly 1, so that it standardizes to exactly 0 (not to rounding noise)."""
    mean = x.mean(axis=0, dtype=np.float64)
    squares = np.zeros(x.shape[1])
    for start in range(0, len(x), _ROWS_PER_BLOCK):
        deviation = x[start:start + _ROWS_PER_BLOCK] - mean
        squares += np.einsum("ij,ij->j", deviation, deviation)
    std = np.sqrt(squares / max(len(x), 1))
    if len(x):
        constant = x.min(axis=0) == x.max(axis=0)
        mean[constant] = x[0, constant]
        std[constant] = 1.0
    std[std == 0] = 1.0
    return mean, std


def _scale_into(x: np.ndarray, mean: np.ndarray, std: np.ndarray, out: np.ndarray) -> None:
    for start in range(0, len(x), _ROWS_PER_BLOCK):
        rows = slice(start, start + _ROWS_PER_BLOCK)
        out[rows] = (x[rows] - mean) / std


def standardize(ds: Dataset) -> Dataset:
    """A copy of ``ds`` with each feature at zero mean and unit std (std 1 for a constant one)."""
    mean, std = feature_scale(ds.x)
    x = np.empty(ds.x.shape, ds.x.dtype)
    _scale_into(ds.x, mean, std, x)
    return replace(ds, x=x, mean=mean, std=std)


def standardize_in_place(ds: Dataset) -> Dataset:
    """``standardize`` for a dataset nothing else holds yet (just loaded): no second copy of x."""
    mean, std = feature_scale(ds.x)
    _scale_into(ds.x, mean, std, ds.x)
    return replace(ds, mean=mean, std=std)


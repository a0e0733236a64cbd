"""The seeded split of a dataset's rows into a training and a validation part."""
from __future__ import annotations

import numpy as np

from .errors import TrainingError


def split_rows(n: int, validation_split: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, validation rows), each in ascending order: a permutation of the n rows drawn
    from numpy's default_rng(seed); its first round(n · validation_split) rows (at most n − 1, none when
    n is 1) are held out for validation."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = min(int(round(n * validation_split)), n - 1) if n > 1 else 0
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def split_dataset(dataset, validation_split: float, seed: int, dtype) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_val, y_val) of ``dataset`` as ``split_rows`` splits it, x in ``dtype``.

    The arrays are read-only and kept with the dataset for the latest settings: every trainer built
    for the same data and split (one per graph edit in the editor) shares them instead of copying
    60,000 rows again. An error names the first row with a missing or infinite value."""
    key = (float(validation_split), int(seed), np.dtype(dtype).str)
    cached = dataset.derived.get("split")
    if cached is not None and cached[0] == key:
        return cached[1]
    x = np.ascontiguousarray(dataset.x, dtype=dtype)
    if not np.isfinite(x).all():
        row = int(np.argwhere(~np.isfinite(x))[0][0])
        raise TrainingError(f"the dataset has a missing or infinite value in row {row + 1}")
    train, val = split_rows(len(x), validation_split, seed)
    parts = (x[train], dataset.y[train], x[val], dataset.y[val])
    for array in parts:
        array.flags.writeable = False
    dataset.derived["split"] = (key, parts)
    return parts

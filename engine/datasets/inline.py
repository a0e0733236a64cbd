"""Inline data: small ``x`` and ``y`` arrays written in the project file (teaching examples, drawn points)."""
from __future__ import annotations

import numpy as np

from ..errors import DatasetError
from .dataset import Dataset
from .options import REQUIRED, Check, as_given, choice, is_finite_number, is_integer, names, show

TASKS = ("classification", "regression")
MAX_CLASS_INDEX = 999  # a thousand classes written by hand is already more than anyone draws

OPTIONS: dict[str, tuple[Check, object]] = {
    "x": (as_given, REQUIRED),  # shapes are checked together with y by the loader
    "y": (as_given, REQUIRED),
    "task": (choice(("auto", *TASKS)), "auto"),
    "class_names": (names, None),
    "feature_names": (names, None),
}


def make_inline(options: dict, dtype) -> Dataset:
    """The dataset of checked inline options."""
    x = _matrix("dataset.x", options["x"], dtype)
    raw_y = options["y"]
    task = options["task"]
    if task == "auto":
        is_labels = isinstance(raw_y, list) and all(is_integer(v) for v in raw_y)
        task = "classification" if is_labels else "regression"
    if task == "classification":
        y, class_names = _classes(raw_y, options["class_names"])
        target_names = ["class"]
    else:
        if options["class_names"] is not None:
            raise DatasetError("dataset.class_names: only a classification dataset has class names")
        y, class_names = _targets(raw_y, dtype), []
        target_names = ["y"] if y.shape[1] == 1 else [f"y{k + 1}" for k in range(y.shape[1])]
    if len(y) != len(x):
        raise DatasetError(f"dataset.y: has {len(y)} entries, dataset.x has {len(x)} rows")
    feature_names = options["feature_names"]
    if feature_names is None:
        feature_names = [f"x{k + 1}" for k in range(x.shape[1])]
    if len(feature_names) != x.shape[1]:
        raise DatasetError(f"dataset.feature_names: has {len(feature_names)} names, "
                           f"dataset.x has {x.shape[1]} columns")
    return Dataset("inline", task, x, y, feature_names, class_names, target_names,
                   "Data written in the project file.")


def _matrix(key: str, value: object, dtype) -> np.ndarray:
    if not isinstance(value, list) or not value:
        raise DatasetError(f"{key}: must be a non-empty list of rows, got {show(value)}")
    for i, row in enumerate(value):
        if not isinstance(row, list) or not row:
            raise DatasetError(f"{key}[{i}]: must be a non-empty list of numbers, got {show(row)}")
        if len(row) != len(value[0]):
            raise DatasetError(f"{key}[{i}]: has {len(row)} values, {key}[0] has {len(value[0])}")
        for j, item in enumerate(row):
            if not is_finite_number(item):
                raise DatasetError(f"{key}[{i}][{j}]: must be a number, got {show(item)}")
    return _in_dtype(key, np.array(value, dtype=np.float64), dtype)


def _in_dtype(key: str, values: np.ndarray, dtype) -> np.ndarray:
    """``values`` in ``dtype``, or an error naming the first that does not fit it (1e300 in float32)."""
    with np.errstate(over="ignore"):
        result = np.ascontiguousarray(values, dtype=dtype)
    if not np.isfinite(result).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(result))[0])
        at = "".join(f"[{i}]" for i in where)
        raise DatasetError(f"{key}{at}: {values[where]:g} is too large for {np.dtype(dtype).name}")
    return result


def _classes(value: object, class_names: list[str] | None) -> tuple[np.ndarray, list[str]]:
    if not isinstance(value, list) or not value:
        raise DatasetError(f"dataset.y: must be a non-empty list of class indices, got {show(value)}")
    for i, label in enumerate(value):
        if not is_integer(label) or label < 0:
            raise DatasetError(f"dataset.y[{i}]: must be a class index (0, 1, ...), got {show(label)}")
        if label > MAX_CLASS_INDEX:
            raise DatasetError(f"dataset.y[{i}]: class indices go up to {MAX_CLASS_INDEX}, got {show(label)}")
        if class_names is not None and label >= len(class_names):
            raise DatasetError(f"dataset.y[{i}]: class {int(label)}, but dataset.class_names "
                               f"has {len(class_names)} names")
    y = np.array([int(label) for label in value], dtype=np.int64)
    return y, class_names if class_names is not None else [str(k) for k in range(y.max() + 1)]


def _targets(value: object, dtype) -> np.ndarray:
    if isinstance(value, list) and value and isinstance(value[0], list):
        return _matrix("dataset.y", value, dtype)
    if not isinstance(value, list) or not value:
        raise DatasetError(f"dataset.y: must be a non-empty list of numbers, got {show(value)}")
    for i, item in enumerate(value):
        if not is_finite_number(item):
            raise DatasetError(f"dataset.y[{i}]: must be a number, got {show(item)}")
    return _in_dtype("dataset.y", np.array(value, dtype=np.float64), dtype).reshape(-1, 1)

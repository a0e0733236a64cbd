"""A dataset from a CSV file: which columns are features and which is the target, and what the target is."""
from __future__ import annotations

from pathlib import Path

from ..errors import DatasetError
from .cells import encode_classes, guess_task
from .csv_file import CsvFile
from .dataset import DEFAULT_DTYPE, Dataset
from .options import REQUIRED, Check, checked, choice, column_ref, column_refs, file_path
from .progress import Progress

TASKS = ("classification", "regression")

OPTIONS: dict[str, tuple[Check, object]] = {
    "path": (file_path, REQUIRED),
    "features": (column_refs, None),
    "target": (column_ref, None),
    "task": (choice(("auto", *TASKS)), "auto"),
    "header": (choice(("auto", True, False)), "auto"),
    "missing": (choice(("error", "drop")), "error"),
}


def load_csv(path, features=None, target=None, task="auto", header="auto",
             missing="error", dtype=DEFAULT_DTYPE) -> Dataset:
    """A dataset read from a CSV file (delimiter ``,`` ``;`` or tab, UTF-8).

    In a ``;``-separated file a decimal comma (``1,70``) reads as a decimal point."""
    given = {"path": path, "features": features, "target": target, "task": task,
             "header": header, "missing": missing}
    options = checked(OPTIONS, {k: v for k, v in given.items() if v is not None}, prefix="")
    return read_csv_dataset(**options, dtype=dtype)


def read_csv_dataset(path: Path, features: list | None, target: str | int | None, task: str,
                     header: str | bool, missing: str, dtype=DEFAULT_DTYPE, quote: bool = True,
                     progress: Progress | None = None) -> Dataset:
    """``load_csv`` for checked options; ``quote=False`` for a file no message may quote (see CsvFile);
    ``progress`` reports how far the reading is and may stop it (see ``progress.py``)."""
    csv = CsvFile(path, header, quote, progress)
    target_index = csv.width - 1 if target is None else csv.column_index(target, "target")
    feature_indices = _feature_indices(csv, features, target_index)

    def is_regression(labels) -> bool:  # text, or values when every label is a number
        return (task if task != "auto" else guess_task(labels)) == "regression"

    columns = csv.read(feature_indices, target_index, missing, dtype, is_regression, " (a regression target)")
    if columns.label_values is not None:
        y, task, class_names = columns.label_values, "regression", []
    else:
        (y, class_names), task = encode_classes(columns.labels), "classification"
    return Dataset(csv.file, task, columns.x, y, [csv.names[j] for j in feature_indices],
                   class_names, [csv.names[target_index]])


def _feature_indices(csv: CsvFile, features: list | None, target_index: int) -> list[int]:
    if features is None:
        indices = [j for j in range(csv.width) if j != target_index]
        if not indices:
            raise DatasetError(f"{csv.file}: only one column; a dataset needs feature columns "
                               "and a target column")
        return indices
    indices = [csv.column_index(ref, f"features[{k}]") for k, ref in enumerate(features)]
    for k, j in enumerate(indices):
        if j == target_index:
            raise DatasetError(f"{csv.file}: features[{k}]: {csv.column_text(j)} is the target")
        if j in indices[:k]:
            raise DatasetError(f"{csv.file}: features[{k}]: {csv.column_text(j)} is listed twice")
    return indices

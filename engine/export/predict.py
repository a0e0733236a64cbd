"""Predictions of a trained project for new rows of raw features.

The editor and the command line share these functions:

- ``Predictor(project)`` compiles the project once; ``predictor.predict(x_raw)`` gives the
  prediction columns for rows of raw features (in the order of ``predictor.feature_names``),
  and ``predictor.node_values(x_raw)`` every node's values on those rows (the forward pass).
- ``predict_rows(project, x_raw)`` is the one-call form.
- ``read_features_csv(path, feature_names)`` reads the rows of a CSV file by column name, and
  ``write_predictions_csv(columns, path)`` writes the columns.

Raw features are standardized exactly as the dataset was for training (the same mean and std).
"""
from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path

import numpy as np

from ..datasets import CsvFile, Dataset
from ..errors import DatasetError
from ..project import Project
from .common import ExportError, Network, compile_project, standardize_features


class Predictor:
    """A trained project ready to predict; build once, call often."""

    def __init__(self, project: Project, dataset: Dataset | None = None) -> None:
        self.network: Network = compile_project(project, dataset, require_trained=True)

    @property
    def feature_names(self) -> list[str]:
        return list(self.network.dataset.feature_names)

    @property
    def task(self) -> str:
        return self.network.dataset.task

    @property
    def output_kind(self) -> str:
        """``probabilities``, ``scores`` or ``values`` (see ``Network.output_kind``)."""
        return self.network.output_kind

    @property
    def columns(self) -> list[str]:
        """The names of the columns ``predict`` returns, in order."""
        return list(self.predict(np.zeros((0, len(self.feature_names)))))

    def outputs(self, x_raw: np.ndarray) -> np.ndarray:
        """The output node's values for rows of raw features (the engine's ``Model.predict``)."""
        return self.network.model.predict(self._features(x_raw))

    def node_values(self, x_raw: np.ndarray) -> dict[str, np.ndarray]:
        """Every node's values for rows of raw features, Input nodes included (standardized)."""
        model = self.network.model
        model.forward(np.ascontiguousarray(self._features(x_raw), dtype=model.dtype))
        return {node_id: values.copy() for node_id, values in model.values.items()}

    def predict(self, x_raw: np.ndarray) -> dict[str, np.ndarray]:
        """Prediction columns, name → one value per row.

        Classification: ``class`` (the class name), then ``p_<class>`` per class when the output
        is a probability (for a one-unit sigmoid: 1 − p and p), or ``score`` / ``score_<class>``
        when it is not (hinge, perceptron, mse on a classifier). Regression: one column per target.
        """
        network = self.network
        ds = network.dataset
        out = self.outputs(x_raw) if len(x_raw) else np.zeros((0, network.width(network.output_id)))
        if ds.task != "classification":
            return {name: out[:, k] for k, name in enumerate(ds.target_names)}
        if len(ds.class_names) < 2:
            raise ExportError(f"the dataset has only one class ({', '.join(ds.class_names)}): "
                              "a prediction needs at least two to choose between")
        classes = network.model.classes(out) if len(out) else np.zeros(0, dtype=np.int64)
        names = np.array(ds.class_names, dtype=object)
        columns: dict[str, np.ndarray] = {"class": names[classes] if len(classes) else np.zeros(0, dtype=object)}
        kind = network.output_kind
        if out.shape[1] == 1:
            if kind == "probabilities":
                columns[f"p_{ds.class_names[0]}"] = 1.0 - out[:, 0]
                columns[f"p_{ds.class_names[1]}"] = out[:, 0]
            else:
                columns["score"] = out[:, 0]
            return columns
        prefix = "p_" if kind == "probabilities" else "score_"
        for k, name in enumerate(ds.class_names):
            columns[prefix + name] = out[:, k]
        return columns

    def _features(self, x_raw: np.ndarray) -> np.ndarray:
        x = np.asarray(x_raw, dtype=np.float64)
        if x.ndim == 1:
            x = x.reshape(1, -1)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise ExportError(f"expected rows of {len(self.feature_names)} features "
                              f"({', '.join(self.feature_names)}), got shape {list(x.shape)}")
        if not np.isfinite(x).all():
            row, column = (int(i) for i in np.argwhere(~np.isfinite(x))[0])
            raise ExportError(f"row {row + 1}, feature {self.feature_names[column]}: not a finite number")
        return standardize_features(self.network, x)


def predict_rows(project: Project, x_raw: np.ndarray, dataset: Dataset | None = None) -> dict[str, np.ndarray]:
    """The prediction columns for rows of raw features (see ``Predictor.predict``)."""
    return Predictor(project, dataset).predict(x_raw)


# ---- CSV in and out ---------------------------------------------------------------------------
def read_features_csv(path: str | os.PathLike, feature_names: list[str]) -> np.ndarray:
    """Rows of raw features from a CSV file with a header, columns matched by name (float64).

    Other columns (a target column, ids) are ignored. A file without a header row is read by
    position when it has exactly one column per feature. Errors name the file, line and column.
    """
    csv = CsvFile(path, "auto")
    generic = all(name == f"column_{j + 1}" for j, name in enumerate(csv.names))
    if generic and csv.width == len(feature_names) and not set(feature_names) & set(csv.names):
        indices = list(range(len(feature_names)))  # no header: by position
    else:
        found = {name: j for j, name in enumerate(csv.names)}
        # The file's cells are stripped: a feature named " a" is the column "a".
        indices = [found.get(name, found.get(name.strip())) for name in feature_names]
        missing = sorted(name for name, j in zip(feature_names, indices) if j is None)
        if missing:
            label = "column" if len(missing) == 1 else "columns"
            raise DatasetError(f"{csv.file}: missing {label} {', '.join(missing)}")
    return csv.read(indices, missing=None, dtype=np.float64).x


def format_value(value: object) -> str:
    """The shortest text that reads back as the same number in its own precision."""
    return str(value)  # numpy's str of a float32 or float64 is its shortest round-trip form


def write_predictions_csv(columns: dict[str, np.ndarray], path: str | os.PathLike | None) -> None:
    """Write the columns as CSV to ``path`` (atomically), or to standard output when None."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = list(columns)
    writer.writerow(names)
    rows = len(next(iter(columns.values()))) if columns else 0
    for i in range(rows):
        writer.writerow([format_value(columns[name][i]) for name in names])
    if path is None:
        sys.stdout.write(buffer.getvalue())
        return
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(tmp, path)


def predict_csv(project: Project, input_path: str | os.PathLike, output_path: str | os.PathLike | None) -> int:
    """Predict every row of ``input_path`` and write the columns; returns the row count."""
    predictor = Predictor(project)
    x = read_features_csv(input_path, predictor.feature_names)
    columns = predictor.predict(x)
    write_predictions_csv(columns, output_path)
    return len(x)

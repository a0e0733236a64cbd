"""The engine's predictor for the editor's state, and the held-out rows the Predict dock offers."""
from __future__ import annotations

import numpy as np

from engine.data_split import split_rows
from engine.export import Network, Predictor
from engine.training_settings import parse_training


class EditorPredictor(Predictor):
    """``Predictor`` over a clone of the document's compiled model: parameters that fit are used, the
    rest (and all of an untrained project's) are the seeded initial values."""

    def __init__(self, project, dataset, model) -> None:  # not super().__init__: it requires a trained project
        self.network = Network(project, dataset, model, parse_training(project.training))
        self.load(project.parameters)

    def load(self, parameters: dict[str, np.ndarray]) -> None:
        self.network.model.load_parameters(parameters, strict=False)


class HeldOut:
    """The rows training holds out (split exactly as the trainer splits them), read one at a time:
    ``rows[i]`` is row i's raw features (float64, un-standardized), ``targets[i]`` its target. Only
    the row indices are kept, so 6,000 held-out rows of 784 features cost nothing until picked."""

    def __init__(self, network: Network) -> None:
        dataset = network.dataset
        train, val = split_rows(dataset.n_samples, network.settings["validation_split"], network.settings["seed"])
        self.kind, self.indices = ("validation", val) if len(val) else ("training", train)
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> np.ndarray:
        ds = self.dataset
        row = np.asarray(ds.x[self.indices[i]], dtype=np.float64)
        return row * ds.std + ds.mean if ds.mean is not None else row

    def target(self, i: int):
        return self.dataset.y[self.indices[i]]

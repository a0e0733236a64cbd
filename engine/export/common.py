"""What every exporter needs from a project: its compiled model with the project's parameters,
the dataset (for names and standardization), and the part of the graph that makes the prediction.

The exported network runs from the Input node(s) to the *output node*: the node wired into the
first Loss node in the file (``Model.output_id``; the canvas marks it). Loss nodes are left out; every
node that feeds no prediction is left out.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data_split import split_rows
from ..datasets import Dataset
from ..errors import NeuroCanvasError
from ..model import Model
from ..nodes import LoweringContext
from ..nodes import losses as loss_functions
from ..project import Project
from ..training_settings import parse_training


class ExportError(NeuroCanvasError):
    """An export or a prediction that cannot be made; the message says why and what to do."""


def not_trained_message(project: Project) -> str:
    name = project.path.name if project.path else project.name
    where = project.path if project.path else name
    return f"{name} is not trained yet: train it first (python main.py train {where} --in-place)"


@dataclass
class Network:
    """A project compiled for export or prediction."""

    project: Project
    dataset: Dataset
    model: Model
    settings: dict  # the project's training settings (with any overrides)

    def split(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(x_train, y_train, x_val, y_val): the rows as training splits them, features in float64
        as the network sees them (standardized if the dataset is)."""
        train, val = split_rows(len(self.dataset.x), self.settings["validation_split"], self.settings["seed"])
        x, y = np.asarray(self.dataset.x, dtype=np.float64), self.dataset.y
        return x[train], y[train], x[val], y[val]

    @property
    def output_id(self) -> str:
        return self.model.output_id

    @property
    def trained(self) -> bool:
        return bool(self.project.parameters)

    @property
    def standardized(self) -> bool:
        return self.dataset.mean is not None

    @property
    def n_features(self) -> int:
        return self.dataset.n_features

    def width(self, node_id: str) -> int:
        return self.model.width(node_id)

    def shape(self, node_id: str):
        return self.model.shapes[node_id]

    def needed(self, targets: list[str]) -> list[str]:
        """The nodes (not Input, not Loss) that ``targets`` depend on, in topological order."""
        needed, todo = set(), list(targets)
        while todo:
            node_id = todo.pop()
            if node_id in needed:
                continue
            needed.add(node_id)
            todo.extend(self.model.sources.get(node_id, []))
        return [node_id for node_id, _, _ in self.model.plan if node_id in needed]

    @property
    def prediction_nodes(self) -> list[str]:
        """The nodes from the input(s) to the output node, in topological order."""
        return self.needed([self.output_id])

    def node(self, node_id: str):
        return self.project.graph.nodes[node_id]

    def context(self, node_id: str, name: str, inputs: list[str]) -> LoweringContext:
        """What an exporter tells the node's kind to lower it: names, inputs, shapes and its arrays."""
        model = self.model
        return LoweringContext(node_id, name, dict(model.params[node_id]), inputs,
                               [model.shapes[s] for s in model.sources[node_id]], model.shapes[node_id],
                               model.arrays_of(node_id))

    @property
    def output_kind(self) -> str:
        """``probabilities`` (a softmax or sigmoid output of a classifier), ``scores`` (any
        other classifier output: hinge, perceptron, mse...) or ``values`` (regression)."""
        if self.dataset.task != "classification":
            return "values"
        node = self.node(self.output_id)
        if node.kind.activation(node.params) in ("softmax", "sigmoid"):
            return "probabilities"
        return "scores"

    @property
    def threshold(self) -> float:
        """Above this a one-unit output predicts class 1 (0.5, or 0 for ±1 targets)."""
        function = self.model.layers[self.model.output_loss].function
        return loss_functions.FUNCTIONS[function].threshold

    def metadata(self) -> dict[str, str]:
        """What a program using an exported model needs to know, as text."""
        ds = self.dataset
        meta = {
            "project": self.project.name,
            "task": ds.task,
            "feature_names": ",".join(ds.feature_names),
            "output": self.output_kind,
            "standardized": "embedded" if self.standardized else "no",
            "epoch": str(self.project.epoch),
        }
        if ds.task == "classification":
            meta["class_names"] = ",".join(ds.class_names)
            if self.width(self.output_id) == 1:
                meta["threshold"] = repr(self.threshold)
        else:
            meta["target_names"] = ",".join(ds.target_names)
        return meta


def compile_project(project: Project, dataset: Dataset | None = None, require_trained: bool = True,
                    training: dict | None = None) -> Network:
    """The project compiled with its parameters (or, if allowed, its seeded initial ones).

    ``training`` overrides settings (e.g. ``{"dtype": "float64"}``); ``dataset`` saves loading it again.
    """
    if require_trained and not project.parameters:
        raise ExportError(not_trained_message(project))
    dataset = dataset if dataset is not None else project.load_data()
    settings = parse_training({**project.training, **(training or {})})
    model = Model(project.graph, settings["dtype"], settings["seed"], dataset)
    model.load_parameters(project.parameters, strict=bool(project.parameters))
    return Network(project, dataset, model, settings)


def standardize_features(network: Network, x_raw: np.ndarray) -> np.ndarray:
    """Raw feature rows scaled as the dataset was for training (unchanged without ``standardize``)."""
    x = np.asarray(x_raw, dtype=np.float64)
    if network.standardized:
        x = (x - network.dataset.mean) / network.dataset.std
    return x


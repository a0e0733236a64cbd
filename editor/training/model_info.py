"""What the views need to know about the trained model, fixed when the session builds a trainer."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.trainer import Trainer


@dataclass
class ModelInfo:
    """What the views need to know about the trained model, fixed when the trainer is built."""

    order: list[str]  # every compiled node, in topological order
    nodes: list[str]  # the nodes that compute something (not inputs, not losses), in order
    functions: dict[str, str]  # node id -> the activation function it applies last
    weights: dict[str, str]  # node id -> the array the views and wires show as its weights ("h.weight")
    shapes: dict[str, tuple]
    output_id: str
    task: str
    n_features: int
    n_classes: int
    feature_names: list[str]
    class_names: list[str]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    probe: np.ndarray
    loss_function: str

    @classmethod
    def of(cls, trainer: Trainer) -> ModelInfo:
        model, ds = trainer.model, trainer.dataset
        order = list(model.kinds)
        functions = {n: f for n in order if (f := model.kinds[n].activation(model.params[n]))}
        weights = {n: names[0] for n in order if (names := model.weight_names(n))}
        return cls(
            order=order, nodes=[n for n, _, _ in model.plan], functions=functions, weights=weights,
            shapes=dict(model.shapes), output_id=model.output_id, task=ds.task,
            n_features=ds.n_features, n_classes=ds.n_classes,
            feature_names=list(ds.feature_names), class_names=list(ds.class_names),
            x_train=trainer.x_train, y_train=np.asarray(trainer.y_train), x_val=trainer.x_val,
            y_val=np.asarray(trainer.y_val), probe=trainer.probe,
            loss_function=model.layers[model.output_loss].function,
        )

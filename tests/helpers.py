"""Small builders and the gradient check shared by the engine tests."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from engine.graph import Graph
from engine.model import Model


def chain(*nodes: tuple[str, dict], input_size: int = 3) -> Graph:
    """Input(input_size) followed by ``nodes`` wired one after another: ("Dense", {"units": 4}), ..."""
    graph = Graph()
    previous = graph.add_node("Input", {"size": input_size}, node_id="x").id
    for i, (type_name, params) in enumerate(nodes):
        node = graph.add_node(type_name, params, (200.0 * (i + 1), 0.0), node_id=f"n{i}")
        graph.connect(previous, node.id, node.input_ports[0])
        previous = node.id
    return graph


EPS = 1e-6


def data(task: str, n: int = 6, features: int = 3, classes: int = 3, targets: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features))
    if task == "classification":
        y = np.arange(n) % classes
        return SimpleNamespace(x=x, y=y, task=task, n_features=features, n_classes=classes, n_targets=1)
    return SimpleNamespace(x=x, y=rng.normal(size=(n, targets)), task=task, n_features=features, n_classes=0, n_targets=targets)


def total_loss(model: Model, ds, targets, training: bool, l1: float, l2: float) -> float:
    reseed(model)
    model.forward(ds.x, training)
    value = model.loss(targets)
    w = [model.parameters[name] for name in model.penalized]
    return value + l1 * sum(np.abs(p).sum() for p in w) + l2 * sum((p * p).sum() for p in w)


def reseed(model: Model) -> None:
    """Dropout draws the same mask on every evaluation so that the loss is a fixed function."""
    for layer in model.layers.values():
        if hasattr(layer, "rng"):
            layer.rng = np.random.default_rng(123)


def check_gradients(graph: Graph, ds, training: bool = False, l1: float = 0.0, l2: float = 0.0, seed: int = 0):
    model = Model(graph, np.float64, seed=seed, dataset=ds)
    targets = model.encode_targets(ds.y, ds.task)
    total_loss(model, ds, targets, training, 0.0, 0.0)
    model.backward()
    model.penalty(l1, l2)
    assert model.parameters, "nothing to check"
    for name, param in model.parameters.items():
        analytic = model.gradients[name]
        numeric = np.zeros_like(param)
        for index in np.ndindex(param.shape):
            saved = param[index]
            param[index] = saved + EPS
            plus = total_loss(model, ds, targets, training, l1, l2)
            param[index] = saved - EPS
            minus = total_loss(model, ds, targets, training, l1, l2)
            param[index] = saved
            numeric[index] = (plus - minus) / (2 * EPS)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7, err_msg=name)
    return model

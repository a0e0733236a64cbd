"""Central-difference gradient checks (float64) for every node type, activation and loss."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from engine.graph import Graph
from engine.model import Model
from engine.nodes import activations, losses
from tests.helpers import chain

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
    w = [p for name, p in model.parameters.items() if name.endswith(".weight")]
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


SMOOTH_INPUT = {"identity", "step"}


@pytest.mark.parametrize("function", [f for f in activations.FUNCTIONS if f != "softmax"])
def test_activation_gradient(function):
    params = {"function": function}
    if function == "leaky_relu":
        params["negative_slope"] = 0.1
    graph = chain(("Dense", {"units": 4}), ("Activation", params), ("Dense", {"units": 2}), ("Loss", {"function": "mse"}))
    model = check_gradients(graph, data("regression"))
    if function == "step":
        assert not model.gradients["n0.weight"].any()


def test_softmax_gradient_unfused():
    graph = chain(("Dense", {"units": 4}), ("Activation", {"function": "softmax"}), ("Dense", {"units": 2}), ("Loss", {"function": "mse"}))
    check_gradients(graph, data("regression"))


LOSS_SETUPS = {
    "mse": ("regression", None, 2),
    "mae": ("regression", None, 2),
    "huber": ("regression", None, 2),
    "quadratic": ("regression", None, 2),
    "binary_cross_entropy": ("binary", "sigmoid", 1),
    "categorical_cross_entropy": ("classification", "softmax", 3),
    "kl_divergence": ("classification", "softmax", 3),
    "hinge": ("binary", None, 1),
    "perceptron": ("binary", None, 1),
}


def loss_graph(function: str, fuse: bool) -> tuple[Graph, object]:
    task, activation, units = LOSS_SETUPS[function]
    nodes = [("Dense", {"units": 4}), ("Activation", {"function": "tanh"}), ("Dense", {"units": units})]
    if activation:
        nodes.append(("Activation", {"function": activation}))
    graph = chain(*nodes, ("Loss", {"function": function, "delta": 0.3}))
    if not fuse and activation:
        # A second consumer of the activation keeps the loss from fusing with it.
        graph.add_node("Loss", {"function": "mse", "weight": 0.5}, node_id="side")
        graph.connect(f"n{len(nodes) - 1}", "side")
    ds = data("classification", classes=2) if task == "binary" else data(task, classes=3)
    return graph, ds


@pytest.mark.parametrize("function", list(losses.FUNCTIONS))
def test_loss_gradient(function):
    graph, ds = loss_graph(function, fuse=False)
    check_gradients(graph, ds)


@pytest.mark.parametrize("function", ["binary_cross_entropy", "categorical_cross_entropy"])
def test_fused_loss_gradient_and_value_match_unfused(function):
    fused_graph, ds = loss_graph(function, fuse=True)
    model = check_gradients(fused_graph, ds)
    assert any(getattr(layer, "fused", False) for layer in model.layers.values())
    plain = Model(chain(("Dense", {"units": 4}), ("Activation", {"function": "tanh"}), ("Dense", {"units": LOSS_SETUPS[function][2]}),
                        ("Activation", {"function": LOSS_SETUPS[function][1]}), ("Loss", {"function": function})), np.float64, dataset=ds)
    plain_layers = [l for l in plain.layers.values() if hasattr(l, "fused")]
    for layer in plain_layers:
        layer.fused = False
    targets = model.encode_targets(ds.y, ds.task)
    model.forward(ds.x)
    fused_value = model.loss(targets)
    unfused = losses.FUNCTIONS[function].value(model.values[model.output_id], targets["n4"], 1.0)
    assert fused_value == pytest.approx(unfused, rel=1e-9)


def test_fused_cross_entropy_stays_finite_for_huge_logits():
    graph, ds = loss_graph("categorical_cross_entropy", fuse=True)
    model = Model(graph, np.float64, dataset=ds)
    model.parameters["n2.weight"][...] = 1e4
    targets = model.encode_targets(ds.y, ds.task)
    model.forward(ds.x)
    assert np.isfinite(model.loss(targets))
    model.backward()
    assert all(np.isfinite(g).all() for g in model.gradients.values())


@pytest.mark.parametrize("init", ["glorot_uniform", "he_normal"])
def test_dense_without_bias(init):
    graph = chain(("Dense", {"units": 3, "bias": False, "init": init}), ("Loss", {"function": "mse"}))
    model = check_gradients(graph, data("regression", targets=3))
    assert set(model.parameters) == {"n0.weight"}


def test_maxout_gradient():
    graph = chain(("Maxout", {"units": 3, "pieces": 3}), ("Dense", {"units": 2}), ("Loss", {"function": "mse"}))
    check_gradients(graph, data("regression"))


def test_dropout_gradient_in_training_mode():
    graph = chain(("Dense", {"units": 6}), ("Dropout", {"rate": 0.4}), ("Dense", {"units": 2}), ("Loss", {"function": "mse"}))
    check_gradients(graph, data("regression"), training=True)


def test_dropout_is_identity_at_evaluation():
    graph = chain(("Dropout", {"rate": 0.5}), ("Dense", {"units": 2}), ("Loss", {"function": "mse"}))
    ds = data("regression")
    model = Model(graph, np.float64, dataset=ds)
    model.forward(ds.x, training=False)
    np.testing.assert_array_equal(model.values["n0"], ds.x)


def branches(merge: str) -> Graph:
    graph = Graph()
    graph.add_node("Input", {"size": 3}, node_id="x")
    graph.add_node("Dense", {"units": 4}, node_id="a")
    graph.add_node("Dense", {"units": 4}, node_id="b")
    graph.add_node("Activation", {"function": "relu"}, node_id="ra")
    graph.add_node(merge, {"inputs": 3}, node_id="m")
    graph.add_node("Dense", {"units": 2}, node_id="out")
    graph.add_node("Loss", {"function": "mse"}, node_id="loss")
    for src, dst, port in [("x", "a", "in"), ("x", "b", "in"), ("a", "ra", "in"), ("ra", "m", "in1"),
                           ("b", "m", "in2"), ("a", "m", "in3"), ("m", "out", "in"), ("out", "loss", "in")]:
        graph.connect(src, dst, port)
    return graph


@pytest.mark.parametrize("merge", ["Add", "Concat"])
def test_merge_gradient(merge):
    check_gradients(branches(merge), data("regression"))


def test_prelu_slope_gradient():
    graph = chain(("Dense", {"units": 4}), ("Activation", {"function": "prelu"}), ("Dense", {"units": 2}), ("Loss", {"function": "mse"}))
    model = check_gradients(graph, data("regression"))
    assert "n1.slope" in model.parameters


def test_several_weighted_losses():
    graph = chain(("Dense", {"units": 2}), ("Loss", {"function": "mse", "weight": 0.3}))
    graph.add_node("Loss", {"function": "huber", "weight": 2.0}, node_id="second")
    graph.connect("n0", "second")
    check_gradients(graph, data("regression"))


@pytest.mark.parametrize("l1,l2", [(0.01, 0.0), (0.0, 0.05), (0.02, 0.03)])
def test_weight_penalties_gradient(l1, l2):
    graph = chain(("Dense", {"units": 4}), ("Activation", {"function": "tanh"}), ("Dense", {"units": 2}), ("Loss", {"function": "mse"}))
    check_gradients(graph, data("regression"), l1=l1, l2=l2)

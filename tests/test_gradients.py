"""Central-difference gradient checks (float64) for every node type, activation and loss."""
from __future__ import annotations

import numpy as np
import pytest

from engine.graph import Graph
from engine.model import Model
from engine.nodes import activations, losses
from tests.helpers import chain, check_gradients, data

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


def loss_graph(function: str, shared: bool = False, probabilities: bool = False) -> tuple[Graph, object]:
    """Dense → tanh → Dense (→ the loss's activation) → Loss. ``shared``: a second Loss also reads the
    activation; ``probabilities``: a Dropout of rate 0 stands between activation and loss, so the loss
    reads probabilities, not logits (its unfused form)."""
    task, activation, units = LOSS_SETUPS[function]
    nodes = [("Dense", {"units": 4}), ("Activation", {"function": "tanh"}), ("Dense", {"units": units})]
    if activation:
        nodes.append(("Activation", {"function": activation}))
        if probabilities:
            nodes.append(("Dropout", {"rate": 0.0}))
    graph = chain(*nodes, ("Loss", {"function": function, "delta": 0.3}))
    if shared and activation:
        graph.add_node("Loss", {"function": "mse", "weight": 0.5}, node_id="side")
        graph.connect(f"n{len(nodes) - 1}", "side")
    ds = data("classification", classes=2) if task == "binary" else data(task, classes=3)
    return graph, ds


@pytest.mark.parametrize("function", list(losses.FUNCTIONS))
def test_loss_gradient(function):
    graph, ds = loss_graph(function)
    check_gradients(graph, ds)


@pytest.mark.parametrize("function", ["binary_cross_entropy", "categorical_cross_entropy", "kl_divergence"])
def test_loss_gradient_with_a_second_reader_of_its_activation(function):
    graph, ds = loss_graph(function, shared=True)
    model = check_gradients(graph, ds)
    assert model.loss_inputs["n4"] == "n2", "the loss reads the logits, whatever else reads the activation"


@pytest.mark.parametrize("function", ["binary_cross_entropy", "categorical_cross_entropy", "kl_divergence"])
def test_loss_gradient_on_probabilities(function):
    graph, ds = loss_graph(function, probabilities=True)
    model = check_gradients(graph, ds)
    assert model.loss_inputs["n5"] == "n4", "after a Dropout the loss reads probabilities"


@pytest.mark.parametrize("function", ["binary_cross_entropy", "categorical_cross_entropy", "kl_divergence"])
def test_loss_on_the_logits_equals_the_loss_on_the_probabilities(function):
    fused, ds = loss_graph(function)
    model = Model(fused, np.float64, dataset=ds)
    targets = model.encode_targets(ds.y, ds.task)
    model.forward(ds.x)
    on_logits = model.loss(targets)
    on_probabilities = losses.FUNCTIONS[function].value(model.values["n3"], targets["n4"], 1.0)
    assert on_logits == pytest.approx(on_probabilities, rel=1e-9)


@pytest.mark.parametrize("function", ["categorical_cross_entropy", "kl_divergence"])
def test_a_logit_gap_of_20_gives_the_true_loss_even_when_the_softmax_has_a_second_reader(function):
    """Issue 14: log(clip(p, 1e-7)) gave 16.12 where the loss is 20, and a gradient 50 times too small."""
    graph, ds = loss_graph(function, shared=True)
    model = Model(graph, np.float64, dataset=ds)
    targets = model.encode_targets(ds.y, ds.task)
    model.forward(ds.x)
    logits = np.zeros((len(ds.y), 3))
    logits[np.arange(len(ds.y)), (ds.y + 1) % 3] = 20.0  # every sample's own class is 20 below another
    model.values["n2"] = logits
    model.values["n3"] = model.layers["n3"].forward([logits], False)
    model.loss(targets)
    assert model.loss_values["n4"] == pytest.approx(20.0 + np.log(1 + 2 * np.exp(-20.0)), rel=1e-9)
    (grad,) = model.layers["n4"].backward()
    assert np.abs(grad).max() * len(ds.y) == pytest.approx(1.0, rel=1e-6)


def test_a_second_loss_of_weight_zero_on_the_softmax_changes_no_gradient():
    graph, ds = loss_graph("categorical_cross_entropy")
    shared, _ = loss_graph("categorical_cross_entropy", shared=True)
    shared.set_param("side", "weight", 0.0)
    gradients = []
    for g in (graph, shared):
        model = Model(g, np.float64, dataset=ds)
        model.forward(ds.x)
        targets = model.encode_targets(ds.y, ds.task)
        targets["side"] = np.zeros_like(model.values["n3"])
        model.loss({k: v for k, v in targets.items() if k in model.loss_ids})
        model.backward()
        gradients.append(model.gradients)
    for name, g in gradients[0].items():
        np.testing.assert_array_equal(g, gradients[1][name], err_msg=name)


def test_fused_cross_entropy_stays_finite_for_huge_logits():
    graph, ds = loss_graph("categorical_cross_entropy")
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

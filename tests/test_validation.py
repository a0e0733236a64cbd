"""Every validation problem names its node (and port) and says what to do."""
from types import SimpleNamespace

import pytest

from engine.graph import Graph
from engine.validation import ERROR, WARNING, has_errors, infer_shapes, validate
from tests.helpers import chain


def problems_of(graph, dataset=None, severity=None):
    return [p for p in validate(graph, dataset) if severity in (None, p.severity)]


def only(problems, node):
    found = [p for p in problems if p.node == node]
    assert found, f"no problem names {node}: {problems}"
    return found[0]


CLASSES2 = SimpleNamespace(task="classification", n_features=3, n_classes=2, n_targets=1)
CLASSES3 = SimpleNamespace(task="classification", n_features=3, n_classes=3, n_targets=1)
REGRESSION = SimpleNamespace(task="regression", n_features=3, n_classes=0, n_targets=2)


def test_a_good_graph_has_no_problems_and_inferred_widths():
    graph = chain(("Dense", {"units": 4}), ("Activation", {"function": "relu"}), ("Dense", {"units": 3}),
                  ("Activation", {"function": "softmax"}), ("Loss", {"function": "categorical_cross_entropy"}))
    assert validate(graph, CLASSES3) == []
    assert infer_shapes(graph) == {"x": (3,), "n0": (4,), "n1": (4,), "n2": (3,), "n3": (3,), "n4": ()}


def test_empty_graph_has_no_input_and_no_loss():
    messages = [p.message for p in validate(Graph())]
    assert any("no Input node" in m for m in messages) and any("no Loss node" in m for m in messages)


def test_cycle_names_every_node_on_it():
    graph = chain(("Add", {}), ("Dense", {"units": 3}), ("Loss", {}))
    graph.connect("n1", "n0", "in2", strict=False)
    errors = [p for p in validate(graph) if "cycle" in p.message]
    assert {p.node for p in errors} == {"n0", "n1"}
    assert "n0 → n1 → n0" in errors[0].message or "n1 → n0 → n1" in errors[0].message


def test_empty_and_doubly_wired_ports_name_the_port():
    graph = chain(("Add", {}), ("Loss", {}))
    problem = only(problems_of(graph), "n0")
    assert (problem.port, problem.severity) == ("in2", ERROR) and "not wired" in problem.message
    graph.connect("x", "n0", "in1", strict=False)
    doubled = [p for p in validate(graph) if "wired from" in p.message]
    assert doubled[0].port == "in1" and "x and x" in doubled[0].message


def test_a_stray_chain_is_marked_where_it_breaks_and_does_not_block_training():
    graph = chain(("Dense", {"units": 2}), ("Loss", {}))
    graph.add_node("Dense", node_id="island")
    graph.add_node("Activation", node_id="relu")
    graph.connect("island", "relu")
    problems = {p.node: p for p in validate(graph)}
    assert "not wired" in problems["island"].message and problems["island"].severity == WARNING
    assert "relu" not in problems, "downstream of the break, the break's own problem says it all"
    assert not has_errors(validate(graph))


def test_one_missing_wire_marks_one_node():
    """Issue 15: one missing wire outlined all six nodes of a first network."""
    graph = chain(("Dense", {"units": 4}), ("Activation", {"function": "relu"}), ("Dense", {"units": 1}),
                  ("Activation", {"function": "sigmoid"}), ("Loss", {"function": "binary_cross_entropy"}))
    graph.disconnect(graph.edges_into("n0")[0])
    problems = validate(graph, CLASSES2)
    assert [p.node for p in problems if p.severity == ERROR] == ["n0"]
    assert {p.node for p in problems} == {"n0", "x"}, "the two ends of the missing wire, nothing else"


def test_nodes_reached_through_another_port_are_not_unreached():
    graph = chain(("Add", {}), ("Dense", {"units": 3}), ("Loss", {}))
    nodes = {p.node for p in validate(graph) if p.severity == ERROR}
    assert nodes == {"n0"}


def test_output_that_reaches_no_loss_is_a_warning():
    graph = chain(("Dense", {"units": 2}), ("Loss", {}))
    graph.add_node("Dense", node_id="dangling")
    graph.connect("x", "dangling")
    problem = only(validate(graph), "dangling")
    assert problem.severity == WARNING and "reaches no loss" in problem.message
    assert not has_errors(validate(graph))


def test_add_of_different_widths():
    graph = chain(("Dense", {"units": 4}), ("Add", {}), ("Loss", {}))
    graph.add_node("Dense", {"units": 8}, node_id="wide")
    graph.connect("x", "wide")
    graph.connect("wide", "n1", "in2")
    problem = only(problems_of(graph, severity=ERROR), "n1")
    assert "in1 4, in2 8" in problem.message and "Concat" in problem.message


def test_input_size_differs_from_dataset():
    graph = chain(("Dense", {"units": 3}), ("Activation", {"function": "softmax"}), ("Loss", {"function": "categorical_cross_entropy"}), input_size=5)
    assert "make it 3" in only(validate(graph, CLASSES3), "x").message


def test_last_layer_width_differs_from_classes_names_the_layer_and_the_fix():
    graph = chain(("Dense", {"units": 1}), ("Activation", {"function": "sigmoid"}), ("Loss", {"function": "binary_cross_entropy"}))
    problem = only(validate(graph, CLASSES3), "n0")
    assert problem.message == (
        "3 classes: the last Dense 'n0' has 1 unit — make it 3 units and use softmax with categorical cross-entropy"
    )
    assert (problem.fix.node, problem.fix.param, problem.fix.value) == ("n0", "units", 3)


def test_a_first_network_built_with_the_defaults_points_at_the_dense_that_needs_one_unit():
    """Issue 15: the marker sat on the loss node, not on the layer to change."""
    graph = chain(("Dense", {}), ("Activation", {"function": "relu"}), ("Dense", {}),
                  ("Activation", {"function": "sigmoid"}), ("Loss", {"function": "binary_cross_entropy"}))
    problem = only(validate(graph, CLASSES2), "n2")
    assert problem.fix.label == "set n2 to 1 unit"


def test_regression_width_and_class_only_loss():
    graph = chain(("Dense", {"units": 1}), ("Loss", {"function": "mse"}))
    assert "2 target(s)" in only(validate(graph, REGRESSION), "n0").message
    graph.set_param("n1", "function", "hinge")
    graph.set_param("n0", "units", 2)
    assert "needs class targets" in only(validate(graph, REGRESSION), "n1").message


def test_softmax_into_binary_cross_entropy_is_an_error():
    graph = chain(("Dense", {"units": 2}), ("Activation", {"function": "softmax"}), ("Loss", {"function": "binary_cross_entropy"}))
    problem = only(problems_of(graph, severity=ERROR), "n1")
    assert "use sigmoid" in problem.message


def test_step_warns_and_points_to_the_perceptron_loss():
    graph = chain(("Dense", {"units": 1}), ("Activation", {"function": "step"}), ("Loss", {"function": "mse"}))
    problem = only(validate(graph), "n1")
    assert problem.severity == WARNING and "perceptron" in problem.message


@pytest.mark.parametrize("units,ok", [(1, True), (2, True), (3, False)])
def test_binary_classification_accepts_one_unit_or_one_per_class(units, ok):
    binary = SimpleNamespace(task="classification", n_features=3, n_classes=2, n_targets=1)
    graph = chain(("Dense", {"units": units}), ("Loss", {"function": "hinge"}))
    assert has_errors(validate(graph, binary)) is not ok


def test_a_step_that_only_shows_the_prediction_draws_no_warning():
    graph = chain(("Dense", {"units": 1}), ("Loss", {"function": "perceptron"}))
    graph.add_node("Activation", {"function": "step"}, node_id="decision")
    graph.connect("n0", "decision")
    assert validate(graph) == []
    graph.add_node("Dense", {"units": 2}, node_id="unused")
    graph.connect("decision", "unused")
    assert [(p.node, p.severity) for p in validate(graph)] == [("unused", WARNING)]


@pytest.mark.parametrize("before, fix", [
    ([("Activation", {"function": "relu"})], "make 'n1' a sigmoid"),
    ([("Activation", {"function": "identity"})], "make 'n1' a sigmoid"),
    ([], "add a sigmoid Activation after 'n0'"),
])
def test_binary_cross_entropy_after_anything_but_a_sigmoid_says_which_activation_belongs(before, fix):
    graph = chain(("Dense", {"units": 1}), *before, ("Loss", {"function": "binary_cross_entropy"}))
    problem = only(problems_of(graph, severity=WARNING), "n1")
    assert problem.message == f"binary cross-entropy expects probabilities: {fix}"


def test_categorical_cross_entropy_straight_after_a_dense_asks_for_a_softmax():
    graph = chain(("Dense", {"units": 3}), ("Loss", {"function": "categorical_cross_entropy"}))
    assert "add a softmax Activation after 'n0'" in only(problems_of(graph, severity=WARNING), "n1").message


def test_an_input_that_feeds_nothing_is_asked_to_be_wired_not_to_learn():
    graph = chain(("Dense", {"units": 2}), ("Loss", {}))
    graph.add_node("Input", {"size": 3}, node_id="spare")
    assert only(validate(graph), "spare").message == "its data reaches no loss: wire it into the network"


def test_a_convolution_after_a_vector_names_the_node_and_the_fix():
    graph = chain(("Conv2D", {}), ("Flatten", {}), ("Dense", {"units": 3}), ("Loss", {}))
    problem = only(validate(graph), "n0")
    assert problem.message == ("Conv2D needs an image input (channels, height, width) but gets a vector of 3: "
                               "put it after an Input with a shape, or a Reshape")


def test_a_dense_after_an_image_asks_for_a_flatten_and_shapes_flow_through_convolutions():
    graph = chain(("Conv2D", {"filters": 8, "kernel_size": 3, "padding": "same"}), ("MaxPool2D", {}),
                  ("Dense", {"units": 3}), ("Loss", {}))
    graph.set_param("x", "shape", [1, 8, 8])
    assert "put a Flatten before it" in only(validate(graph), "n2").message
    assert infer_shapes(graph)["n1"] == (8, 4, 4)


@pytest.mark.parametrize("params, fix", [
    ({"kernel_size": 9}, "make kernel_size smaller or add padding"),
    ({"padding": "same", "stride": 2}, 'padding "same" keeps the size only with stride 1'),
])
def test_a_convolution_that_does_not_fit_says_why(params, fix):
    graph = chain(("Conv2D", params), ("Flatten", {}), ("Dense", {"units": 3}), ("Loss", {}))
    graph.set_param("x", "shape", [1, 8, 8])
    assert fix in only(validate(graph), "n0").message


def test_sizes_that_cannot_fit_in_memory_are_refused_before_anything_is_allocated():
    """Issue 14: two Dense layers of 100,000 units raised MemoryError (74.5 GiB) in the event loop."""
    graph = chain(("Dense", {"units": 100_000}), ("Dense", {"units": 100_000}), ("Loss", {}))
    problem = only(validate(graph), "n1")
    assert problem.severity == ERROR and "37.3 GiB" in problem.message and "make the layers smaller" in problem.message

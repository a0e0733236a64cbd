"""What the exporters share (engine/export/common.py), and small project builders for their tests."""
from __future__ import annotations

import numpy as np
import pytest

from engine import PROJECTS
from engine.datasets import load_dataset
from engine.export import ExportError, compile_project
from engine.export.torch_export import python_names
from engine.project import Project, load_project, project_from_dict

EXAMPLES = sorted(PROJECTS.glob("*.ncproj"))
ACTIVATIONS = ("identity", "step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu",
               "swish", "mish", "softplus", "softmax", "prelu")


def make_project(nodes, edges, dataset, training=None, name="Test") -> Project:
    """A project from compact nodes ``(id, type, params)`` and edges ``(from, to[:port])``."""
    return project_from_dict({
        "format": "neurocanvas-project", "version": 1, "name": name,
        "graph": {
            "nodes": [{"id": i, "type": t, "position": [0, 0], "params": p} for i, t, p in nodes],
            "edges": [{"from": a, "to": b} for a, b in edges],
        },
        "dataset": dataset,
        "training": training or {},
    })


def inline_regression(rows=24, features=3, targets=4, seed=0) -> dict:
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 2.0, size=(rows, features)).round(4)
    y = rng.normal(size=(rows, targets)).round(4)
    return {"source": "inline", "x": x.tolist(), "y": y.tolist(), "task": "regression"}


def activation_project(function: str, params: dict | None = None) -> Project:
    """Input(3) → Dense(4) → the activation → Loss(mse), trained: parameters set, PReLU slopes varied."""
    project = make_project(
        [("x", "Input", {"size": 3}), ("h", "Dense", {"units": 4, "init": "normal", "std": 1.5}),
         ("act", "Activation", {"function": function, **(params or {})}), ("loss", "Loss", {"function": "mse"})],
        [("x", "h"), ("h", "act"), ("act", "loss")],
        inline_regression(), name=f"activation {function}",
    )
    return with_parameters(project)


def concat_prelu_project(optimizer=None, **training) -> Project:
    """Two branches from one input (one PReLU, one tanh), side by side, then a softmax classifier;
    and a Maxout and an Add of two inputs on the way (two Input nodes read the same rows)."""
    return make_project(
        [("x", "Input", {"size": 2}), ("x2", "Input", {"size": 2}),
         ("a", "Dense", {"units": 5}), ("a-act", "Activation", {"function": "prelu"}),
         ("b", "Maxout", {"units": 3, "pieces": 2}), ("b_act", "Activation", {"function": "tanh"}),
         ("c", "Dense", {"units": 3, "bias": False}),
         ("sum", "Add", {"inputs": 2}), ("cat", "Concat", {"inputs": 2}),
         ("out", "Dense", {"units": 3}), ("prob", "Activation", {"function": "softmax"}),
         ("loss", "Loss", {"function": "categorical_cross_entropy"})],
        [("x", "a"), ("a", "a-act"), ("x2", "b"), ("b", "b_act"), ("x", "c"),
         ("b_act", "sum:in1"), ("c", "sum:in2"), ("a-act", "cat:in1"), ("sum", "cat:in2"),
         ("cat", "out"), ("out", "prob"), ("prob", "loss")],
        {"source": "generated", "name": "gaussians", "samples": 120, "classes": 3, "seed": 2},
        {"optimizer": optimizer or {"name": "adam", "learning_rate": 0.01}, "batch_size": 16, **training},
        name="Concat and PReLU",
    )


def with_parameters(project: Project, seed: int = 3) -> Project:
    """The project with its seeded initial parameters as its state, PReLU slopes made to differ."""
    parameters = compile_project(project, require_trained=False).model.copy_parameters()
    rng = np.random.default_rng(seed)
    for name, value in parameters.items():
        if name.endswith(".slope"):
            parameters[name] = rng.uniform(0.05, 0.6, size=value.shape).astype(value.dtype)
    project.parameters = parameters
    return project


def trained(project: Project, epochs: int = 3) -> Project:
    trainer = project.trainer()
    trainer.run(epochs)
    project.absorb(trainer)
    return project


def raw_features(project: Project) -> np.ndarray:
    """The dataset's features before any standardization."""
    return load_dataset({**project.dataset, "standardize": False}, project.base_dir).x


# ---- tests of what the exporters share ------------------------------------------------------
def test_examples_exist():
    assert EXAMPLES, "no projects/*.ncproj to export"


def test_an_untrained_project_is_refused_where_a_trained_one_is_needed():
    project = load_project(EXAMPLES[0])
    project.reset_state()
    with pytest.raises(ExportError, match=r"is not trained yet: train it first \(python main.py train .* --in-place\)"):
        compile_project(project)
    assert compile_project(project, require_trained=False).model  # the seeded initial parameters


def test_the_output_is_the_first_losss_input_and_only_its_ancestors_are_exported():
    project = make_project(
        [("x", "Input", {"size": 3}), ("h", "Dense", {"units": 4}), ("y1", "Dense", {"units": 4}),
         ("y2", "Dense", {"units": 4}), ("l1", "Loss", {"function": "mse"}), ("l2", "Loss", {"function": "mae"})],
        [("x", "h"), ("h", "y1"), ("h", "y2"), ("y1", "l1"), ("y2", "l2")],
        inline_regression(),
    )
    network = compile_project(project, require_trained=False)
    assert network.output_id == "y1"
    assert network.prediction_nodes == ["h", "y1"]
    assert network.output_kind == "values"


def test_node_ids_become_valid_distinct_python_names():
    names = python_names(["x", "my-layer", "my_layer", "class", "train", "_a", "F", "forward"])
    assert names == {"x": "x", "my-layer": "my_layer", "my_layer": "my_layer_2", "class": "class_",
                     "train": "train_", "_a": "node_a", "F": "F_", "forward": "forward_"}
    assert all(n.isidentifier() for n in names.values())

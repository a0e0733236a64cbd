"""Every registered node kind, one test each: a central-difference gradient check, a save/load round
trip, ONNX export agreement (onnxruntime) and PyTorch export agreement (forward, and one epoch of the
exported train.py). A new kind is covered once it has an entry in ``EXAMPLES`` — and a kind without one
fails ``test_every_kind_has_an_example``.
"""
from __future__ import annotations

import importlib.util
import sys
import uuid

import numpy as np
import pytest

from engine.export import Predictor, build_onnx_model, compile_project, export_torch, from_torch_state
from engine.nodes import NODE_TYPES
from engine.project import load_project, save_project
from engine.trainer import Trainer
from tests.helpers import check_gradients
from tests.test_export_common import inline_regression, make_project, raw_features, trained

TARGETS = 2

# kind -> (Input params, the nodes after it as (type, params), ending in a vector); the test adds
# Dense(TARGETS) and an mse Loss. "branches" means two Dense(3) branches joined by the kind.
EXAMPLES: dict[str, tuple[dict, list]] = {
    "Input": ({"size": 3}, []),
    "Dense": ({"size": 3}, [("Dense", {"units": 4})]),
    "Dropout": ({"size": 3}, [("Dense", {"units": 4}), ("Dropout", {"rate": 0.3})]),
    "Maxout": ({"size": 3}, [("Maxout", {"units": 3, "pieces": 2})]),
    "Activation": ({"shape": [2, 3, 3]}, [("Activation", {"function": "prelu"}), ("Flatten", {})]),
    "Conv2D": ({"shape": [2, 5, 6]}, [("Conv2D", {"filters": 3, "kernel_size": 3, "stride": 2, "padding": 1}),
                                      ("Activation", {"function": "tanh"}), ("Flatten", {})]),
    "MaxPool2D": ({"shape": [2, 5, 5]}, [("Conv2D", {"filters": 2, "kernel_size": 2, "padding": "same"}),
                                         ("MaxPool2D", {"pool_size": 3, "stride": 2}), ("Flatten", {})]),
    "AvgPool2D": ({"shape": [1, 5, 4]}, [("Conv2D", {"filters": 2, "kernel_size": 1}), ("AvgPool2D", {}),
                                         ("Flatten", {})]),
    "BatchNorm": ({"shape": [2, 3, 3]}, [("Conv2D", {"filters": 3, "kernel_size": 3, "padding": "same"}),
                                         ("BatchNorm", {"momentum": 0.3}), ("Flatten", {}), ("Dense", {"units": 5}),
                                         ("BatchNorm", {}), ("Activation", {"function": "tanh"})]),
    "LayerNorm": ({"size": 3}, [("Dense", {"units": 5}), ("LayerNorm", {}), ("Activation", {"function": "tanh"})]),
    "Flatten": ({"shape": [2, 3, 3]}, [("Activation", {"function": "prelu"}), ("Flatten", {})]),
    "Reshape": ({"size": 8}, [("Dense", {"units": 12}), ("Reshape", {"shape": [3, 2, 2]}),
                              ("Activation", {"function": "prelu"}), ("Reshape", {"shape": [12]})]),
    "Add": ({"size": 3}, "branches"),
    "Concat": ({"size": 3}, "branches"),
    "Loss": ({"size": 3}, [("Dense", {"units": 4}), ("Activation", {"function": "tanh"})]),
}


def example(kind: str):
    """The kind's example project, with parameters changed from their initial values (one epoch)."""
    input_params, core = EXAMPLES[kind]
    features = int(np.prod(input_params["shape"])) if "shape" in input_params else input_params["size"]
    nodes, edges = [("x", "Input", input_params)], []
    if core == "branches":
        nodes += [("a", "Dense", {"units": 3}), ("b", "Dense", {"units": 3}), ("m", kind, {"inputs": 2})]
        edges += [("x", "a"), ("x", "b"), ("a", "m:in1"), ("b", "m:in2")]
        last = "m"
    else:
        last = "x"
        for i, (type_name, params) in enumerate(core):
            nodes.append((f"n{i}", type_name, params))
            edges.append((last, f"n{i}"))
            last = f"n{i}"
    project = make_project(nodes + [("out", "Dense", {"units": TARGETS}), ("loss", "Loss", {"function": "mse"})],
                           edges + [(last, "out"), ("out", "loss")],
                           inline_regression(rows=24, features=features, targets=TARGETS), name=f"{kind} example",
                           training={"optimizer": {"name": "sgd", "learning_rate": 0.01}, "batch_size": 8,
                                     "validation_split": 0.25})
    project = trained(project, epochs=1)
    assert project.history["val_loss"][0] < 100, f"{kind}'s example must train sanely: {project.history}"
    return project


KINDS = sorted(NODE_TYPES)


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(NODE_TYPES), "give every registered kind an example here"


@pytest.mark.parametrize("kind", KINDS)
def test_gradients(kind):
    project = example(kind)
    model = check_gradients(project.graph, project.load_data(), training=True, l1=0.01, l2=0.02)
    assert any(project.graph.nodes[n].type == kind for n in model.kinds)


@pytest.mark.parametrize("kind", KINDS)
def test_save_and_load_round_trip(kind, tmp_path):
    project = example(kind)
    save_project(project, tmp_path / "p.ncproj")
    reopened = load_project(tmp_path / "p.ncproj")
    assert reopened.graph.to_dict() == project.graph.to_dict()
    assert set(reopened.parameters) == set(project.parameters)
    for name, value in project.parameters.items():
        np.testing.assert_array_equal(reopened.parameters[name], value, err_msg=name)
    x = raw_features(project)
    np.testing.assert_array_equal(Predictor(reopened).outputs(x), Predictor(project).outputs(x))


@pytest.mark.parametrize("kind", KINDS)
def test_onnx_export_agrees(kind):
    ort = pytest.importorskip("onnxruntime")
    project = example(kind)
    proto = build_onnx_model(compile_project(project))
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    x = raw_features(project)
    (got,) = session.run(None, {"input": x.astype(np.float32)})
    np.testing.assert_allclose(got, Predictor(project).outputs(x), rtol=1e-5, atol=1e-5)


def _import(folder, name):
    spec = importlib.util.spec_from_file_location(f"{name}_{uuid.uuid4().hex}", folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(folder))  # train.py imports model
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    return module


@pytest.mark.parametrize("kind", KINDS)
def test_pytorch_export_agrees(kind, tmp_path):
    torch = pytest.importorskip("torch")
    project = example(kind)
    export_torch(project, tmp_path)
    model_py = _import(tmp_path, "model")
    net = model_py.load_parameters(model_py.Net()).eval()
    x = raw_features(project)
    with torch.no_grad():
        got = net(model_py.prepare(x)).numpy()
    np.testing.assert_allclose(got, Predictor(project).outputs(x), rtol=1e-5, atol=1e-5)

    # One epoch of train.py (float64, rows in stored order) lands where the engine lands.
    sys.modules.setdefault("model", model_py)
    try:
        train_py = _import(tmp_path, "train")
    finally:
        sys.modules.pop("model", None)
    data = train_py.load_data(tmp_path / "data.npz", torch.float64, torch.device("cpu"))
    net = model_py.load_parameters(model_py.Net().to(dtype=torch.float64))
    torch.manual_seed(0)
    train_py.train(net, data, epochs=1, shuffle=False, quiet=True)
    engine = Trainer(project.graph, project.load_data(), {**project.training, "dtype": "float64", "shuffle": False},
                     project.parameters, project.history, project.epoch)
    if kind != "Dropout":  # its masks come from each library's own generator
        assert engine.run(1).reason == "completed"
        state = {k: v.detach().numpy() for k, v in net.state_dict().items()}
        landed = from_torch_state(compile_project(project, require_trained=False), state)
        for name, value in engine.model.arrays.items():
            np.testing.assert_allclose(landed[name], value, rtol=1e-9, atol=1e-10, err_msg=name)

"""ONNX export: every example project and every activation runs in onnxruntime with the engine's numbers."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from engine.cli import main as cli_main
from engine.export import ExportError, Predictor, build_onnx_model, compile_project, export_onnx
from engine.export.onnx_export import MISSING
from engine.project import load_project, save_project
from tests.test_export_common import (
    ACTIVATIONS, EXAMPLES, activation_project, concat_prelu_project, make_project, raw_features, trained,
    with_parameters,
)

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOLERANCE = 1e-5


def run_onnx(model, x_raw: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(["output"], {"input": np.asarray(x_raw, dtype=np.float32)})[0]


def onnx_vs_engine(project) -> float:
    """The largest difference between onnxruntime's output and the engine's, on the raw features."""
    x_raw = raw_features(project)
    model = build_onnx_model(compile_project(project))
    expected = Predictor(project).outputs(x_raw)
    got = run_onnx(model, x_raw)
    assert got.shape == expected.shape
    return float(np.abs(got - expected).max())


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_project_exports_and_runs_like_the_engine(path, tmp_path):
    project = trained(load_project(path), epochs=3)
    out = tmp_path / f"{path.stem}.onnx"
    export_onnx(project, out)
    model = onnx.load(str(out))
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ["input"] and [o.name for o in model.graph.output] == ["output"]
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    x_raw = raw_features(project)
    expected = Predictor(project).outputs(x_raw)
    got = run_onnx(model, x_raw)
    assert np.abs(got - expected).max() <= TOLERANCE
    # The engine's own predictions on its (possibly standardized) training features agree too.
    engine = project.trainer().model.predict(project.load_data().x)
    assert np.abs(got - engine).max() <= TOLERANCE
    assert run_onnx(model, x_raw[:1]).shape == (1, expected.shape[1])  # any batch size


@pytest.mark.parametrize("function", ACTIVATIONS)
def test_every_activation_function_maps_to_onnx(function):
    params = {"leaky_relu": {"negative_slope": 0.2}, "elu": {"alpha": 0.7}}.get(function)
    assert onnx_vs_engine(activation_project(function, params)) <= TOLERANCE


def test_merges_maxout_prelu_dense_without_bias_and_two_inputs():
    assert onnx_vs_engine(with_parameters(concat_prelu_project())) <= TOLERANCE


def test_standardization_is_embedded_and_the_metadata_names_features_and_classes():
    project = trained(make_project(
        [("x", "Input", {"size": 4}), ("h", "Dense", {"units": 6}), ("a", "Activation", {"function": "gelu"}),
         ("d", "Dropout", {"rate": 0.3}), ("out", "Dense", {"units": 3}),
         ("p", "Activation", {"function": "softmax"}), ("loss", "Loss", {"function": "categorical_cross_entropy"})],
        [("x", "h"), ("h", "a"), ("a", "d"), ("d", "out"), ("out", "p"), ("p", "loss")],
        {"source": "builtin", "name": "iris", "standardize": True}, name="Iris",
    ), epochs=20)
    model = build_onnx_model(compile_project(project))
    ops = [n.op_type for n in model.graph.node]
    assert ops[:2] == ["Sub", "Div"]
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["feature_names"] == "sepal_length,sepal_width,petal_length,petal_width"
    assert meta["class_names"] == "setosa,versicolor,virginica"
    assert meta["standardized"] == "embedded" and meta["output"] == "probabilities" and meta["task"] == "classification"
    x_raw = raw_features(project)
    assert np.abs(run_onnx(model, x_raw) - Predictor(project).outputs(x_raw)).max() <= TOLERANCE


def test_a_graph_with_two_losses_exports_the_first_losss_input():
    project = with_parameters(make_project(
        [("x", "Input", {"size": 3}), ("h", "Dense", {"units": 4}), ("y1", "Dense", {"units": 4}),
         ("y2", "Dense", {"units": 4}), ("l1", "Loss", {"function": "mse"}), ("l2", "Loss", {"function": "mae"})],
        [("x", "h"), ("h", "y1"), ("h", "y2"), ("y1", "l1"), ("y2", "l2")],
        {"source": "inline", "x": [[1, 2, 3], [0, 1, 0], [2, 2, 1]], "y": [[1, 2, 3, 4], [0, 1, 0, 1], [2, 1, 1, 0]]},
    ))
    model = build_onnx_model(compile_project(project))
    assert not any(n.name.startswith("y2") for n in model.graph.node)
    assert onnx_vs_engine(project) <= TOLERANCE


def test_an_untrained_project_is_refused(tmp_path):
    project = load_project(EXAMPLES[0])
    project.reset_state()
    with pytest.raises(ExportError, match="is not trained yet"):
        export_onnx(project, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_without_the_onnx_package_one_line_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    path = tmp_path / "t.ncproj"
    save_project(trained(load_project(EXAMPLES[0]), epochs=1), path)
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now fails
    assert cli_main(["export", str(path), "--onnx", str(tmp_path / "m.onnx")]) == 2
    assert capsys.readouterr().err == f"neurocanvas: {MISSING}\n"
    assert MISSING == "ONNX export needs the onnx package: pip install -e '.[export]'"
